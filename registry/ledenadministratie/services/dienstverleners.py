"""The list of dienstverleners the stelsel publishes: who can support a deelnemer, with what.

A dienstverlener here is a deelnemer that is actief on the peildatum and holds a dienstverlening role
then: ``dienstverlener`` or ``gtk-beheerder`` (:data:`DIENSTVERLENING_ROLLEN`). Each entry gives its
address and website, its roles with the verklaring each rests on and that verklaring's standing (asked
of the verklaringen domain through :mod:`registry.ledenadministratie.verklaringcheck`), the duties of
its ondersteuningsrelaties and the deelnemers it supports.

The list can be narrowed by name or number (``zoek``), role, duty (``taak``: one of its current
ondersteuningsrelaties includes it) and ``regio`` (its own). Every condition is answered from an index,
so the list stays quick with tens of thousands of dienstverleners.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Select, Text, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from registry.api import PageRequest
from registry.directread import session_snapshot
from registry.errors import InvalidParam, ValidationFailed
from registry.ledenadministratie import schemas
from registry.ledenadministratie.catalogus import DIENSTVERLENER, CatalogusOntbreekt, catalogus_rol
from registry.ledenadministratie.models import (
    Deelnemer,
    DeelnemerStatus,
    Ondersteuningsrelatie,
    Rolvervulling,
    Statusperiode,
)
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.lookup import (
    RolNamen,
    actieve_houders,
    adres_of,
    registered,
    rolvervulling_schema,
)
from registry.ledenadministratie.services.queries import covers, get_deelnemer_by_id, gezocht, houders
from registry.ledenadministratie.verklaringcheck import Verklaringvraag, registered_verklaring_check

GTK_BEHEERDER = "gtk-beheerder"
DIENSTVERLENING_ROLLEN = (DIENSTVERLENER, GTK_BEHEERDER)
"""The catalogue roles that put a deelnemer on the list of dienstverleners."""


@dataclass(frozen=True, slots=True)
class Dienstverlenervraag:
    """The filters of the list, as typed in the query string (empty: no filter)."""

    zoek: str = ""
    rol: str = ""
    taak: str = ""
    regio: str = ""


async def dienstverlening_taken(session: AsyncSession) -> list[tuple[str, str]]:
    """``(code, tekst)`` of every duty of the dienstverlening roles in the definitive catalogue."""
    taken: list[tuple[str, str]] = []
    for code in DIENSTVERLENING_ROLLEN:
        try:
            rol = await catalogus_rol(session, code)
        except CatalogusOntbreekt:
            return []
        if rol is not None:
            taken += [(taak, rol.teksten.get(taak, taak)) for taak in rol.taken]
    return taken


def _like_token(code: str) -> str:
    """``LIKE`` pattern for ``code`` as a quoted element of a JSON array of strings."""
    escaped = code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


@dataclass(frozen=True, slots=True)
class _Voorwaarden:
    """The checked filters of one request, applicable to any column that holds a deelnemer's id."""

    rollen: tuple[str, ...]
    peildatum: Peildatum
    gezocht: Select[tuple[uuid.UUID]] | None = None
    taak: str = ""
    regio: str = ""

    def op(self, deelnemer_id: InstrumentedAttribute[uuid.UUID]) -> list[ColumnElement[bool]]:
        """The conditions on ``deelnemer_id``, each answered from an index."""
        datum = self.peildatum.datum
        conditions: list[ColumnElement[bool]] = [deelnemer_id.in_(houders(self.rollen, datum))]
        if self.gezocht is not None:
            conditions.append(deelnemer_id.in_(self.gezocht))
        if self.taak:
            relatie = Ondersteuningsrelatie
            conditions.append(
                exists().where(
                    relatie.dienstverlener_id == deelnemer_id,
                    covers(relatie.geldig_van, relatie.geldig_tot, datum),
                    cast(relatie.taken, Text).like(_like_token(self.taak), escape="\\"),
                )
            )
        if self.regio:
            conditions.append(deelnemer_id.in_(select(Deelnemer.id).where(Deelnemer.regio == self.regio)))
        return conditions


async def _voorwaarden(
    session: AsyncSession, vraag: Dienstverlenervraag, peildatum: Peildatum
) -> _Voorwaarden:
    problems: list[InvalidParam] = []
    rol = vraag.rol.strip()
    if rol and rol not in DIENSTVERLENING_ROLLEN:
        problems.append(
            InvalidParam("rol", f"Kies een rol van dienstverlening: {', '.join(DIENSTVERLENING_ROLLEN)}.")
        )
    rollen = (rol,) if rol in DIENSTVERLENING_ROLLEN else DIENSTVERLENING_ROLLEN
    ids = None
    if zoek := vraag.zoek.strip():
        ids = gezocht(zoek, session.bind.dialect.name)
        if ids is None:
            problems.append(InvalidParam("zoek", "Zoek op (het begin van) een naam of op een nummer."))
    taak = vraag.taak.strip()
    if taak and taak not in {code for code, _ in await dienstverlening_taken(session)}:
        problems.append(
            InvalidParam("taak", f"'{taak}' is geen taak van een dienstverlener.", "unknown-duty")
        )
    if problems:
        raise ValidationFailed(problems)
    return _Voorwaarden(rollen, peildatum, ids, taak, vraag.regio.strip())


