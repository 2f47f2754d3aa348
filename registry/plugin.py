"""The one place that knows every domain: it registers their routes and command-line commands.

Each domain module named in :data:`DOMAIN_MODULES` exposes ``route_handlers`` (controllers or
route handlers) and may expose ``cli_commands`` (click commands mounted under ``stelsel``).
Domains never import the app; the app imports them here.

The command line imports no domain until one of its commands is used: :data:`DOMAIN_COMMANDS` says
where each command of ``cli_commands`` is defined (a test keeps the two in agreement).
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


DOMAIN_COMMANDS: dict[str, tuple[str, str]] = {
    "user": ("registry.accounts.cli", "user_group"),
    "audit": ("registry.audit.cli", "audit_group"),
    "keys": ("registry.signing.cli", "keys_group"),
    "catalogue": ("roles.cli", "catalogue_group"),
    "import": ("registry.ledenadministratie.cli", "import_group"),
    "export": ("registry.ledenadministratie.cli", "export_group"),
    "verify": ("verklaringen.cli", "verify_command"),
    "backup": ("registry.backup", "backup_command"),
    "restore": ("registry.backup", "restore_command"),
}
"""Each domain command by name: the module that defines it and its name there."""


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


def domain_command(name: str) -> click.Command | None:
    """The domain command ``name``, importing only the module that defines it; ``None`` when there is
    no such command in this build."""
    if name not in DOMAIN_COMMANDS:
        return None
    module_name, attribute = DOMAIN_COMMANDS[name]
    module = _load(module_name)
    command: click.Command | None = None if module is None else getattr(module, attribute)
    return command


class StelselPlugin(InitPluginProtocol):
    """Registers every domain's route handlers on the app."""

    def __init__(self, extra_handlers: Sequence[Any] = ()) -> None:
        self.extra_handlers = list(extra_handlers)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        for module in domain_modules():
            app_config.route_handlers.extend(getattr(module, "route_handlers", ()))
        app_config.route_handlers.extend(self.extra_handlers)
        return app_config
