"""Every route × every caller: what a route declares in ``opt`` is exactly what the app enforces.

The routes are read from the assembled app, so routes that other domains add are covered without
touching this file. For each route and each caller (the four account roles, an anonymous visitor,
and an API client per scope) one request is made; path parameters get a random UUID or a
placeholder, posts an empty form with a valid CSRF token. The expected outcome is derived here from
the route's ``opt``, :data:`ROLE_PERMISSIONS` and :data:`SCOPE_PERMISSIONS`, independently of the
guard:

- allowed: the guard lets the request through (no 401, no guard 403; a 403 of an object-level rule
  in a domain service is fine, e.g. a casemanager and someone else's intake);
- not allowed: 401 for a caller the route's part of the app does not know, else 403 — both from
  the guard.

Pages know callers only by their session cookie, the API (``/api/v1``, ``/.well-known``) only by a
bearer token: a logged-in browser is anonymous to the API, an API client anonymous to the pages.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import BaseRouteHandler
from litestar.routes import ASGIRoute, HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.models import ApiClient, User, UserSession
from registry.accounts.permissions import (
    REFUSED_ANONYMOUS,
    REFUSED_WITHOUT_PERMISSION,
    REFUSED_WITHOUT_RULE,
    ROLE_PERMISSIONS,
    SCOPE_PERMISSIONS,
    AccountRole,
    Permission,
    Scope,
)
from registry.accounts.tokens import new_token, token_hash
from registry.api import API_PREFIX
from registry.app import CSRF_COOKIE, CSRF_FIELD, create_app
from registry.audit.services import Actor, audited_write
from registry.settings import Settings
from tests.accounts.factories import csrf_token
from tests.conftest import TEST_SECRET, MovableClock

BEARER_PREFIXES = (API_PREFIX, "/.well-known/")
# Litestar's own schema routes: the app publishes /api/v1/openapi.json instead and leaves these
# without a decision on purpose, so the guard refuses them to everybody (checked below).
CLOSED_TO_ALL = f"{API_PREFIX}/_litestar-schema"
GUARD_REFUSALS = {REFUSED_ANONYMOUS, REFUSED_WITHOUT_PERMISSION, REFUSED_WITHOUT_RULE}
# Methods the framework answers by itself (OPTIONS for every path, HEAD beside GET).
FRAMEWORK_METHODS = {"OPTIONS", "HEAD"}
PLACEHOLDERS: dict[str, str] = {
    "int": "987654321",
    "float": "1.5",
    "decimal": "1.5",
    "str": "onbekend",
    "path": "onbekend",
    "date": "2026-01-01",
    "datetime": "2026-01-01T00:00:00Z",
    "time": "00:00:00",
    "timedelta": "1",
}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes the request: an account role, an API client with one scope, or nobody."""

    name: str
    role: AccountRole | None = None
    scope: Scope | None = None


CALLERS = (
    *(Caller(role.value, role=role) for role in AccountRole),
    Caller("anonymous"),
    *(Caller(f"api-client {scope.value}", scope=scope) for scope in Scope),
)


def _app_for_listing() -> Litestar:
    """The app as assembled at start-up, only to read its routes (it never touches a database)."""
    data_dir = Path(tempfile.mkdtemp(prefix="stelsel-routes-"))
    return create_app(Settings(data_dir=data_dir, database_url="sqlite+aiosqlite://", secret_key=TEST_SECRET))


