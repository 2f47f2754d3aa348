"""Every ``type`` URI in a problem opens a Dutch page that says what it means and what to do, and
the contact URL of the OpenAPI document opens a contact page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.errors import DomainError
from registry.problems import _SLUGS, PROBLEM_TYPES
from tests.accounts.factories import text_of


def _domain_error_slugs() -> set[str]:
    found: set[str] = set()
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        kind = pending.pop()
        found.add(kind.type_slug)
        pending.extend(kind.__subclasses__())
    return found


async def test_every_problem_type_has_a_public_page(client: AsyncTestClient[Litestar]) -> None:
    slugs = set(_SLUGS.values()) | _domain_error_slugs()
    assert slugs <= set(PROBLEM_TYPES)
    for slug in slugs:
        response = await client.get(f"/problemen/{slug}", headers={"accept": "text/html"})

        assert response.status_code == 200, slug
        assert response.headers["content-type"].startswith("text/html")
        text = text_of(response.text)
        assert PROBLEM_TYPES[slug].title in text
        assert "Wat kunt u doen?" in text
        assert PROBLEM_TYPES[slug].what_to_do in text


async def test_the_type_uri_of_a_real_problem_resolves(client: AsyncTestClient[Litestar]) -> None:
    problem = (await client.post("/api/v1/verificaties", json={})).json()

    path = urlsplit(problem["type"]).path
    page = await client.get(path)

    assert page.status_code == 200
    assert PROBLEM_TYPES[path.rsplit("/", 1)[1]].title in text_of(page.text)


async def test_the_list_of_problem_types_links_each_one(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/problemen")

    assert response.status_code == 200
    linked = set(re.findall(r'href="/problemen/([a-z-]+)"', response.text))
    assert linked == set(PROBLEM_TYPES)


async def test_an_unknown_problem_type_is_not_found(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/problemen/bestaat-niet")).status_code == 404


async def test_the_openapi_contact_url_opens_the_contact_page(client: AsyncTestClient[Litestar]) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    url = document["info"]["contact"]["url"]

    response = await client.get(urlsplit(url).path)

    assert response.status_code == 200
    text = text_of(response.text)
    assert "Contact" in text
    assert document["info"]["contact"]["email"] in text
