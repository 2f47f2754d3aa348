"""The public aanmelding: the form (CSRF, honeypot, double submission), the API and its limit."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.accounts.factories import post_form
from verklaringen.models import Aanmelding
from verklaringen.providers import AANMELDINGEN_PER_UUR

pytestmark = pytest.mark.usefixtures("catalogus")

FORM = {
    "rol": "dienstverlener",
    "organisatie": "Zorgdienst Twente B.V.",
    "soort": "softwareleverancier",
    "kvk": "90000021",
    "contactNaam": "Jan de Vries",
    "contactEmail": "jan@zorgdienst.example",
    "motivatie": "Wij ondersteunen gemeenten.",
}


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Aanmelding)) or 0)


async def test_the_form_lists_the_roles_that_need_a_verklaring(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/aanmelden")

    assert page.status_code == 200
    assert 'value="dienstverlener"' in page.text
    assert 'value="gtk-beheerder"' in page.text
    assert 'value="casemanager"' not in page.text
    assert 'name="_csrf_token"' in page.text
    assert re.search(r'name="formulierSleutel" value="[A-Za-z0-9_-]{20,}"', page.text)


async def test_sending_the_form_leads_to_the_status_page(client: AsyncTestClient[Litestar]) -> None:
    sent = await post_form(client, "/aanmelden", {**FORM, "formulierSleutel": "sleutel-1"})

    assert sent.status_code == 303
    status = await client.get(sent.headers["location"])
    assert status.status_code == 200
    assert "Ingediend" in status.text
    assert status.headers["cache-control"] == "no-store"


async def test_sending_the_same_form_twice_gives_the_first_aanmelding(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    first = await post_form(client, "/aanmelden", {**FORM, "formulierSleutel": "sleutel-2"})
    second = await post_form(client, "/aanmelden", {**FORM, "formulierSleutel": "sleutel-2"})

    assert first.headers["location"] == second.headers["location"]
    assert await _count(db) == 1


async def test_a_second_aanmelding_of_the_same_organisation_names_the_open_one(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await post_form(client, "/aanmelden", {**FORM, "formulierSleutel": "a"})
    again = await post_form(client, "/aanmelden", {**FORM, "formulierSleutel": "b"})

    assert again.status_code == 200
    assert "Er loopt al een aanmelding" in again.text
    assert await _count(db) == 1


async def test_a_filled_honeypot_is_thanked_and_ignored(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    sent = await post_form(client, "/aanmelden", {**FORM, "website": "http://spam.example"})

    assert sent.status_code == 200
    assert await _count(db) == 0


async def test_the_form_without_csrf_is_refused(client: AsyncTestClient[Litestar], db: AsyncSession) -> None:
    sent = await post_form(client, "/aanmelden", FORM, csrf=False)

    assert sent.status_code == 403
    assert await _count(db) == 0


async def test_invalid_input_is_shown_next_to_the_fields(client: AsyncTestClient[Litestar]) -> None:
    sent = await post_form(client, "/aanmelden", {**FORM, "kvk": "123", "contactEmail": "nee"})

    assert sent.status_code == 400
    assert 'href="#kvk"' in sent.text
    assert 'href="#contactEmail"' in sent.text


async def test_the_api_answers_201_then_200_for_the_same_organisation(
    client: AsyncTestClient[Litestar],
) -> None:
    body = {
        "organisatie": "API Dienst B.V.",
        "identificaties": [{"soort": "kvk", "waarde": "90000022"}],
        "rol": "dienstverlener",
        "contactpersoon": {"naam": "An API", "email": "an@api.example"},
    }
    first = await client.post("/api/v1/aanmeldingen", json=body, headers={"Idempotency-Key": "k1"})
    replay = await client.post("/api/v1/aanmeldingen", json=body, headers={"Idempotency-Key": "k1"})
    other = await client.post("/api/v1/aanmeldingen", json=body)

    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert other.status_code == 200
    assert other.json()["bestaand"] is True
    assert other.json()["statusUrl"] is None
    assert other.json()["referentie"] == first.json()["referentie"]


async def test_invalid_api_input_is_a_problem_listing_every_field(client: AsyncTestClient[Litestar]) -> None:
    body = {
        "organisatie": "",
        "identificaties": [{"soort": "kvk", "waarde": "12"}],
        "rol": "onbekend",
        "contactpersoon": {"naam": "", "email": ""},
    }
    answer = await client.post("/api/v1/aanmeldingen", json=body)

    assert answer.status_code == 400
    names = {p["name"] for p in answer.json()["invalidParams"]}
    assert {
        "organisatie",
        "identificaties[0].waarde",
        "rol",
        "contactpersoon.naam",
        "contactpersoon.email",
    } <= names


async def test_one_address_may_send_only_so_many_aanmeldingen_per_hour(
    client: AsyncTestClient[Litestar],
) -> None:
    body = {"organisatie": "x", "identificaties": [], "rol": "x", "contactpersoon": {}}
    answers = [await client.post("/api/v1/aanmeldingen", json=body) for _ in range(AANMELDINGEN_PER_UUR + 1)]

    assert [a.status_code for a in answers[:-1]] == [400] * AANMELDINGEN_PER_UUR
    assert answers[-1].status_code == 429, answers[-1].text
    assert "retry-after" in answers[-1].headers


async def test_an_unknown_aanmelding_status_filter_is_a_400_naming_it(
    client: AsyncTestClient[Litestar], api_token: Callable[..., Awaitable[str]]
) -> None:
    response = await client.get(
        "/api/v1/aanmeldingen",
        params={"status": "onzin"},
        headers={"Authorization": f"Bearer {await api_token('aanmeldingen')}"},
    )
    assert response.status_code == 400
    assert [param["name"] for param in response.json()["invalidParams"]] == ["status"]
