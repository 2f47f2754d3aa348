"""Fixtures of the catalogue tests: the 1.2.0 catalogue loaded into the test database, and actors."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from roles import services
from roles.catalogue_file import CATALOGUS_DIR

CATALOGUE_FILE = CATALOGUS_DIR / "1.2.0.toml"


@pytest.fixture
def beheerder() -> Actor:
    return Actor(kind="user", id="beheerder-1", name="Beheerder Catalogus")


@pytest.fixture
async def catalogus_1_2_0(db: AsyncSession, clock: Clock) -> services.Laadresultaat:
    """Release 1.2.0 as the stelsel published it, loaded from its catalogue file."""
    return await services.load_catalogue_file(db, CATALOGUE_FILE, actor=Actor.cli("test"), clock=clock)
