"""The app's one route guard: access as the route declares it, then the rate limit where it applies.

Litestar calls each guard with a shallow copy of the route handler, for every request; on the
lookup API, answered in well under a millisecond, a second guard's copy was a measurable share of
the answer. So there is one guard, and what it checks is declared in the handler's ``opt``
(merged from app, router, controller and handler by Litestar):

- the access decision (:func:`registry.accounts.permissions.check_access`);
- ``opt={RATE_LIMITED: True}``: the caller's request count
  (:func:`registry.ledenadministratie.ratelimit.rate_limit`), after access is granted.

The guard is asynchronous although it awaits nothing: Litestar runs a synchronous guard in a worker
thread, a hand-off every request would pay.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from registry.accounts.permissions import check_access
from registry.ledenadministratie.ratelimit import RATE_LIMITED, rate_limit


async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    opt = handler.opt
    check_access(connection, opt)
    if opt.get(RATE_LIMITED):
        rate_limit(connection)
