"""CSRF: every page form carries the token; a post without it, or with a forged one, is refused."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import API_PREFIX
from registry.app import CSRF_COOKIE, CSRF_FIELD
from tests.accounts.conftest import SignIn
from tests.accounts.factories import PASSWORD, csrf_token, forms_in, insert_user, post_form, text_of
from tests.conftest import MovableClock

READABLE_REFUSAL = "het formulier is geweigerd"


async def test_a_post_without_a_token_is_refused_with_a_readable_page(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)

    response = await post_form(client, "/inloggen", {"email": user.email, "password": PASSWORD}, csrf=False)

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert READABLE_REFUSAL in text_of(response.text).lower()
    assert "stelsel_sessie" not in response.cookies


async def test_a_forged_token_is_refused(client: AsyncTestClient[Litestar]) -> None:
    forged = "a" * 64 + "b" * 64
    client.cookies.set(CSRF_COOKIE, forged)
    response = await client.post("/inloggen", data={"email": "x@example.nl", CSRF_FIELD: forged})
    assert response.status_code == 403
    assert READABLE_REFUSAL in text_of(response.text).lower()


async def test_a_token_from_another_browser_is_refused(client: AsyncTestClient[Litestar]) -> None:
    client.cookies.set(CSRF_COOKIE, csrf_token())
    response = await client.post("/inloggen", data={"email": "x@example.nl", CSRF_FIELD: csrf_token()})
    assert response.status_code == 403


async def test_a_logged_in_user_cannot_be_made_to_post_without_the_token(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("stelselbeheerder")
    response = await post_form(
        client, "/beheer/api-clients", {"name": "Kwaadaardig", "scopes": "lookup:read"}, csrf=False
    )
    assert response.status_code == 403
    clients = await client.get("/beheer/api-clients")
    assert "Kwaadaardig" not in clients.text


def test_only_the_api_and_machine_paths_are_excluded_from_csrf(app: Litestar) -> None:
    # The API authenticates with bearer tokens only (see test_route_access), so it needs no CSRF
    # token; every page path does.
    assert app.csrf_config is not None
    assert app.csrf_config.cookie_name == CSRF_COOKIE
    patterns = app.csrf_config.exclude or []
    patterns = [patterns] if isinstance(patterns, str) else patterns

    def excluded(path: str) -> bool:
        return any(re.search(pattern, path) for pattern in patterns)

    assert excluded(f"{API_PREFIX}/aanmeldingen")
    for page in ("/inloggen", "/uitloggen", "/beheer/gebruikers", "/profiel/wachtwoord", "/api-docs"):
        assert not excluded(page), page


def _plain_page_paths(app: Litestar) -> list[str]:
    """Every GET page without path parameters, outside the API."""
    paths = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_parameters or route.path.startswith(API_PREFIX):
            continue
        if "GET" in route.route_handler_map:
            paths.append(route.path)
    return sorted(set(paths))


@pytest.mark.parametrize("role", ["stelselbeheerder", "deelnemer-contact", None])
async def test_every_post_form_on_every_page_carries_the_token(
    app: Litestar, client: AsyncTestClient[Litestar], sign_in: SignIn, role: str | None
) -> None:
    if role:
        await sign_in(role)
    checked = 0
    for path in _plain_page_paths(app):
        response = await client.get(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for form in forms_in(response.text):
            if form["method"] == "post":
                assert form["fields"].get(CSRF_FIELD), (
                    f"a form on {path} posting to {form['action']} has no token"
                )
                checked += 1
    assert checked > 0
