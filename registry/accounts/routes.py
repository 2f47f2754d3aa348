"""The accounts domain's pages, ``stelsel user`` commands and demo accounts, for :mod:`registry.plugin`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.accounts import admin_views, views
from registry.accounts.cli import user_group
from registry.accounts.demo import load_demo_accounts

if TYPE_CHECKING:
    from registry.demo import DemoContext

route_handlers = [*views.route_handlers, *admin_views.route_handlers]
cli_commands = [user_group]

# The demo contact user needs the ledenadministratie's demo deelnemer, so this loader runs late.
demo_order = 100


async def demo_loader(context: DemoContext) -> list[str]:
    return await load_demo_accounts(context.session, context.clock)
