"""Routes of the ledenadministratie for :mod:`registry.plugin`, and its demo data."""

from __future__ import annotations

from registry.ledenadministratie import views
from registry.ledenadministratie.controllers import LookupController
from registry.ledenadministratie.demo import demo_loader

route_handlers = [LookupController, *views.route_handlers]

__all__ = ["demo_loader", "route_handlers"]
