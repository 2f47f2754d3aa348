"""What the framework finds wrong with a request reaches the user in Dutch, at the field the user
knows: the JSON member (``token``) or the query parameter as sent (``pageSize``), never English."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from litestar import Litestar, Request, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.clock import Clock
from registry.problems import dutch_validation_message
from registry.settings import Settings
from tests.accounts.factories import text_of
from tests.conftest import LoginAs

ENGLISH = ("Expected", "Object", "missing", "got `", "length", "Invalid", "malformed")


class Adres(msgspec.Struct):
    straat: str
    huisnummer: Annotated[int, msgspec.Meta(ge=1)]


class Aanvraag(msgspec.Struct, forbid_unknown_fields=True):
    naam: Annotated[str, msgspec.Meta(min_length=1, max_length=10)]
    adres: Adres
    soort: Annotated[str, msgspec.Meta(pattern="^[a-z]+$")] = "x"
    aantal: Annotated[int, msgspec.Meta(le=5)] = 1


@post("/api/v1/test-aanvragen", opt={"public": True}, status_code=200, include_in_schema=False)
async def aanvraag(data: JSONBody[Aanvraag]) -> Aanvraag:
    return data


@get("/api/v1/test-zoeken", opt={"public": True}, include_in_schema=False)
async def zoeken(
    request: Request[Any, Any, Any],
    vanaf_datum: Annotated[str, QueryParameter(name="vanafDatum", max_length=10)] = "",
) -> dict[str, str]:
    return {"vanafDatum": vanaf_datum}


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock, extra_handlers=[aanvraag, zoeken])


@pytest.mark.parametrize(
    ("message", "reason", "code", "field"),
    [
        ("Expected `str` of length <= 200", "Mag hoogstens 200 tekens lang zijn.", "max-length", None),
        ("Expected `str` of length >= 1", "Moet minstens 1 teken lang zijn.", "min-length", None),
        ("Expected `array` of length <= 3", "Mag hoogstens 3 elementen lang zijn.", "max-length", None),
        ("Expected `int` <= 100", "Mag hoogstens 100 zijn.", "maximum", None),
        ("Expected `int` >= 0", "Moet minstens 0 zijn.", "minimum", None),
        ("Expected `float` > 0.5", "Moet groter zijn dan 0.5.", "minimum", None),
        ("Expected `int`, got `str`", "Moet een geheel getal zijn, niet tekst.", "type", None),
        ("Expected `str | null`, got `int`", "Moet tekst of null zijn, niet een geheel getal.", "type", None),
        ("Expected `object`, got `array`", "Moet een object zijn, niet een lijst.", "type", None),
        (
            "Expected `str` matching regex '^[a-z]+$'",
            "Heeft niet de verwachte vorm (patroon '^[a-z]+$').",
            "pattern",
            None,
        ),
        ("Invalid enum value 'paars'", "Onbekende waarde 'paars'.", "enum", None),
        ("Object missing required field `token`", "Dit veld is verplicht.", "required", "token"),
        ("Object contains unknown field `extra`", "Dit veld is onbekend.", "unknown", "extra"),
        ("Invalid RFC3339 encoded date", "Geen geldige datum (JJJJ-MM-DD).", "format", None),
        ("Invalid UUID", "Geen geldige UUID.", "format", None),
        (
            "Expected `int`, got `str` - at `$.adres.huisnummer`",
            "Moet een geheel getal zijn, niet tekst.",
            "type",
            None,
        ),
        ("Expected something we never saw before", "Ongeldige waarde.", "invalid", None),
        ("Onbekende soort 'x'.", "Onbekende soort 'x'.", "invalid", None),
    ],
)
def test_framework_messages_in_dutch(message: str, reason: str, code: str, field: str | None) -> None:
    assert dutch_validation_message(message) == (reason, code, field)


def _params(response: Any) -> dict[str, str]:
    body = response.json()
    assert response.status_code == 400, body
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not any(word in body["detail"] for word in ENGLISH), body
    return {param["name"]: param["reason"] for param in body["invalidParams"]}


BODIES: list[tuple[Any, dict[str, str]]] = [
    ({}, {"naam": "Dit veld is verplicht."}),  # msgspec stops at the first problem
    (
        {"naam": "", "adres": {"straat": "Hoofdweg", "huisnummer": 1}},
        {"naam": "Moet minstens 1 teken lang zijn."},
    ),
    (
        {"naam": "x" * 11, "adres": {"straat": "H", "huisnummer": 1}},
        {"naam": "Mag hoogstens 10 tekens lang zijn."},
    ),
    ({"naam": "x", "adres": {"straat": "H"}}, {"adres.huisnummer": "Dit veld is verplicht."}),
    (
        {"naam": "x", "adres": {"straat": "H", "huisnummer": "1a"}},
        {"adres.huisnummer": "Moet een geheel getal zijn, niet tekst."},
    ),
    (
        {"naam": "x", "adres": {"straat": "H", "huisnummer": 0}},
        {"adres.huisnummer": "Moet minstens 1 zijn."},
    ),
    (
        {"naam": "x", "adres": {"straat": "H", "huisnummer": 1}, "aantal": 6},
        {"aantal": "Mag hoogstens 5 zijn."},
    ),
    (
        {"naam": "x", "adres": {"straat": "H", "huisnummer": 1}, "soort": "A"},
        {"soort": "Heeft niet de verwachte vorm (patroon '^[a-z]+$')."},
    ),
    (
        {"naam": "x", "adres": {"straat": "H", "huisnummer": 1}, "kleur": "rood"},
        {"kleur": "Dit veld is onbekend."},
    ),
    ([], {"body": "Moet een object zijn, niet een lijst."}),
]


async def test_a_json_body_is_refused_in_dutch_at_its_field(client: AsyncTestClient[Litestar]) -> None:
    for body, expected in BODIES:
        response = await client.post("/api/v1/test-aanvragen", json=body)

        assert _params(response) == expected, body


async def test_malformed_json_is_refused_in_dutch(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/api/v1/test-aanvragen", content=b'{"naam": ', headers={"content-type": "application/json"}
    )

    assert _params(response) == {"body": "De inhoud van het verzoek is onvolledige JSON."}


QUERIES = [
    ("/api/v1/deelnemers?pageSize=101", "pageSize", "Mag hoogstens 100 zijn."),
    ("/api/v1/deelnemers?pageSize=0", "pageSize", "Moet minstens 1 zijn."),
    ("/api/v1/deelnemers?page=abc", "page", "Moet een geheel getal zijn, niet tekst."),
    ("/api/v1/wijzigingen?sinds=-1", "sinds", "Moet minstens 0 zijn."),
    ("/api/v1/test-zoeken?vanafDatum=12345678901", "vanafDatum", "Mag hoogstens 10 tekens lang zijn."),
]


async def test_a_query_parameter_is_refused_in_dutch_by_its_published_name(
    client: AsyncTestClient[Litestar],
) -> None:
    for path, name, reason in QUERIES:
        assert _params(await client.get(path)) == {name: reason}, path


async def test_verifying_without_a_token_names_the_token_field(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/api/v1/verificaties", json={})

    assert _params(response) == {"token": "Dit veld is verplicht."}
    assert response.json()["invalidParams"][0]["code"] == "required"


async def test_a_page_shows_a_refused_query_parameter_in_dutch(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")
    for query, shown in [
        ("zoek=" + "x" * 1000, "zoek: Mag hoogstens 200 tekens lang zijn."),
        ("page=abc", "page: Moet een geheel getal zijn, niet tekst."),
    ]:
        response = await client.get(f"/beheer/deelnemers?{query}", headers={"accept": "text/html"})

        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        text = text_of(response.text)
        assert shown in text
        assert "Expected" not in text
