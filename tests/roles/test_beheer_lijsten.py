"""A stelselbeheerder keeps the samenwerkfuncties and grondslagen of a concept release: adds one
(bad input is shown in the form), changes it, removes it; a published release only shows them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from roles import services
from tests.conftest import LoginAs
from tests.roles.html import text_of
from tests.roles.test_beheer import BASE, Client, follow, submit

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")


@dataclass(frozen=True)
class Lijst:
    """One kind of entry, with a valid form for it and the field that names it."""

    soort: str
    meervoud: str
    bestaand: str
    naamveld: str
    formulier: dict[str, str]


SAMENWERKFUNCTIE = Lijst(
    soort="samenwerkfunctie",
    meervoud="samenwerkfuncties",
    bestaand="werken-aan-preventie",
    naamveld="naam",
    formulier={
        "code": "delen-signaal",
        "naam": "Delen Signaal",
        "omschrijving": "Een signaal delen met wie het aangaat.",
        "gebruikersverhaal": "Als professional wil ik een signaal delen.",
        "documentstatus": "concept",
    },
)
GRONDSLAG = Lijst(
    soort="grondslag",
    meervoud="grondslagen",
    bestaand="ivrk",
    naamveld="wet",
    formulier={
        "code": "wmo-2015",
        "wet": "Wet maatschappelijke ondersteuning 2015",
        "toelichting": "Gemeenten zorgen voor maatschappelijke ondersteuning.",
        "documentstatus": "definitief",
    },
)
LIJSTEN = [pytest.param(SAMENWERKFUNCTIE, id="samenwerkfunctie"), pytest.param(GRONDSLAG, id="grondslag")]


async def codes(db: AsyncSession, lijst: Lijst, versie: str) -> list[str]:
    _, inhoud = await services.release_content(db, versie, include_concept=True)
    return [entry.code for entry in getattr(inhoud, lijst.meervoud)]


@pytest.fixture
async def concept(login_as: LoginAs, client: Client) -> str:
    await login_as("stelselbeheerder", display_name="Sanne Stelselbeheer")
    await follow(client, await submit(client, f"{BASE}/releases", {"versie": "1.3.0"}))
    return "1.3.0"


@pytest.mark.parametrize("lijst", LIJSTEN)
async def test_an_entry_is_added_changed_and_removed(
    client: Client, db: AsyncSession, concept: str, lijst: Lijst
) -> None:
    new_page = await client.get(f"{BASE}/{concept}/nieuwe-{lijst.soort}")
    assert new_page.status_code == 200
    assert '<option value="concept" selected>' in new_page.text  # a new entry starts as a concept

    # bad input: shown again with the typed values and an error at each field, nothing saved
    bad = {**lijst.formulier, "code": lijst.bestaand, lijst.naamveld: " ", "documentstatus": "ergens"}
    refused = await submit(client, f"{BASE}/{concept}/{lijst.meervoud}", bad)
    assert refused.status_code == 400
    refused_text = text_of(refused.text)
    assert "Controleer de volgende velden" in refused_text
    assert f"De code '{lijst.bestaand}' is in deze release al in gebruik." in refused_text
    assert (
        "'ergens' is geen geldige keuze. Kies de documentstatus: concept, consultatie of definitief."
        in refused_text
    )
    assert lijst.formulier["code"] not in await codes(db, lijst, concept)

    added = await submit(client, f"{BASE}/{concept}/{lijst.meervoud}", lijst.formulier)
    assert added.headers["location"] == f"{BASE}/{concept}#{lijst.meervoud}"
    naam = lijst.formulier[lijst.naamveld]
    assert f"De {lijst.soort} {naam} is toegevoegd." in text_of((await follow(client, added)).text)
    code = lijst.formulier["code"]
    assert (await codes(db, lijst, concept))[-1] == code

    entry_url = f"{BASE}/{concept}/{lijst.meervoud}/{code}"
    shown = await client.get(entry_url)
    assert shown.status_code == 200
    assert naam in shown.text

    changed_form = {**lijst.formulier, lijst.naamveld: naam + " (herzien)"}
    changed = await submit(client, entry_url, changed_form)
    assert changed.headers["location"] == f"{BASE}/{concept}#{lijst.meervoud}"
    assert f"De {lijst.soort} {naam} (herzien) is opgeslagen." in text_of(
        (await follow(client, changed)).text
    )
    refused_change = await submit(client, entry_url, {**changed_form, lijst.naamveld: ""})
    assert refused_change.status_code == 400
    assert 'aria-invalid="true"' in refused_change.text

    removed = await submit(client, f"{entry_url}/verwijderen")
    assert removed.headers["location"] == f"{BASE}/{concept}#{lijst.meervoud}"
    assert f"De {lijst.soort} {code} is verwijderd." in text_of((await follow(client, removed)).text)
    assert code not in await codes(db, lijst, concept)

    events = (await db.scalars(select(AuditEvent).where(AuditEvent.entity_type == lijst.soort))).all()
    assert [e.action for e in events] == [
        f"{lijst.soort}.toegevoegd",
        f"{lijst.soort}.gewijzigd",
        f"{lijst.soort}.verwijderd",
    ]


@pytest.mark.parametrize("lijst", LIJSTEN)
async def test_an_unknown_entry_is_not_found(client: Client, concept: str, lijst: Lijst) -> None:
    assert (await client.get(f"{BASE}/{concept}/{lijst.meervoud}/bestaat-niet")).status_code == 404
    assert (
        await submit(client, f"{BASE}/{concept}/{lijst.meervoud}/bestaat-niet/verwijderen")
    ).status_code == 404


@pytest.mark.parametrize("lijst", LIJSTEN)
async def test_a_published_release_only_shows_its_entries(
    client: Client, db: AsyncSession, login_as: LoginAs, lijst: Lijst
) -> None:
    await login_as("stelselbeheerder")
    entry_url = f"{BASE}/1.2.0/{lijst.meervoud}/{lijst.bestaand}"
    shown = await client.get(entry_url)
    assert shown.status_code == 200
    assert "Release 1.2.0 is definitief en kan niet meer worden gewijzigd." in text_of(shown.text)
    assert "verwijderen" not in shown.text

    refused = await submit(client, f"{entry_url}/verwijderen")
    assert refused.status_code == 409
    assert "Release 1.2.0 is definitief en kan niet meer worden gewijzigd" in text_of(refused.text)
    assert lijst.bestaand in await codes(db, lijst, "1.2.0")