async def verklaringstand(
    session: AsyncSession,
    deelnemer: Deelnemer,
    rolvervulling: Rolvervulling,
    peildatum: Peildatum,
    base_url: str,
) -> schemas.Verklaringstand | None:
    if rolvervulling.basis_soort != "verklaring":
        return None
    return await _verklaringstand(
        session, deelnemer, rolvervulling.rol_code, rolvervulling.basis_referentie, peildatum, base_url
    )


async def _verklaringstand(
    session: AsyncSession,
    deelnemer: Deelnemer,
    rol_code: str,
    nummer: str,
    peildatum: Peildatum,
    base_url: str,
) -> schemas.Verklaringstand:
    check = registered_verklaring_check()
    geldig: bool | None = None
    toelichting: str | None = "Verklaringen kunnen nu niet worden gecontroleerd."
    if check is not None:
        oordeel = await check(
            session, Verklaringvraag.over(nummer, deelnemer, rol_code, peildatum.datum, peildatum.moment)
        )
        geldig, toelichting = oordeel.geldig, oordeel.reden
    return schemas.Verklaringstand(
        nummer=nummer,
        geldig=geldig,
        toelichting=toelichting,
        verificatie=f"{base_url}/verifieer/{quote(nummer)}",
    )


# Plain statements for what a page of the list shows of each dienstverlener: a page names hundreds of
# supported deelnemers, which as ORM objects (each with its identificaties and contactpersonen) cost
# far more than the few columns shown.
_ROLLEN = (
    "SELECT deelnemer_id, rol_code, geldig_van, geldig_tot, basis_soort, basis_referentie "
    "FROM rolvervulling WHERE deelnemer_id IN ({ids}) AND rol_code IN ({rollen}) "
    "AND geldig_van <= ? AND (geldig_tot IS NULL OR geldig_tot > ?) ORDER BY rol_code"
)
_RELATIES = (
    "SELECT r.id, r.dienstverlener_id, r.deelnemer_id, r.taken, r.geldig_van, r.geldig_tot, r.status, "
    "d.naam FROM ondersteuningsrelatie r JOIN deelnemer d ON d.id = r.deelnemer_id "
    "WHERE r.dienstverlener_id IN ({ids}) AND r.geldig_van <= ? "
    "AND (r.geldig_tot IS NULL OR r.geldig_tot > ?) ORDER BY r.geldig_van, r.id"
)
_IDENTIFICATIES = (
    "SELECT deelnemer_id, soort, waarde FROM deelnemer_identificatie WHERE deelnemer_id IN ({ids}) "
    "ORDER BY deelnemer_id, soort, waarde"
)


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


async def _entries(
    session: AsyncSession, deelnemers: Sequence[Deelnemer], peildatum: Peildatum, base_url: str
) -> list[schemas.Dienstverlener]:
    if not deelnemers:
        return []
    snap = session_snapshot(session)
    ids = [snap.uuid_param(d.id) for d in deelnemers]
    datum = snap.date_param(peildatum.datum)
    rollen: dict[uuid.UUID, list[Sequence[Any]]] = defaultdict(list)
    statement = _ROLLEN.format(ids=_placeholders(len(ids)), rollen=_placeholders(len(DIENSTVERLENING_ROLLEN)))
    for row in await snap.rows(statement, *ids, *DIENSTVERLENING_ROLLEN, datum, datum):
        rollen[snap.uuid(row[0])].append(row)
    relaties: dict[uuid.UUID, list[tuple[Sequence[Any], uuid.UUID]]] = defaultdict(list)
    namen = {d.id: d.naam for d in deelnemers}
    for row in await snap.rows(_RELATIES.format(ids=_placeholders(len(ids))), *ids, datum, datum):
        ondersteund = snap.uuid(row[2])
        namen[ondersteund] = row[7]
        relaties[snap.uuid(row[1])].append((row, ondersteund))
    identificaties: dict[uuid.UUID, list[schemas.Identificatie]] = defaultdict(list)
    named = [snap.uuid_param(i) for i in namen]
    for partij_id, soort, waarde in await snap.rows(
        _IDENTIFICATIES.format(ids=_placeholders(len(named))), *named
    ):
        identificaties[snap.uuid(partij_id)].append(
            schemas.Identificatie(soort=soort, waarde=waarde, tekst=f"{soort}:{waarde}")
        )

    def partij(partij_id: uuid.UUID) -> schemas.Partij:
        return schemas.Partij(id=partij_id, naam=namen[partij_id], identificaties=identificaties[partij_id])

    rolnamen = RolNamen(session)
    result = []
    for deelnemer in deelnemers:
        eigen = rollen[deelnemer.id]
        zelf = partij(deelnemer.id)
        ondersteunt = [
            schemas.Ondersteuning(
                id=snap.uuid(r[0]),
                dienstverlener=zelf,
                deelnemer=partij(ondersteund),
                taken=list(snap.json(r[3])),
                geldig_van=snap.date(r[4]),
                geldig_tot=None if r[5] is None else snap.date(r[5]),
                status=r[6],
            )
            for r, ondersteund in relaties[deelnemer.id]
        ]
        result.append(
            schemas.Dienstverlener(
                id=deelnemer.id,
                naam=deelnemer.naam,
                identificaties=zelf.identificaties,
                website=deelnemer.website,
                regio=deelnemer.regio,
                dienstverlener_sinds=min(snap.date(r[2]) for r in eigen),
                taken=sorted({code for o in ondersteunt for code in o.taken}),
                ondersteunt=ondersteunt,
                adres=adres_of(deelnemer),
                rollen=[
                    schemas.Dienstverleningsrol(
                        code=r[1],
                        naam=await rolnamen.naam(r[1]),
                        geldig_van=snap.date(r[2]),
                        geldig_tot=None if r[3] is None else snap.date(r[3]),
                        basis=schemas.Basis(soort=r[4], referentie=r[5]),
                        verklaring=None
                        if r[4] != "verklaring"
                        else await _verklaringstand(session, deelnemer, r[1], r[5], peildatum, base_url),
                    )
                    for r in eigen
                ],
            )
        )
    return result


