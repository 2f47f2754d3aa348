"""The whole register of deelnemers as a file: CSV (the import's columns) or JSON (every field).

Both are streamed: the deelnemers are read in pages of :data:`PAGE` by name (keyset paging, so a page
costs the same at the end as at the start), each page with its identificaties, contactpersonen,
rolvervullingen and ondersteuningsrelaties in one query each, and written out before the next page
is read.

CSV cells that a spreadsheet would read as a formula (starting with ``= + - @``, tab or carriage
return) get a leading apostrophe; the import removes it again, so an export can be read back.
The CSV holds the first contactpersoon of each deelnemer; the JSON holds them all, and the roles and
ondersteuningsrelaties too.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from sqlalchemy import Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.queries import neutralise_cell
from registry.ledenadministratie import schemas
from registry.ledenadministratie.identifiers import IdentificatieSoort
from registry.ledenadministratie.importer import KOLOMMEN
from registry.ledenadministratie.models import (
    Contactpersoon,
    Deelnemer,
    DeelnemerIdentificatie,
    Ondersteuningsrelatie,
    Rolvervulling,
)
from registry.ledenadministratie.services.lookup import RolNamen, rolvervulling_schema

FORMATEN: Final = ("csv", "json")
# Litestar adds "; charset=utf-8" to every text/* type itself.
MEDIA_TYPES: Final = {"csv": "text/csv", "json": "application/json"}
PAGE: Final = 1000
CSV_KOLOMMEN: Final = (
    "id",
    *(kolom.naam for kolom in KOLOMMEN if kolom.naam not in set(IdentificatieSoort)),
    "status",
)
"""The export's columns: the import's (with all identificaties in one column), plus id and status,
which an import ignores."""


def csv_regels(rows: Iterable[Iterable[object]]) -> str:
    """CSV regels (CRLF), every cell neutralised against formula injection; ``None`` is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise_cell("" if cell is None else str(cell)) for cell in row] for row in rows)
    return buffer.getvalue()


@dataclass(slots=True)
class _Regel:
    """A deelnemer as the export reads it: its row, identificaties and contactpersonen."""

    deelnemer: Row[Any]
    identificaties: list[schemas.Identificatie] = field(default_factory=list)
    contactpersonen: list[schemas.Contactpersoon] = field(default_factory=list)


async def _pages(session: AsyncSession) -> AsyncIterator[list[_Regel]]:
    """Every deelnemer by name, a page at a time, read as plain rows (no ORM objects to build)."""
    after: tuple[str, uuid.UUID] | None = None
    columns = select(*(Deelnemer.__table__.c[name] for name in _DEELNEMER_COLUMNS))
    while True:
        statement = columns.order_by(Deelnemer.zoeknaam, Deelnemer.id).limit(PAGE)
        if after is not None:
            statement = statement.where(tuple_(Deelnemer.zoeknaam, Deelnemer.id) > after)
        rows = (await session.execute(statement)).all()
        if not rows:
            return
        page = {row.id: _Regel(row) for row in rows}
        identificaties = await session.execute(
            select(
                DeelnemerIdentificatie.deelnemer_id,
                DeelnemerIdentificatie.soort,
                DeelnemerIdentificatie.waarde,
            )
            .where(DeelnemerIdentificatie.deelnemer_id.in_(page))
            .order_by(DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde)
        )
        for deelnemer_id, soort, waarde in identificaties.tuples():
            page[deelnemer_id].identificaties.append(
                schemas.Identificatie(soort=soort, waarde=waarde, tekst=f"{soort}:{waarde}")
            )
        contacten = await session.execute(
            select(Contactpersoon.deelnemer_id, Contactpersoon.naam, Contactpersoon.functie,
                   Contactpersoon.email, Contactpersoon.telefoon)
            .where(Contactpersoon.deelnemer_id.in_(page))
            .order_by(Contactpersoon.volgorde)
        )  # fmt: skip
        for deelnemer_id, naam, functie, email, telefoon in contacten.tuples():
            page[deelnemer_id].contactpersonen.append(
                schemas.Contactpersoon(naam=naam, functie=functie, email=email, telefoon=telefoon)
            )
        yield list(page.values())
        after = (rows[-1].zoeknaam, rows[-1].id)


