"""Every text of a concept release has a longest length: a longer text is refused at its field with
"Ten hoogste N tekens voor <veld>", in the services and in the admin forms, and nothing is saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from registry.errors import ValidationFailed
from roles import editing, schemas, services
from tests.conftest import LoginAs
from tests.roles.html import text_of

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")

CONCEPT = "1.3.0"
BASE = "/beheer/catalogus"

Wijziging = Callable[[AsyncSession, dict[str, str], Actor, Clock], Awaitable[Any]]


async def _release(db: AsyncSession, velden: dict[str, str], actor: Actor, clock: Clock) -> Any:
    invoer = schemas.ReleaseInvoer(**{"titel": "Catalogus 1.3.0", "toelichting": "Nieuwe release.", **velden})
    return await editing.update_release(db, CONCEPT, invoer, actor=actor, clock=clock)


async def _rol(db: AsyncSession, velden: dict[str, str], actor: Actor, clock: Clock) -> Any:
    basis = {
        "naam": "Wijkcoach",
        "roltype": "organisatorisch",
        "toelichting": "Coacht.",
        "bron": "Eigen tekst",
    }
    invoer = schemas.RolInvoer(code="wijkcoach", **{**basis, **velden})
    return await editing.add_rol(db, CONCEPT, invoer, actor=actor, clock=clock)


async def _duty(db: AsyncSession, velden: dict[str, str], actor: Actor, clock: Clock) -> Any:
    invoer = schemas.DutyInvoer(rol="melder", soort="taak", **{"tekst": "Meldt zorgen.", **velden})
    return await editing.add_duty(db, CONCEPT, invoer, actor=actor, clock=clock)


async def _samenwerkfunctie(db: AsyncSession, velden: dict[str, str], actor: Actor, clock: Clock) -> Any:
    basis = {"naam": "Samen plannen", "omschrijving": "Plannen.", "documentstatus": "concept"}
    invoer = schemas.SamenwerkfunctieInvoer(code="samen-plannen", **{**basis, **velden})
    return await editing.add_samenwerkfunctie(db, CONCEPT, invoer, actor=actor, clock=clock)


async def _grondslag(db: AsyncSession, velden: dict[str, str], actor: Actor, clock: Clock) -> Any:
    basis = {"wet": "Wet op de proef", "toelichting": "Regelt de proef.", "documentstatus": "concept"}
    invoer = schemas.GrondslagInvoer(code="wet-op-de-proef", **{**basis, **velden})
    return await editing.add_grondslag(db, CONCEPT, invoer, actor=actor, clock=clock)


WIJZIGINGEN: dict[str, tuple[Wijziging, dict[str, int]]] = {
    "release": (_release, schemas.RELEASE_MAXIMA),
    "rol": (_rol, schemas.ROL_MAXIMA),
    "duty": (_duty, schemas.DUTY_MAXIMA),
    "samenwerkfunctie": (_samenwerkfunctie, schemas.SAMENWERKFUNCTIE_MAXIMA),
    "grondslag": (_grondslag, schemas.GRONDSLAG_MAXIMA),
}
VELDNAMEN = {
    "titel": "de titel",
    "toelichting": "de toelichting",
    "naam": "de naam",
    "invulling": "de invulling",
    "bron": "de bron",
    "tekst": "de tekst",
    "omschrijving": "de omschrijving",
    "uitgewerkte_omschrijving": "de uitgewerkte omschrijving",
    "huidige_voorbeelden": "de huidige voorbeelden",
    "huidige_oplossingen": "de huidige oplossingen",
    "gebruikersverhaal": "het gebruikersverhaal",
    "zakelijke_rechtvaardiging": "de zakelijke rechtvaardiging",
    "wet": "de wet of het verdrag",
}
VELDEN = [
    pytest.param(soort, veld, id=f"{soort}.{veld}")
    for soort, (_, maxima) in WIJZIGINGEN.items()
    for veld in maxima
]


@pytest.fixture
async def concept(
    db: AsyncSession, clock: Clock, beheerder: Actor, catalogus_1_2_0: services.Laadresultaat
) -> None:
    await services.create_release(db, CONCEPT, actor=beheerder, clock=clock)


def test_every_text_field_of_the_editing_forms_has_a_limit() -> None:
    assert set(schemas.RELEASE_MAXIMA) == {"titel", "toelichting"}
    assert set(schemas.ROL_MAXIMA) == {"naam", "toelichting", "invulling", "bron"}
    assert set(schemas.DUTY_MAXIMA) == {"tekst"}
    assert set(schemas.SAMENWERKFUNCTIE_MAXIMA) == set(schemas.SamenwerkfunctieInvoer.__struct_fields__) - {
        "code",
        "documentstatus",
    }
    assert set(schemas.GRONDSLAG_MAXIMA) == {"wet", "toelichting"}


@pytest.mark.usefixtures("concept")
@pytest.mark.parametrize(("soort", "veld"), VELDEN)
async def test_a_text_one_character_too_long_is_refused_at_its_field(
    db: AsyncSession, clock: Clock, beheerder: Actor, soort: str, veld: str
) -> None:
    wijziging, maxima = WIJZIGINGEN[soort]
    limit = maxima[veld]

    with pytest.raises(ValidationFailed) as caught:
        await wijziging(db, {veld: "x" * (limit + 1)}, beheerder, clock)

    assert [(p.name, p.reason) for p in caught.value.invalid_params] == [
        (veld, f"Ten hoogste {limit} tekens voor {VELDNAMEN[veld]}; nu zijn het er {limit + 1}.")
    ]
    assert await wijziging(db, {veld: "x" * limit}, beheerder, clock) is not None


@pytest.mark.usefixtures("concept")
async def test_a_line_break_counts_as_one_character(db: AsyncSession, clock: Clock, beheerder: Actor) -> None:
    limit = schemas.DUTY_MAXIMA["tekst"]
    tekst = "x\r\n" * (limit // 2)

    rol = await _duty(db, {"tekst": tekst}, beheerder, clock)

    assert any(len(d.tekst) > limit for d in rol.duties)


async def test_a_new_release_with_a_title_too_long_is_refused(
    db: AsyncSession, clock: Clock, beheerder: Actor
) -> None:
    limit = schemas.RELEASE_MAXIMA["titel"]

    with pytest.raises(ValidationFailed) as caught:
        await services.create_release(db, CONCEPT, titel="x" * (limit + 1), actor=beheerder, clock=clock)

    assert [p.name for p in caught.value.invalid_params] == ["titel"]
    assert f"Ten hoogste {limit} tekens voor de titel" in caught.value.invalid_params[0].reason


@pytest.mark.usefixtures("concept")
async def test_the_duty_form_says_the_limit_and_refuses_a_duty_of_20000_characters(
    db: AsyncSession, client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")
    limit = schemas.DUTY_MAXIMA["tekst"]
    form = await client.get(f"{BASE}/{CONCEPT}/rollen/melder")
    assert f"Ten hoogste {limit} tekens." in text_of(form.text)

    refused = await client.post(
        f"{BASE}/{CONCEPT}/rollen/melder/duties",
        data={
            "rol": "melder",
            "soort": "taak",
            "tekst": "x" * 20_000,
            "_csrf_token": client.cookies["stelsel_csrf"],
        },
        follow_redirects=False,
    )

    assert refused.status_code == 400
    assert f"Ten hoogste {limit} tekens voor de tekst; nu zijn het er 20000." in text_of(refused.text)
    assert (await services.get_rol(db, "melder", CONCEPT, include_concept=True)).duties == []
