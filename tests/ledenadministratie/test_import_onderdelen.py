"""The quick paths an import takes give what the plain ones give."""

from __future__ import annotations

import gc
import random
import uuid
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import Tabelschrijver
from registry.ledenadministratie.identifiers import (
    Identificatie,
    IdentificatieSoort,
    InvalidIdentificatie,
    elfproef,
    validate,
)
from registry.ledenadministratie.importer import _uuid_tekst
from registry.ledenadministratie.models import DeelnemerIdentificatie
from registry.settings import Settings
from tests.accounts.test_password_reset import invoke
from tests.ledenadministratie.bestanden import csv_bytes, regels


def _elfproef_by_the_book(digits: str) -> bool:
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    weights = [*range(len(digits), 1, -1), -1]
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11 == 0


def test_the_elfproef_agrees_with_its_definition() -> None:
    rng = random.Random(11)
    numbers = ["", "0", "00", "11", "002564440", "822477348", "12345678a", "²34567890", "１２３"]
    numbers += [f"{rng.randrange(10**length):0{length}d}" for length in range(1, 13) for _ in range(3000)]

    assert [elfproef(n) for n in numbers] == [_elfproef_by_the_book(n) for n in numbers]
    assert any(elfproef(n) for n in numbers)


INPUTS = [
    ("kvk", "69599084"),
    (" KvK ", "6959 9084"),
    ("rsin", "002.564.440"),
    ("rsin", "002564441"),
    ("oin", "00000001002564440000"),
    ("oin", "00000007 12ab0000000"),
    ("ura", "15823"),
    ("agb", "00123456"),
    ("vestigingsnummer", "0000-3850-9504"),
    ("kvk", ""),
    ("bsn", "123456782"),
    ("", "69599084"),
    (IdentificatieSoort.OIN, "00000003695990840000"),
]


@pytest.mark.parametrize(("soort", "waarde"), INPUTS)
def test_validate_gives_what_building_the_identificatie_gives(
    soort: IdentificatieSoort | str, waarde: str
) -> None:
    try:
        expected: Identificatie | str = Identificatie(soort, waarde)  # type: ignore[arg-type]
    except InvalidIdentificatie as exc:
        expected = f"{exc.field}: {exc.message}"
    try:
        found: Identificatie | str = validate(soort, waarde)
    except InvalidIdentificatie as exc:
        found = f"{exc.field}: {exc.message}"

    assert found == expected
    if isinstance(found, Identificatie):
        assert type(found.soort) is IdentificatieSoort
        assert hash(found) == hash(expected)


def test_an_id_is_written_as_uuid_writes_it() -> None:
    numbers = [0, 1, 2**128 - 1, *(uuid.uuid4().int for _ in range(1000))]

    assert [_uuid_tekst(n) for n in numbers] == [str(uuid.UUID(int=n)) for n in numbers]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.asyncpg.dialect()], ids=["sqlite", "pg"])
def test_an_id_is_converted_as_its_column_type_converts_it(dialect: Dialect) -> None:
    schrijver = Tabelschrijver(DeelnemerIdentificatie, dialect)
    to_id = schrijver.uuid_converter("id")

    for value in (uuid.uuid4() for _ in range(100)):
        converted = to_id(value.int)
        assert converted == schrijver.convert("id", value)


async def test_the_import_command_leaves_the_cycle_collector_as_it_found_it(
    settings: Settings, db: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "leden.csv"
    path.write_bytes(csv_bytes(regels(2)))
    assert gc.isenabled()

    result = await invoke(settings, "import", "deelnemers", str(path))

    assert result.exit_code == 0, result.output
    assert gc.isenabled()
