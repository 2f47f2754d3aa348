"""Rate limits for the lookup API: per API client, and per address for anonymous callers.

A sliding window over the last minute, kept in memory: each worker process counts on its own, so
with N workers a caller can make up to N times the limit. That is acceptable for keeping one caller
from crowding out the rest; a shared counter (for example in the database or Redis) would be needed
for an exact limit across workers. Behind a reverse proxy every anonymous caller has the proxy's
address unless the server is told to trust its forwarding header.

The limits come from the settings ``anonymous_rate_per_minute`` and ``client_rate_per_minute``. A
caller over its limit gets a 429 problem with ``Retry-After``: the seconds until its oldest counted
request leaves the window.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection

from registry.accounts.permissions import principal_of
from registry.errors import RateLimited
from registry.settings import Settings

WINDOW_SECONDS = 60.0
_STATE_KEY = "lookup_rate_limiter"
RATE_LIMITED = "rate_limited"
"""The ``opt`` key of a route (or controller) whose calls count against the caller's limit."""
_SWEEP_EVERY = 1000


class SlidingWindowLimiter:
    """Counts requests per key over the last ``window`` seconds."""

    def __init__(self, window: float = WINDOW_SECONDS, now: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.now = now
        self._hits: dict[str, deque[float]] = {}
        self._calls = 0

    def hit(self, key: str, limit: int) -> float | None:
        """Count one request for ``key``; ``None`` if allowed, else the seconds until one is allowed."""
        now = self.now()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= limit:
            return max(hits[0] + self.window - now, 0.0)
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        for key in [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]


def _limiter(connection: ASGIConnection[Any, Any, Any, Any]) -> SlidingWindowLimiter:
    state = connection.app.state
    limiter = state.get(_STATE_KEY)
    if not isinstance(limiter, SlidingWindowLimiter):
        limiter = SlidingWindowLimiter()
        state[_STATE_KEY] = limiter
    return limiter


def rate_limit(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Count the request against its caller's limit, or refuse it with a 429 (run by the app's guard,
    :mod:`registry.guards`, for routes with ``opt={RATE_LIMITED: True}``)."""
    settings: Settings = connection.app.state.settings
    principal = principal_of(connection)
    if principal is not None and principal.kind == "api-client":
        key, limit, who = f"client:{principal.id}", settings.client_rate_per_minute, "deze API-client"
    else:
        address = connection.client.host if connection.client else "onbekend"
        key, limit, who = f"anoniem:{address}", settings.anonymous_rate_per_minute, "anonieme aanroepen"
    wait = _limiter(connection).hit(key, limit)
    if wait is not None:
        raise RateLimited(
            f"Te veel verzoeken: {who} mogen {limit} verzoeken per minuut doen. Probeer het later opnieuw.",
            retry_after=max(1, math.ceil(wait)),
        )
