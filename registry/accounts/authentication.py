"""Who is calling: a session cookie (pages) or a bearer token (the JSON API).

The JSON API never honours the session cookie, so browser-based CSRF cannot reach it; pages never
honour bearer tokens. Anonymous requests pass with ``scope["user"] = None`` and the route guard
decides (:func:`registry.guards.guard`). Anonymous calls cost no database query.
A bearer token that is presented but not valid is refused with 401 (``invalid_token``), also on
public routes, so a client never mistakes a public answer for the one its token would get.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.errors import InvalidBearerToken
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
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() != "bearer":
                return None
            if not token.strip():
                raise InvalidBearerToken(empty=True)
            async with state.db_sessionmaker() as session:
                client = await resolve_api_client(session, token.strip())
            if client is None:
                # a credential that was presented but is not right is refused, also on public routes
                raise InvalidBearerToken
            return client
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        async with state.db_sessionmaker() as session:
            return await resolve_session(session, cookie, state.clock.now())
