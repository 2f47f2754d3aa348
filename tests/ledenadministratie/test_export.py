"""The register as a file: the beheerder downloads it as CSV or JSON (or writes it with the command);
a spreadsheet opening the CSV never runs a cell as a formula, and the CSV reads back in."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie import services
from registry.ledenadministratie.export import CSV_KOLOMMEN, export_deelnemers
from registry.ledenadministratie.importer import import_deelnemers
from registry.ledenadministratie.schemas import ContactpersoonInvoer, DeelnemerCreate, IdentificatieInvoer
from registry.settings import Settings
from tests.accounts.test_password_reset import invoke
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory


async def _text(db: AsyncSession, formaat: str) -> str:
    return "".join([chunk async for chunk in export_deelnemers(db, formaat)])


async def test_the_csv_has_the_import_columns_and_no_cell_a_spreadsheet_would_run(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    contact = ContactpersoonInvoer(
        naam="-Anna", functie="+Privacy", email="a@voorbeeld.nl", telefoon="+31 30 123 45 67"
    )
    await services.create_deelnemer(
        db,
        DeelnemerCreate(
            naam="=HYPERLINK(\"http://evil.example\")", soort="overig", regio="@Regio",
            identificaties=[IdentificatieInvoer(soort="kvk", waarde="50205671")], contactpersonen=[contact],
        ),
        actor=BEHEERDER,
        clock=clock,
    )  # fmt: skip
    await make_deelnemer("Gemeente Hengelo", kvk="08193430")

    rows = list(csv.DictReader(io.StringIO(await _text(db, "csv"))))

    assert tuple(rows[0]) == CSV_KOLOMMEN
    evil = next(row for row in rows if "HYPERLINK" in row["naam"])
    assert evil["naam"] == '\'=HYPERLINK("http://evil.example")'
    assert (evil["regio"], evil["contact_naam"], evil["contact_functie"]) == (
        "'@Regio",
        "'-Anna",
        "'+Privacy",
    )
    assert evil["contact_telefoon"] == "'+31 30 123 45 67"
    assert evil["identificaties"] == "kvk:50205671"
    assert next(row["naam"] for row in rows) == "Gemeente Hengelo"  # by name: "gemeente" before "hyperlink"


async def test_an_exported_csv_reads_back_in(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    await make_deelnemer("Gemeente Hengelo", kvk="08193430", regio="-Twente")
    exported = (await _text(db, "csv")).encode()

    verslag = await import_deelnemers(db, io.BytesIO(exported), actor=BEHEERDER, clock=clock, proef=True)

    # Every column is understood; the only problem is that the deelnemer is already registered.
    assert [(p.regel, p.kolom) for p in verslag.problemen] == [(2, "identificaties")]
    assert "hoort al bij deelnemer Gemeente Hengelo" in verslag.problemen[0].melding


@pytest.mark.usefixtures("catalogus")
async def test_the_json_has_every_field_with_roles_and_relations(
    db: AsyncSession, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer = await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    await grant(deelnemer.id, "afnemer", date(2026, 1, 1))

    [item] = json.loads(await _text(db, "json"))

    assert (item["naam"], item["status"]) == ("Gemeente Hengelo", "actief")
    assert item["identificaties"][0]["tekst"] == "kvk:08193430"
    assert item["contactpersonen"][0]["naam"] == "Anna de Vries"
    assert [(r["rolCode"], r["geldigVan"]) for r in item["rollen"]] == [("afnemer", "2026-01-01")]
    assert item["rollen"][0]["geschiedenis"][0]["soort"] == "toegekend"
    assert item["ondersteunt"] == []
    # the export judges no verklaring: it does not claim that every one holds
    assert "verklaringbezwaar" not in item["rollen"][0]


async def test_an_empty_register_is_an_empty_json_array(db: AsyncSession) -> None:
    assert json.loads(await _text(db, "json")) == []


async def test_the_beheerder_downloads_the_register_and_readers_may_not(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    await login_as("stelselbeheerder")

    as_csv = await client.get("/beheer/deelnemers/export.csv")
    as_json = await client.get("/beheer/deelnemers/export.json")
    await login_as("casemanager")
    refused = await client.get("/beheer/deelnemers/export.csv")

    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="deelnemers.csv"' in as_csv.headers["content-disposition"]
    assert "Gemeente Hengelo" in as_csv.text
    assert json.loads(as_json.text)[0]["naam"] == "Gemeente Hengelo"
    assert refused.status_code == 403


async def test_the_command_writes_the_register(
    settings: Settings, make_deelnemer: DeelnemerFactory, tmp_path: Path
) -> None:
    await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    target = tmp_path / "register.json"

    to_stdout = await invoke(settings, "export", "deelnemers")
    to_file = await invoke(settings, "export", "deelnemers", "--format", "json", "--output", str(target))

    assert to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout.splitlines()[0].startswith("id,naam,soort,identificaties")
    assert to_file.exit_code == 0, to_file.output
    assert json.loads(target.read_text(encoding="utf-8"))[0]["naam"] == "Gemeente Hengelo"
