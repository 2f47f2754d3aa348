"""Who is calling: a session cookie (pages) or a bearer token (the JSON API).

The JSON API never honours the session cookie, so browser-based CSRF cannot reach it; pages never
honour bearer tokens. Anonymous requests pass with ``scope["user"] = None`` and the route guard
decides (:func:`registry.accounts.permissions.authorize`). Anonymous calls cost no database query.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.permissions import Principal
from registry.accounts.services import resolve_api_client, resolve_session
from registry.api import API_PREFIX

SESSION_COOKIE = "stelsel_sessie"


class AuthenticationMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = await self._principal(scope)
        await next_app(scope, receive, send)

    async def _principal(self, scope: Scope) -> Principal | None:
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        path = scope["path"]
        state = scope["litestar_app"].state
        if path.startswith((API_PREFIX, "/.well-known/")):
            header = connection.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            async with state.db_sessionmaker() as session:
                return await resolve_api_client(session, token.strip())
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        async with state.db_sessionmaker() as session:
            return await resolve_session(session, cookie, state.clock.now())
