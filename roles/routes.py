"""The catalogue's routes, command-line commands and demo data, registered by :mod:`registry.plugin`.

- public pages under ``/catalogus`` (:mod:`roles.views`);
- the public read-only API under ``/api/v1`` (:mod:`roles.controllers`);
- the admin screens under ``/beheer/catalogus`` (:mod:`roles.beheer`);
- ``stelsel catalogue load|export|releases`` (:mod:`roles.cli`);
- demo data: the release 1.2.0 catalogue file, loaded idempotently.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from roles import services
from roles.beheer import BeheerCatalogusController
from roles.catalogue_file import CATALOGUS_DIR
from roles.cli import catalogue_group
from roles.controllers import CatalogusController
from roles.views import public_route_handlers

DEMO_CATALOGUE = CATALOGUS_DIR / "1.2.0.toml"


class DemoContext(Protocol):
    session: AsyncSession
    clock: Clock


async def demo_loader(context: DemoContext) -> list[str]:
    """Load the release 1.2.0 catalogue (safe to run again: an unchanged release is left alone)."""
    result = await services.load_catalogue_file(
        context.session, DEMO_CATALOGUE, actor=Actor.system("demo"), clock=context.clock
    )
    return [f"catalogus: release {result.versie} ({result.status}) {result.uitkomst}"]


route_handlers = [*public_route_handlers, CatalogusController, BeheerCatalogusController]
cli_commands = [catalogue_group]