_DEELNEMER_COLUMNS = (
    "id", "naam", "zoeknaam", "soort", "status", "regio", "website",
    "adres_straat", "adres_huisnummer", "adres_postcode", "adres_plaats",
)  # fmt: skip


def _adres(row: Row[Any]) -> schemas.Adres | None:
    if row.adres_straat is None:
        return None
    return schemas.Adres(
        straat=row.adres_straat, huisnummer=row.adres_huisnummer or "",
        postcode=row.adres_postcode or "", plaats=row.adres_plaats or "",
    )  # fmt: skip


def _csv_cells(regel: _Regel) -> list[object]:
    d = regel.deelnemer
    contact = regel.contactpersonen[0] if regel.contactpersonen else None
    values: dict[str, object] = {
        "id": d.id,
        "naam": d.naam,
        "soort": d.soort,
        "status": d.status,
        "identificaties": ";".join(i.tekst for i in regel.identificaties),
        "straat": d.adres_straat,
        "huisnummer": d.adres_huisnummer,
        "postcode": d.adres_postcode,
        "plaats": d.adres_plaats,
        "regio": d.regio,
        "website": d.website,
        "contact_naam": contact.naam if contact else None,
        "contact_functie": contact.functie if contact else None,
        "contact_email": contact.email if contact else None,
        "contact_telefoon": contact.telefoon if contact else None,
    }
    return [values[kolom] for kolom in CSV_KOLOMMEN]


async def _json_items(
    session: AsyncSession, page: Sequence[_Regel], namen: RolNamen
) -> list[schemas.Registerdeelnemer]:
    ids = [regel.deelnemer.id for regel in page]
    rollen: dict[uuid.UUID, list[schemas.Rolvervulling]] = defaultdict(list)
    for rolvervulling in await session.scalars(
        select(Rolvervulling)
        .where(Rolvervulling.deelnemer_id.in_(ids))
        .order_by(Rolvervulling.rol_code, Rolvervulling.geldig_van)
    ):
        rollen[rolvervulling.deelnemer_id].append(
            await rolvervulling_schema(rolvervulling, namen, volledig=True)
        )
    ondersteunt: dict[uuid.UUID, list[schemas.OndersteundeDeelnemer]] = defaultdict(list)
    for relatie in await session.scalars(
        select(Ondersteuningsrelatie)
        .where(Ondersteuningsrelatie.dienstverlener_id.in_(ids))
        .order_by(Ondersteuningsrelatie.geldig_van)
    ):
        ondersteunt[relatie.dienstverlener_id].append(
            schemas.OndersteundeDeelnemer(
                id=relatie.id, deelnemer_id=relatie.deelnemer_id, taken=list(relatie.taken),
                geldig_van=relatie.geldig_van, geldig_tot=relatie.geldig_tot, status=relatie.status,
            )
        )  # fmt: skip
    session.expunge_all()
    return [
        schemas.Registerdeelnemer(
            id=regel.deelnemer.id,
            naam=regel.deelnemer.naam,
            soort=regel.deelnemer.soort,
            status=regel.deelnemer.status,
            identificaties=regel.identificaties,
            adres=_adres(regel.deelnemer),
            regio=regel.deelnemer.regio,
            website=regel.deelnemer.website,
            contactpersonen=regel.contactpersonen,
            rollen=rollen[regel.deelnemer.id],
            ondersteunt=ondersteunt[regel.deelnemer.id],
        )
        for regel in page
    ]


async def export_deelnemers(session: AsyncSession, formaat: str) -> AsyncIterator[str]:
    """The register as ``csv`` (a header regel, then one regel per deelnemer) or ``json`` (an array)."""
    if formaat == "csv":
        yield csv_regels([CSV_KOLOMMEN])
        async for page in _pages(session):
            yield csv_regels(_csv_cells(regel) for regel in page)
        return
    namen = RolNamen(session)
    separator = "[\n"
    async for page in _pages(session):
        for item in await _json_items(session, page, namen):
            yield separator + msgspec.json.encode(item).decode()
            separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"
