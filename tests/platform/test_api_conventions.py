"""The API conventions every endpoint shares: problem+json, API-Version, no trailing slashes,
body size limit, pagination links, security headers, the published OpenAPI document."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar import Litestar, Request, Response, get, post
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient

from registry.api import API_VERSION, Page, paginated
from registry.app import create_app
from registry.clock import Clock
from registry.dependencies import Paging
from registry.settings import Settings


class Naam(msgspec.Struct):
    naam: str
    aantal: int


@post("/api/v1/test-echo", opt={"public": True}, status_code=200)
async def echo(data: JSONBody[Naam]) -> Naam:
    return data


@get("/api/v1/test-getallen", opt={"public": True})
async def numbers(request: Request[Any, Any, Any], paging: Paging) -> Response[Page[int]]:
    everything = list(range(1, 46))
    return paginated(
        request, everything[paging.offset : paging.offset + paging.page_size], len(everything), paging
    )


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock, extra_handlers=[echo, numbers])


async def test_unknown_api_path_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 404
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"].endswith("/problemen/not-found")
    assert response.headers["API-Version"] == API_VERSION


async def test_malformed_json_is_a_400_problem_naming_the_problem(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.post(
        "/api/v1/test-echo", content=b'{"naam": "x", ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "JSON" in response.json()["detail"] or response.json().get("invalidParams")
    assert "Traceback" not in caplog.text


async def test_every_invalid_field_is_listed_at_once(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/api/v1/test-echo", json={"naam": 3})
    assert response.status_code == 400
    body = response.json()
    assert body["invalidParams"], body
    assert any("naam" in param["name"] for param in body["invalidParams"])


async def test_trailing_slash_is_not_redirected(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/openapi.json/", follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_oversized_body_is_refused_with_413(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    body = b'{"naam": "' + b"x" * (settings.max_request_bytes + 10) + b'", "aantal": 1}'
    response = await client.post(
        "/api/v1/test-echo", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_lists_are_paginated_with_links(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/test-getallen", params={"page": 2, "pageSize": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == list(range(11, 21))
    assert body["total"] == 45
    assert body["pageSize"] == 10
    assert body["_links"]["next"]["href"].endswith("page=3&pageSize=10")
    assert body["_links"]["prev"]["href"].endswith("page=1&pageSize=10")
    assert body["_links"]["last"]["href"].endswith("page=5&pageSize=10")
    assert 'rel="next"' in response.headers["link"]
    assert response.headers["x-total-count"] == "45"


async def test_page_size_above_the_maximum_is_refused(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/test-getallen", params={"pageSize": 5000})
    assert response.status_code == 400
    assert any(param["name"] == "pageSize" for param in response.json()["invalidParams"])


async def test_security_headers_on_pages_and_api(client: AsyncTestClient[Litestar]) -> None:
    for path in ("/", "/api/v1/openapi.json", "/health/live"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"]


async def test_openapi_document_is_published_for_everyone(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/openapi.json", headers={"origin": "https://elders.example"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["version"] == API_VERSION
    assert {"name", "url", "email"} <= set(document["info"]["contact"])
    assert document["servers"][0]["url"].endswith("/api/v1")
    assert all(not path.endswith("/") for path in document["paths"])
    docs = await client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "openapi.json" in docs.text


async def test_health_endpoints(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
