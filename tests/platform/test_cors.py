"""Browsers on other sites may call the JSON API: a CORS preflight on /api/v1 is answered (GET and
POST, with Authorization, Accept and Content-Type, never with credentials); pages take no part."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

PREFLIGHT = {
    "origin": "https://zorgplatform.example",
    "access-control-request-method": "GET",
    "access-control-request-headers": "authorization",
}


async def test_a_preflight_on_the_api_is_allowed(client: AsyncTestClient[Litestar]) -> None:
    for path, method in [("/api/v1/rolcheck", "GET"), ("/api/v1/verificaties", "POST")]:
        response = await client.options(path, headers=PREFLIGHT | {"access-control-request-method": method})

        assert response.status_code == 204, (path, response.text)
        assert response.headers["access-control-allow-origin"] == "*"
        methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
        assert {"GET", "POST"} <= methods
        allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "accept", "content-type"} <= allowed
        assert "access-control-allow-credentials" not in response.headers


async def test_the_call_after_the_preflight_is_readable_cross_origin(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/api/v1/deelnemers", headers={"origin": PREFLIGHT["origin"]})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


async def test_pages_are_not_opened_to_other_sites(client: AsyncTestClient[Litestar]) -> None:
    preflight = await client.options("/beheer/gebruikers", headers=PREFLIGHT)
    page = await client.get("/catalogus", headers={"origin": PREFLIGHT["origin"]})

    assert preflight.status_code != 204
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in page.headers
