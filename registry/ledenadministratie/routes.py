"""Routes, command-line commands and demo data of the ledenadministratie for :mod:`registry.plugin`.

Importing this module also tells the catalogue which deelnemers fill each role
(:mod:`registry.ledenadministratie.invulling`).
"""

from __future__ import annotations

from registry.ledenadministratie import views
from registry.ledenadministratie.cli import export_group, import_group
from registry.ledenadministratie.controllers import LookupController
from registry.ledenadministratie.demo import demo_loader
from registry.ledenadministratie.invulling import deelnemers_met_rol
from roles.invulling import register_invulling_provider

register_invulling_provider(deelnemers_met_rol)

route_handlers = [LookupController, *views.route_handlers]
cli_commands = [import_group, export_group]

__all__ = ["cli_commands", "demo_loader", "route_handlers"]
