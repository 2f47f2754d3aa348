"""The JSON API says so when it cannot handle a request's media types: a body that is not JSON is
415, an ``Accept`` that allows none of its answers is 406, both as problem+json."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.problems import PROBLEM_MEDIA_TYPE


async def test_a_body_that_is_not_json_is_415(client: AsyncTestClient[Litestar]) -> None:
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"]:
        response = await client.post(
            "/api/v1/verificaties", content=b'{"token": "x"}', headers={"content-type": content_type}
        )

        assert response.status_code == 415, content_type
        assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
        problem = response.json()
        assert problem["type"].endswith("/problemen/unsupported-media-type")
        assert "application/json" in problem["detail"]


async def test_json_with_a_charset_or_a_json_suffix_is_read(client: AsyncTestClient[Litestar]) -> None:
    for content_type in ["application/json; charset=utf-8", "application/vnd.example+json"]:
        response = await client.post(
            "/api/v1/verificaties", content=b'{"token": "x"}', headers={"content-type": content_type}
        )

        assert response.status_code == 200, (content_type, response.text)


async def test_an_accept_without_any_api_media_type_is_406(client: AsyncTestClient[Litestar]) -> None:
    for accept in ["text/csv", "text/html", "application/json;q=0, text/csv"]:
        response = await client.get("/api/v1/deelnemers", headers={"accept": accept})

        assert response.status_code == 406, accept
        assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
        assert response.json()["type"].endswith("/problemen/not-acceptable")


async def test_usual_accept_headers_are_answered(client: AsyncTestClient[Litestar]) -> None:
    for accept in ["application/json", "*/*", "text/csv, */*;q=0.1", "application/problem+json"]:
        assert (await client.get("/api/v1/deelnemers", headers={"accept": accept})).status_code == 200
    docs = await client.get("/api/v1/docs", headers={"accept": "text/html"})
    assert docs.status_code == 200
    document = await client.get("/api/v1/openapi.json")
    assert "415" in document.json()["paths"]["/verificaties"]["post"]["responses"]
