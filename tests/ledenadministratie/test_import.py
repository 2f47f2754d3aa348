"""A beheerder reads many deelnemers into the register from a CSV file: every regel is checked as a
registration by hand would be, and the file is read all or nothing, with a report per regel and kolom."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.audit.models import AuditEvent
from registry.audit.services import current_seq, verify_chain
from registry.ledenadministratie import services
from registry.ledenadministratie.importer import KOLOMMEN, import_deelnemers
from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import Importverslag
from registry.settings import Settings
from tests.accounts.test_password_reset import invoke
from tests.conftest import MovableClock
from tests.ledenadministratie.bestanden import KOPREGEL, csv_bytes, regel, regels
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def _import(
    db: AsyncSession, clock: MovableClock, data: bytes, *, proef: bool = False
) -> Importverslag:
    return await import_deelnemers(
        db, io.BytesIO(data), actor=BEHEERDER, clock=clock, bestandsnaam="leden.csv", proef=proef
    )


def _problemen(verslag: Importverslag) -> list[tuple[int, str]]:
    return [(p.regel, p.kolom) for p in verslag.problemen]


async def _aantal(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Deelnemer)) or 0


async def test_imported_deelnemers_are_registered_as_if_by_hand(
    db: AsyncSession, clock: MovableClock
) -> None:
    data = csv_bytes(
        [
            regel("Gemeente Súdwest-Fryslân", "50205671", soort="gemeente",
                  identificaties="kvk:50205671;oin:00000001823288444000"),
            regel("Stichting Kompasroute Jeugdhulp", "69599084", contact_telefoon="'+31 30 123 45 67"),
            regel("Jeugdteam Zuidkust", "08193430", straat="", huisnummer="", postcode="", plaats="",
                  contact_naam="", contact_functie="", contact_email="", contact_telefoon=""),
        ]
    )  # fmt: skip

    verslag = await _import(db, clock, data)

    assert (verslag.in_orde, verslag.regels, verslag.aangemeld) == (True, 3, 3)
    now = Peildatum.at(clock.now())
    gemeente = await services.get_deelnemer(db, "oin:00000001823288444000", now, volledig=True)
    assert (gemeente.naam, gemeente.status, gemeente.soort) == (
        "Gemeente Súdwest-Fryslân",
        "aangemeld",
        "gemeente",
    )
    assert gemeente.adres is not None
    assert gemeente.adres.postcode == "8601 CG"
    assert gemeente.website == "https://www.voorbeeld.nl"
    kompas = await services.get_deelnemer(db, "kvk:69599084", now, volledig=True)
    assert isinstance(kompas.contactpersonen, list)
    assert kompas.contactpersonen[0].telefoon == "+31 30 123 45 67"  # the export's apostrophe is gone
    zuidkust = await services.get_deelnemer(db, "kvk:08193430", now, volledig=True)
    assert (zuidkust.adres, zuidkust.contactpersonen) == (None, [])
    [found], _ = await services.search_deelnemers(
        db, services.Zoekvraag(zoek="fryslan"), now, PageRequest(1, 5)
    )
    assert found.id == gemeente.id


async def test_the_audit_trail_and_the_change_feed_name_every_imported_deelnemer(
    db: AsyncSession, clock: MovableClock
) -> None:
    await _import(db, clock, csv_bytes(regels(1_500)))

    events = (await db.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all()
    ids = {str(i) for i in (await db.scalars(select(Deelnemer.id))).all()}
    feed, _ = await services.list_wijzigingen(db, 0, PageRequest(1, 10))

    assert [e.action for e in events] == ["deelnemers.aangemeld"] * 2 + ["deelnemers.geimporteerd"]
    assert len({e.entity_id for e in events}) == 1  # one change: the import
    batches = [e.changes["deelnemerIds"]["after"] for e in events[:2]]
    assert [len(batch) for batch in batches] == [1_000, 500]
    assert set(batches[0]) | set(batches[1]) == ids
    assert events[0].changes["regels"]["after"] == "2-1001"
    summary = events[2].changes
    assert (summary["aantal"]["after"], summary["bestand"]["after"]) == (1_500, "leden.csv")
    assert [len(w.deelnemer_ids) for w in feed] == [1_000, 500, 0]  # systems keeping a copy see them
    assert feed[2].gegevens == {"aantal": 1_500}
    assert (await verify_chain(db)).ok
    deelnemer = await services.get_deelnemer(db, batches[1][0], Peildatum.at(clock.now()), volledig=True)
    assert isinstance(deelnemer.statusgeschiedenis, list)
    assert deelnemer.statusgeschiedenis[0].reden == "Ingelezen uit leden.csv, regel 1002"
    assert deelnemer.statusgeschiedenis[0].door == "Bea Beheerder"


async def test_one_bad_regel_among_ten_thousand_writes_nothing_and_is_named(
    db: AsyncSession, clock: MovableClock
) -> None:
    rows = regels(10_000)
    rows[6_789]["postcode"] = "0123 AB"
    seq = await current_seq(db)

    verslag = await _import(db, clock, csv_bytes(rows))

    assert (verslag.regels, verslag.aangemeld) == (10_000, 0)
    assert _problemen(verslag) == [(6_791, "postcode")]  # regel 1 is the header
    assert "begint met 0" in verslag.problemen[0].melding
    assert await _aantal(db) == 0
    assert await current_seq(db) == seq


async def test_headers_that_are_unknown_or_missing_are_named(db: AsyncSession, clock: MovableClock) -> None:
    data = csv_bytes([{"naam": "A", "sort": "gemeente", "kvk nummer": "1"}], ("naam", "sort", "kvk nummer"))

    verslag = await _import(db, clock, data)

    meldingen = " ".join(p.melding for p in verslag.problemen)
    assert {p.regel for p in verslag.problemen} == {1}
    assert "Onbekende kolommen: 'sort', 'kvk_nummer'" in meldingen
    assert "Deze kolommen ontbreken: soort, identificaties" in meldingen


async def test_a_file_that_is_not_utf8_is_refused_and_a_bom_is_fine(
    db: AsyncSession, clock: MovableClock
) -> None:
    latin1 = csv_bytes([regel("Gemeente Súdwest-Fryslân", "50205671")], encoding="latin-1")
    utf16 = csv_bytes([regel("Gemeente Sneek", "50205671")], encoding="utf-16")
    with_bom = b"\xef\xbb\xbf" + csv_bytes([regel("Gemeente Súdwest-Fryslân", "50205671")])

    refused = await _import(db, clock, latin1)
    refused_utf16 = await _import(db, clock, utf16)
    read = await _import(db, clock, with_bom)

    assert _problemen(refused) == [(2, "")]
    assert "niet in UTF-8" in refused.problemen[0].melding
    assert "UTF-16" in refused_utf16.problemen[0].melding
    assert (read.in_orde, read.aangemeld) == (True, 1)


async def test_a_regel_with_another_separator_is_named(db: AsyncSession, clock: MovableClock) -> None:
    good = csv_bytes([regel("Gemeente Sneek", "50205671")], delimiter=";").decode()
    data = (good + "Gemeente Hengelo,gemeente,kvk:08193430,,,,,,,,,,\r\n").encode()

    verslag = await _import(db, clock, data)

    assert _problemen(verslag) == [(3, "")]
    assert "gescheiden door een puntkomma" in verslag.problemen[0].melding
    assert await _aantal(db) == 0


async def test_identificaties_used_twice_in_the_file_or_already_in_the_register_are_refused(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    rows = [
        regel("Gemeente Sneek", "50205671"),
        regel("Gemeente Sneek (dubbel)", "50205671"),
        {**regel("Gemeente Hengelo (nieuw)", "12345678"), "identificaties": "", "kvk": "08193430"},
    ]

    verslag = await _import(db, clock, csv_bytes(rows, (*KOPREGEL, "kvk")))

    assert _problemen(verslag) == [(3, "identificaties"), (4, "kvk")]
    assert "staat ook op regel 2" in verslag.problemen[0].melding
    assert "hoort al bij deelnemer Gemeente Hengelo" in verslag.problemen[1].melding
    assert await _aantal(db) == 1


async def test_every_problem_of_a_regel_is_reported_at_its_kolom(
    db: AsyncSession, clock: MovableClock
) -> None:
    data = csv_bytes(
        [
            regel("", "1234", soort="ziekenhuis", website="geen adres", contact_email="x"),
            regel("Koppelpunt B.V.", "90000001", website="javascript:alert(document.cookie)"),
        ]
    )

    verslag = await _import(db, clock, data)

    assert sorted(_problemen(verslag)) == [
        (2, "contact_email"), (2, "identificaties"), (2, "naam"), (2, "soort"), (2, "website"),
        (3, "website"),
    ]  # fmt: skip


async def test_a_dry_run_checks_everything_and_writes_nothing(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    seq = await current_seq(db)

    good = await _import(db, clock, csv_bytes(regels(5)), proef=True)
    clash = await _import(db, clock, csv_bytes([regel("Hengelo", "08193430")]), proef=True)

    assert (good.proef, good.in_orde, good.regels, good.aangemeld) == (True, True, 5, 0)
    assert _problemen(clash) == [(2, "identificaties")]
    assert await _aantal(db) == 1
    assert await current_seq(db) == seq


def test_the_documentation_lists_every_column() -> None:
    documentation = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    assert all(f"`{kolom.naam}`" in documentation for kolom in KOLOMMEN)


async def test_the_command_imports_or_with_dry_run_only_checks(
    settings: Settings, db: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "leden.csv"
    path.write_bytes(csv_bytes(regels(2)))
    bad = tmp_path / "fout.csv"
    bad.write_bytes(csv_bytes([regel("Gemeente Sneek", "5020567")]))

    checked = await invoke(settings, "import", "deelnemers", str(path), "--dry-run")
    imported = await invoke(settings, "import", "deelnemers", str(path))
    refused = await invoke(settings, "import", "deelnemers", str(bad))

    assert checked.exit_code == 0, checked.output
    assert "2 regels in orde (proef: er is niets ingelezen)" in checked.output
    assert imported.exit_code == 0, imported.output
    assert "2 deelnemers aangemeld" in imported.output
    assert refused.exit_code == 1
    assert "regel 2, kolom identificaties: KvK-nummer moet 8 cijfers hebben" in refused.output
    assert await _aantal(db) == 2