def _route_handlers(app: Litestar) -> dict[str, tuple[str, str, BaseRouteHandler]]:
    """``"METHOD /path"`` → (method, path, handler) for every route the app serves."""
    found: dict[str, tuple[str, str, BaseRouteHandler]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method, (handler, _) in route.route_handler_map.items():
                if method not in FRAMEWORK_METHODS:
                    found[f"{method} {route.path}"] = (method, route.path, handler)
        elif isinstance(route, ASGIRoute):
            found[f"GET {route.path}"] = ("GET", route.path, route.route_handler)
    return found


ROUTES = _route_handlers(_app_for_listing())


def _declared(handler: BaseRouteHandler) -> list[str]:
    opt = handler.opt
    return [key for key in ("public", "permission", "authenticated") if opt.get(key)]


def _expected(handler: BaseRouteHandler, path: str, caller: Caller) -> int | None:
    """``None`` when the caller may use the route, else the status the guard must answer."""
    opt = handler.opt
    if opt.get("public"):
        return None
    bearer_only = path.startswith(BEARER_PREFIXES)
    # Who the app recognises on this path: users on pages, API clients on the API.
    known = caller.scope is not None if bearer_only else caller.role is not None
    if not known:
        return 401
    if opt.get("authenticated"):
        return None if caller.role is not None else 403
    needed = Permission(opt["permission"])
    granted = ROLE_PERMISSIONS[caller.role] if caller.role is not None else SCOPE_PERMISSIONS[caller.scope]  # type: ignore[index]
    return None if needed in granted else 403


def _concrete(path: str) -> str:
    def fill(match: re.Match[str]) -> str:
        kind = match.group(2)
        return str(uuid.uuid4()) if kind == "uuid" else PLACEHOLDERS.get(kind, "onbekend")

    return re.sub(r"\{(\w+):(\w+)\}", fill, path)


def test_routes_are_found() -> None:
    # The accounts pages alone make sure the enumeration is not silently empty.
    assert "POST /inloggen" in ROUTES
    assert "GET /beheer/gebruikers/{user_id:uuid}" in ROUTES


DECIDED = sorted(key for key, (_, path, _) in ROUTES.items() if not path.startswith(CLOSED_TO_ALL))
CLOSED = sorted(key for key, (_, path, _) in ROUTES.items() if path.startswith(CLOSED_TO_ALL))


@pytest.mark.parametrize("key", DECIDED)
def test_every_route_declares_exactly_one_access_decision(key: str) -> None:
    _, _, handler = ROUTES[key]
    declared = _declared(handler)
    assert len(declared) == 1, (
        f"{key} ({handler.handler_name}) must declare exactly one of opt={{'public': True}}, "
        f"{{'permission': Permission.X}} or {{'authenticated': True}}; it declares {declared or 'none'}"
    )


async def _credentials(db: AsyncSession, clock: MovableClock) -> dict[str, tuple[str, str]]:
    """Per caller the cookie or bearer token it sends; made in one write, as this runs per route."""
    credentials: dict[str, tuple[str, str]] = {}
    async with audited_write(db, Actor.system("test"), clock) as tx:
        for caller in CALLERS:
            secret = new_token()
            if caller.role is not None:
                user = User(
                    id=uuid.uuid4(),
                    email=f"{caller.role.value}@example.nl",
                    display_name=caller.name,
                    role=caller.role.value,
                    password_hash="-",
                    is_active=True,
                    failed_logins=0,
                    deelnemer_id=uuid.uuid4() if caller.role == AccountRole.DEELNEMER_CONTACT else None,
                )
                db.add(user)
                db.add(
                    UserSession(
                        user=user,
                        token_hash=token_hash(secret),
                        expires_at=tx.now + timedelta(hours=1),
                        last_seen_at=tx.now,
                        second_factor_done=True,
                    )
                )
                credentials[caller.name] = ("cookie", secret)
            elif caller.scope is not None:
                client_id = f"cl_{uuid.uuid4().hex[:12]}"
                db.add(
                    ApiClient(
                        client_id=client_id,
                        name=caller.name,
                        secret_hash=token_hash(secret),
                        scopes=[caller.scope.value],
                        is_active=True,
                    )
                )
                credentials[caller.name] = ("bearer", f"{client_id}.{secret}")
        tx.record("test.toegang", "test", "route-access")
    return credentials


async def _request(
    client: AsyncTestClient[Litestar], method: str, path: str, credential: tuple[str, str] | None
) -> tuple[int, str | None]:
    client.cookies.clear()
    headers = {"accept": "application/json"}  # errors come back as problem+json, with their detail
    if credential is not None and credential[0] == "cookie":
        client.cookies.set(SESSION_COOKIE, credential[1])
    elif credential is not None:
        headers["authorization"] = f"Bearer {credential[1]}"
    options: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        if path.startswith(BEARER_PREFIXES):
            options["json"] = {}
        else:
            token = csrf_token()
            client.cookies.set(CSRF_COOKIE, token)
            options["data"] = {CSRF_FIELD: token}
    response = await client.request(method, path, **options)
    detail = None
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        detail = response.json().get("detail")
    return response.status_code, detail


@pytest.mark.parametrize("key", DECIDED)
async def test_each_caller_gets_what_the_route_declares(
    key: str, app: Litestar, client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    method, path, handler = ROUTES[key]
    if not _declared(handler):
        pytest.fail(f"{key} declares no access decision, so nobody can use it")
    credentials = await _credentials(db, clock)
    wrong: list[str] = []
    for caller in CALLERS:
        expected = _expected(handler, path, caller)
        status, detail = await _request(client, method, _concrete(path), credentials.get(caller.name))
        refused_by_guard = status in {401, 403} and detail in GUARD_REFUSALS
        if expected is None and (status == 401 or refused_by_guard):
            wrong.append(f"{caller.name}: expected access, got {status} ({detail})")
        elif expected is not None and (status != expected or not refused_by_guard):
            wrong.append(f"{caller.name}: expected the guard's {expected}, got {status} ({detail})")
    assert not wrong, f"{key}:\n  " + "\n  ".join(wrong)


async def test_routes_without_a_decision_are_refused_to_everybody(
    app: Litestar, client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    credentials = await _credentials(db, clock)
    for key in CLOSED:
        method, path, handler = ROUTES[key]
        assert not _declared(handler), f"{key} now declares a decision: move it out of CLOSED_TO_ALL"
        for caller in CALLERS:
            status, detail = await _request(client, method, _concrete(path), credentials.get(caller.name))
            assert (status, detail) == (403, REFUSED_WITHOUT_RULE), f"{key} for {caller.name}"
