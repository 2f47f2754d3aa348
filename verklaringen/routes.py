"""Routes, commands and demo data of the verklaringen domain for :mod:`registry.plugin`.

Importing this module also registers the check through which the ledenadministratie asks whether a
verklaring vouches for a rolvervulling (:mod:`verklaringen.services.verklaringcheck`).
"""

from __future__ import annotations

from registry.ledenadministratie.verklaringcheck import register_verklaring_check
from verklaringen.cli import verify_command
from verklaringen.controllers import AanmeldingenController, VerklaringenController
from verklaringen.demo import demo_loader
from verklaringen.services.verklaringcheck import verklaring_check
from verklaringen.views import route_handlers as page_handlers

register_verklaring_check(verklaring_check)

route_handlers = [VerklaringenController, AanmeldingenController, *page_handlers]
cli_commands = [verify_command]

__all__ = ["cli_commands", "demo_loader", "route_handlers"]