async def list_dienstverleners(
    session: AsyncSession,
    peildatum: Peildatum,
    paging: PageRequest,
    vraag: Dienstverlenervraag = Dienstverlenervraag(),
    *,
    base_url: str = "",
) -> tuple[list[schemas.Dienstverlener], int]:
    """The dienstverleners on the peildatum that match every filter, by name (see the module docstring).

    ``base_url`` prefixes the links to verify a verklaring.
    """
    voorwaarden = await _voorwaarden(session, vraag, peildatum)
    actief = Statusperiode.status == DeelnemerStatus.ACTIEF.value
    # Counted from the status periods alone: the rolvervulling and status indexes answer it, without
    # reading the deelnemer rows.
    total = (
        await session.scalar(
            select(func.count())
            .select_from(Statusperiode)
            .where(
                actief,
                covers(Statusperiode.geldig_van, Statusperiode.geldig_tot, peildatum.moment),
                *voorwaarden.op(Statusperiode.deelnemer_id),
            )
        )
        or 0
    )
    statement = (
        registered(peildatum)
        .where(actief, *voorwaarden.op(Deelnemer.id))
        .order_by(Deelnemer.zoeknaam, Deelnemer.id)
    )
    deelnemers = list(await session.scalars(statement.offset(paging.offset).limit(paging.page_size)))
    return await _entries(session, deelnemers, peildatum, base_url), total


async def all_dienstverleners(
    session: AsyncSession, peildatum: Peildatum, vraag: Dienstverlenervraag, *, base_url: str = ""
) -> AsyncIterator[list[schemas.Dienstverlener]]:
    """Every dienstverlener matching ``vraag``, a page at a time (for the downloads)."""
    page = 1
    while True:
        items, total = await list_dienstverleners(
            session, peildatum, PageRequest(page=page, page_size=100), vraag, base_url=base_url
        )
        if items:
            yield items
        if page * 100 >= total:
            return
        page += 1


async def dienstverlener_keuzes(
    session: AsyncSession, peildatum: Peildatum, limit: int = 200
) -> list[tuple[str, str]]:
    """``(reference, naam)`` of the first ``limit`` holders of the dienstverlener role by name, for a
    choice list; the reference is the first identificatie (``kvk:…``), or the id."""
    statement = actieve_houders([DIENSTVERLENER], peildatum)
    deelnemers = await session.scalars(statement.order_by(Deelnemer.zoeknaam, Deelnemer.id).limit(limit))
    return [
        (
            f"{d.identificaties[0].soort}:{d.identificaties[0].waarde}" if d.identificaties else str(d.id),
            d.naam,
        )
        for d in deelnemers
    ]


async def verklaringen_van(
    session: AsyncSession, deelnemer_id: uuid.UUID, peildatum: Peildatum, *, base_url: str = ""
) -> list[tuple[schemas.Rolvervulling, schemas.Verklaringstand]]:
    """The verklaringen on which a deelnemer's roles rest (roles held now or later), each with its
    standing on the peildatum."""
    deelnemer = await get_deelnemer_by_id(session, deelnemer_id)
    rolvervullingen = await session.scalars(
        select(Rolvervulling)
        .where(
            Rolvervulling.deelnemer_id == deelnemer_id,
            Rolvervulling.basis_soort == "verklaring",
            or_(Rolvervulling.geldig_tot.is_(None), Rolvervulling.geldig_tot > peildatum.datum),
        )
        .order_by(Rolvervulling.rol_code, Rolvervulling.geldig_van)
    )
    namen = RolNamen(session)
    result = []
    for rolvervulling in rolvervullingen:
        stand = await verklaringstand(session, deelnemer, rolvervulling, peildatum, base_url)
        if stand is not None:
            result.append((await rolvervulling_schema(rolvervulling, namen, volledig=False), stand))
    return result
