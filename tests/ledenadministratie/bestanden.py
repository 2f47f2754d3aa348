"""Import files for the tests: regels of valid deelnemers, written as a beheerder's spreadsheet would."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence

from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid

KOPREGEL = (
    "naam", "soort", "identificaties", "straat", "huisnummer", "postcode", "plaats", "regio", "website",
    "contact_naam", "contact_functie", "contact_email", "contact_telefoon",
)  # fmt: skip


def regel(naam: str, kvk: str, **anders: str) -> dict[str, str]:
    """One valid deelnemer as a regel of :data:`KOPREGEL`; ``anders`` replaces columns."""
    return {
        "naam": naam,
        "soort": "jeugdhulpaanbieder",
        "identificaties": f"kvk:{kvk}",
        "straat": "Kerkstraat",
        "huisnummer": "12a",
        "postcode": "8601 cg",
        "plaats": "Sneek",
        "regio": "Jeugdzorgregio Fryslân",
        "website": "www.voorbeeld.nl",
        "contact_naam": "Sjoukje Hoekstra",
        "contact_functie": "Privacy officer",
        "contact_email": "fg@voorbeeld.nl",
        "contact_telefoon": "0515 489 000",
    } | anders


def regels(aantal: int, seed: int = 7) -> list[dict[str, str]]:
    """``aantal`` valid deelnemers with distinct KvK-nummers."""
    rng = random.Random(seed)
    nummers: set[str] = set()
    while len(nummers) < aantal:
        nummers.add(generate_valid(IdentificatieSoort.KVK, rng).waarde)
    return [regel(f"Jeugdhulp Voorbeeld {index}", kvk) for index, kvk in enumerate(sorted(nummers))]


def csv_bytes(
    rows: Iterable[dict[str, str]],
    kopregel: Sequence[str] = KOPREGEL,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(kopregel)
    for row in rows:
        writer.writerow([row.get(kolom, "") for kolom in kopregel])
    return buffer.getvalue().encode(encoding)
