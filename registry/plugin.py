"""The one place that knows every domain: it registers their routes and command-line commands.

Each domain module named in :data:`DOMAIN_MODULES` exposes ``route_handlers`` (controllers or
route handlers) and may expose ``cli_commands`` (click commands mounted under ``stelsel``).
Domains never import the app; the app imports them here.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import click
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

DOMAIN_MODULES: tuple[str, ...] = (
    "registry.health",
    "registry.openapi",
    "registry.pages",
    "registry.accounts.routes",
    "registry.audit.routes",
    "registry.signing.routes",
    "registry.signing.views",
    "roles.routes",
    "registry.ledenadministratie.routes",
    "verklaringen.routes",
    "registry.backup",
)


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # A domain that is not present in this build is skipped; an import error *inside* a
        # present domain still fails start-up loudly.
        if exc.name == name:
            return None
        raise


def domain_modules() -> list[ModuleType]:
    return [module for name in DOMAIN_MODULES if (module := _load(name)) is not None]


def domain_cli_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    for module in domain_modules():
        commands.extend(getattr(module, "cli_commands", ()))
    return commands


class StelselPlugin(InitPluginProtocol):
    """Registers every domain's route handlers on the app."""

    def __init__(self, extra_handlers: Sequence[Any] = ()) -> None:
        self.extra_handlers = list(extra_handlers)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        for module in domain_modules():
            app_config.route_handlers.extend(getattr(module, "route_handlers", ()))
        app_config.route_handlers.extend(self.extra_handlers)
        return app_config
