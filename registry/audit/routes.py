"""The audit trail's screens and ``stelsel audit`` commands, for :mod:`registry.plugin`."""

from __future__ import annotations

from registry.audit import views
from registry.audit.cli import audit_group

route_handlers = [*views.route_handlers]
cli_commands = [audit_group]
