"""Who holds a role, everywhere the register answers it, agrees with the rolcheck: a deelnemer whose
verklaring is geschorst does not hold the role it rests on while the schorsing lasts. A filter "has
role X" leaves it out, a list of holders does not name it, a list of the deelnemer's own roles shows
the role as not toegekend with the rolcheck's reason; once the schorsing is lifted it holds again, and
a question as of a moment before or during the schorsing is answered as the verklaring stood then."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import Basis, Rolvervulling
from registry.ledenadministratie.services.houders import geldige_houder_van
from registry.ledenadministratie.services.rolvervullingen import rolstand
from registry.ledenadministratie.verklaringcheck import verklaring_check_installed
from tests.accounts.factories import text_of
from tests.conftest import LoginAs, MovableClock
from tests.verklaringen.conftest import Process
from verklaringen.services import afgifte, levenscyclus
from verklaringen.services.queries import find_verklaring
from verklaringen.services.verklaringcheck import verklaring_check

ROL = "dienstverlener"
KOPPELPUNT, KETENLINK = "90000001", "90000002"


async def _afgegeven(process: Process, kvk: str, naam: str) -> str:
    """A verklaring for ``naam`` issued through the process: the deelnemer then holds the role on it."""
    referentie = (await process.aangemeld(kvk, naam=naam)).referentie
    nummer = await process.tot_toegekend(referentie)
    verklaring = await find_verklaring(process.db, nummer)
    await afgifte.onderteken_als_deelnemer(
        process.db,
        nummer,
        akkoord=True,
        document_hash=verklaring.inhoud_hash,
        principal=await process.contact_of(nummer),
        clock=process.clock,
    )
    await afgifte.geef_af(
        process.db,
        nummer,
        document_hash=verklaring.inhoud_hash,
        principal=process.people.beheerder,
        clock=process.clock,
        signer=process.signer,
        base_url=process.settings.base_url,
        renderer=process.renderer,
    )
    return nummer


async def _schors(process: Process, nummer: str) -> None:
    """Suspend the verklaring a minute from now (the clock moves on to that minute)."""
    assert isinstance(process.clock, MovableClock)
    process.clock.advance(minutes=1)
    await levenscyclus.schors(
        process.db,
        nummer,
        "Beveiligingsincident in onderzoek.",
        principal=process.people.beheerder,
        clock=process.clock,
        base_url=process.settings.base_url,
    )


async def _herstel(process: Process, nummer: str) -> None:
    """Lift the schorsing a minute from now (the clock moves on to that minute)."""
    assert isinstance(process.clock, MovableClock)
    process.clock.advance(minutes=1)
    await levenscyclus.herstel(
        process.db,
        nummer,
        "Incident opgelost.",
        principal=process.people.beheerder,
        clock=process.clock,
        base_url=process.settings.base_url,
    )


@pytest.fixture
async def twee(process: Process, clock: MovableClock) -> tuple[str, str]:
    """Two dienstverleners on their own verklaring, issued a minute ago: Koppelpunt's and Ketenlink's."""
    koppelpunt = await _afgegeven(process, KOPPELPUNT, "Koppelpunt BV")
    ketenlink = await _afgegeven(process, KETENLINK, "Ketenlink BV")
    clock.advance(minutes=1)
    return koppelpunt, ketenlink


async def _met_rol(client: AsyncTestClient[Litestar], peildatum: datetime | None = None) -> list[str]:
    params = {"rol": ROL} | ({} if peildatum is None else {"peildatum": peildatum.isoformat()})
    response = await client.get("/api/v1/deelnemers", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    names = [item["naam"] for item in body["items"]]
    assert body["total"] == len(names)
    return names


async def _rolcheck(client: AsyncTestClient[Litestar], kvk: str) -> dict[str, Any]:
    response = await client.get("/api/v1/rolcheck", params={"deelnemer": f"kvk:{kvk}", "rol": ROL})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_rol_filter_leaves_out_a_holder_while_its_verklaring_is_geschorst(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar], twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee
    voor_de_schorsing = clock.now()
    assert await _met_rol(client) == ["Ketenlink BV", "Koppelpunt BV"]

    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    tijdens = clock.now()

    rolcheck = await _rolcheck(client, KOPPELPUNT)
    assert (rolcheck["vervuld"], rolcheck["redenCode"]) == (False, "verklaring-niet-geldig")
    assert f"Verklaring {koppelpunt} is geschorst sinds" in rolcheck["reden"]
    assert (await _rolcheck(client, KETENLINK))["vervuld"] is True
    assert await _met_rol(client) == ["Ketenlink BV"]
    assert await _met_rol(client, voor_de_schorsing) == ["Ketenlink BV", "Koppelpunt BV"]

    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)

    assert (await _rolcheck(client, KOPPELPUNT))["vervuld"] is True
    assert await _met_rol(client) == ["Ketenlink BV", "Koppelpunt BV"]
    assert await _met_rol(client, tijdens) == ["Ketenlink BV"]  # as the verklaring stood then


async def _houders(db: AsyncSession, moment: datetime) -> list[str]:
    voorwaarde = await geldige_houder_van(db, [ROL], Peildatum.at(moment))
    return list(await db.scalars(select(Deelnemer.naam).where(voorwaarde).order_by(Deelnemer.naam)))


async def test_the_holder_condition_follows_the_schorsing_as_of_every_moment(
    process: Process, clock: MovableClock, db: AsyncSession, twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee
    voor_de_schorsing = clock.now()
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    tijdens = clock.now()

    with verklaring_check_installed(verklaring_check):
        assert await _houders(db, tijdens) == ["Ketenlink BV"]
        assert await _houders(db, voor_de_schorsing) == ["Ketenlink BV", "Koppelpunt BV"]
        await _herstel(process, koppelpunt)
        clock.advance(minutes=1)
        assert await _houders(db, clock.now()) == ["Ketenlink BV", "Koppelpunt BV"]
        assert await _houders(db, tijdens) == ["Ketenlink BV"]
    with verklaring_check_installed(None):  # no verklaringen domain: the grants stand, as in the rolcheck
        assert await _houders(db, tijdens) == ["Ketenlink BV", "Koppelpunt BV"]


@contextmanager
def _statements(db: AsyncSession) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = db.bind.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_holder_condition_judges_every_verklaring_at_once(
    process: Process, clock: MovableClock, db: AsyncSession, twee: tuple[str, str]
) -> None:
    await _schors(process, twee[0])
    peildatum = Peildatum.at(clock.now())
    with verklaring_check_installed(verklaring_check):
        with _statements(db) as bij_twee:
            await geldige_houder_van(db, [ROL], peildatum)
        for kvk in ("90000003", "90000004", "90000005"):
            await _afgegeven(process, kvk, f"Dienstverlener {kvk}")
        with _statements(db) as bij_vijf:
            await geldige_houder_van(db, [ROL], peildatum)

    # the rolvervullingen on a verklaring, then the verklaringen domain's statements for all of them
    assert len(bij_vijf) == len(bij_twee) <= 3, bij_vijf


def _vervuld_door_twee(text: str) -> bool:
    return text.startswith("Nu vervuld door 2 deelnemers: Ketenlink BV Koppelpunt BV")


async def test_the_role_page_of_the_catalogue_names_only_the_deelnemers_the_role_is_granted_to(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar], twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee

    async def vervuld_door() -> str:
        page = text_of((await client.get(f"/catalogus/rollen/{ROL}")).text)
        return page[page.index("Nu vervuld door") :][:60]

    assert _vervuld_door_twee(await vervuld_door())
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    assert (await vervuld_door()).startswith("Nu vervuld door 1 deelnemer: Ketenlink BV")
    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)
    assert _vervuld_door_twee(await vervuld_door())


async def test_the_deelnemer_pages_show_the_role_as_not_toegekend_while_the_verklaring_is_geschorst(
    process: Process,
    clock: MovableClock,
    db: AsyncSession,
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    twee: tuple[str, str],
) -> None:
    koppelpunt, _ = twee
    deelnemer_id = (await find_verklaring(db, koppelpunt)).deelnemer_id
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    rolcheck = await _rolcheck(client, KOPPELPUNT)
    reden = rolcheck["reden"].removeprefix("Niet toegekend: ")

    await login_as("stelselbeheerder")
    beheer = text_of((await client.get(f"/beheer/deelnemers/{deelnemer_id}")).text)
    await login_as("deelnemer-contact", deelnemer_id=deelnemer_id)
    eigen = text_of((await client.get("/mijn-organisatie")).text)

    assert reden.startswith(f"Verklaring {koppelpunt} is geschorst sinds")
    assert f"Niet toegekend {reden}" in beheer
    assert f"Niet toegekend {reden}" in eigen

    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)
    await login_as("stelselbeheerder")
    beheer = text_of((await client.get(f"/beheer/deelnemers/{deelnemer_id}")).text)
    assert "Niet toegekend" not in beheer
    assert f"verklaring {koppelpunt} 1.2.0 Actief" in beheer


def test_a_verklaringbezwaar_marks_only_a_running_role() -> None:
    vandaag = date(2026, 11, 23)

    def rol(van: date, tot: date | None = None) -> Rolvervulling:
        return Rolvervulling(
            id=uuid.uuid4(), rol_code=ROL, rol_naam="Dienstverlener", geldig_van=van, geldig_tot=tot,
            status="actief", basis=Basis(soort="verklaring", referentie="VKL-2026-000001"),
            release="1.2.0", geregistreerd_op=datetime(2026, 1, 1),
        )  # fmt: skip

    bezwaar = "Verklaring VKL-2026-000001 is geschorst sinds 2026-11-20T09:00:00Z."
    lopend = rolstand(rol(date(2026, 1, 1)), vandaag, bezwaar)
    assert (lopend.code, lopend.label, lopend.toelichting) == ("niet-toegekend", "Niet toegekend", bezwaar)
    assert rolstand(rol(date(2026, 1, 1)), vandaag).code == "actief"
    assert rolstand(rol(vandaag + timedelta(days=1)), vandaag, bezwaar).code == "gepland"
    assert rolstand(rol(date(2025, 1, 1), date(2026, 1, 1)), vandaag, bezwaar).code == "afgelopen"
