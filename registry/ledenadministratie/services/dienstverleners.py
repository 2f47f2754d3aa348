"""The list of dienstverleners the stelsel publishes: who can support a deelnemer, with what.

A dienstverlener here is a deelnemer that is actief on the peildatum and holds a dienstverlening role
then: ``dienstverlener`` or ``gtk-beheerder`` (:data:`DIENSTVERLENING_ROLLEN`). Each entry gives its
address and website, its roles with the verklaring each rests on and that verklaring's standing (asked
of the verklaringen domain through :mod:`registry.ledenadministratie.verklaringcheck`), the duties of
its ondersteuningsrelaties and the deelnemers it supports.

The list can be narrowed by name or number (``zoek``), role, duty (``taak``: one of its current
ondersteuningsrelaties includes it) and ``regio`` (its own). Every condition is answered from an index,
so the list stays quick with tens of thousands of dienstverleners, and a page takes a fixed number of
statements, whatever its size: the page with its total, then its roles, ondersteuningsrelaties,
identificaties and verklaringen, each for the whole page at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Select, Text, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from registry.api import PageRequest
from registry.directread import Snapshot, session_snapshot
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
from registry.ledenadministratie.verklaringcheck import Verklaringvraag, check_verklaringen

GTK_BEHEERDER = "gtk-beheerder"
DIENSTVERLENING_ROLLEN = (DIENSTVERLENER, GTK_BEHEERDER)
"""The catalogue roles that put a deelnemer on the list of dienstverleners."""
NIET_TE_CONTROLEREN = "Verklaringen kunnen nu niet worden gecontroleerd."
"""The toelichting of a verklaring while no verklaringen domain is there to judge it."""


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
    """The checked filters of one request, as conditions on :class:`Deelnemer`."""

    rollen: tuple[str, ...]
    peildatum: Peildatum
    gezocht: Select[tuple[uuid.UUID]] | None = None
    taak: str = ""
    regio: str = ""

    def condities(self) -> list[ColumnElement[bool]]:
        """The conditions, each answered from an index."""
        datum = self.peildatum.datum
        conditions = [self._houder()]
        if self.gezocht is not None:
            conditions.append(Deelnemer.id.in_(self.gezocht))
        if self.taak:
            relatie = Ondersteuningsrelatie
            conditions.append(
                exists().where(
                    relatie.dienstverlener_id == Deelnemer.id,
                    covers(relatie.geldig_van, relatie.geldig_tot, datum),
                    cast(relatie.taken, Text).like(_like_token(self.taak), escape="\\"),
                )
            )
        if self.regio:
            conditions.append(Deelnemer.regio == self.regio)
        return conditions

    def _houder(self) -> ColumnElement[bool]:
        """The deelnemer holds one of the roles. A regio or a search finds far fewer deelnemers than
        hold the roles: each of those is then looked up in the index on (deelnemer, rol, van), instead
        of reading every holder first (which SQLite does for ``IN``)."""
        datum = self.peildatum.datum
        if self.regio or self.gezocht is not None:
            return exists().where(
                Rolvervulling.deelnemer_id == Deelnemer.id,
                Rolvervulling.rol_code.in_(self.rollen),
                covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, datum),
            )
        return Deelnemer.id.in_(houders(self.rollen, datum))


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
    vraag = Verklaringvraag.over(
        rolvervulling.basis_referentie, deelnemer, rolvervulling.rol_code, peildatum.datum, peildatum.moment
    )
    [stand] = await _verklaringstanden(session, [vraag], base_url)
    return stand


async def _verklaringstanden(
    session: AsyncSession, vragen: Sequence[Verklaringvraag], base_url: str
) -> list[schemas.Verklaringstand]:
    """The standing of each verklaring asked about, judged by the verklaringen domain all at once."""
    oordelen = await check_verklaringen(session, vragen)
    if oordelen is None:
        return [_verklaringstand(vraag.referentie, None, None, base_url) for vraag in vragen]
    return [
        _verklaringstand(vraag.referentie, oordeel.geldig, oordeel.reden, base_url)
        for vraag, oordeel in zip(vragen, oordelen, strict=True)
    ]


def _verklaringstand(
    nummer: str, geldig: bool | None, toelichting: str | None, base_url: str
) -> schemas.Verklaringstand:
    return schemas.Verklaringstand(
        nummer=nummer,
        geldig=geldig,
        toelichting=NIET_TE_CONTROLEREN if geldig is None else toelichting,
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
# the identificaties of the dienstverleners and of the deelnemers they support, asked by the
# dienstverleners' ids alone (a page supports hundreds of deelnemers: as many parameters cost more)
_IDENTIFICATIES = (
    "SELECT deelnemer_id, soort, waarde FROM deelnemer_identificatie WHERE deelnemer_id IN ({ids}) "
    "UNION SELECT i.deelnemer_id, i.soort, i.waarde FROM ondersteuningsrelatie r "
    "JOIN deelnemer_identificatie i ON i.deelnemer_id = r.deelnemer_id "
    "WHERE r.dienstverlener_id IN ({ids}) "
    "AND r.geldig_van <= ? AND (r.geldig_tot IS NULL OR r.geldig_tot > ?) ORDER BY 1, 2, 3"
)


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


async def _rollen_van(snap: Snapshot, ids: Sequence[Any], datum: Any) -> dict[uuid.UUID, list[Sequence[Any]]]:
    rollen: dict[uuid.UUID, list[Sequence[Any]]] = defaultdict(list)
    statement = _ROLLEN.format(ids=_placeholders(len(ids)), rollen=_placeholders(len(DIENSTVERLENING_ROLLEN)))
    for row in await snap.rows(statement, *ids, *DIENSTVERLENING_ROLLEN, datum, datum):
        rollen[snap.uuid(row[0])].append(row)
    return rollen


async def _relaties_van(
    snap: Snapshot, ids: Sequence[Any], datum: Any, namen: dict[uuid.UUID, str]
) -> dict[uuid.UUID, list[tuple[Sequence[Any], uuid.UUID]]]:
    """Each dienstverlener's current ondersteuningsrelaties with the id of the deelnemer supported,
    whose name goes into ``namen``."""
    relaties: dict[uuid.UUID, list[tuple[Sequence[Any], uuid.UUID]]] = defaultdict(list)
    for row in await snap.rows(_RELATIES.format(ids=_placeholders(len(ids))), *ids, datum, datum):
        ondersteund = snap.uuid(row[2])
        namen[ondersteund] = row[7]
        relaties[snap.uuid(row[1])].append((row, ondersteund))
    return relaties


async def _identificaties_van(
    snap: Snapshot, ids: Sequence[Any], datum: Any
) -> dict[uuid.UUID, list[schemas.Identificatie]]:
    identificaties: dict[uuid.UUID, list[schemas.Identificatie]] = defaultdict(list)
    statement = _IDENTIFICATIES.format(ids=_placeholders(len(ids)))
    for partij_id, soort, waarde in await snap.rows(statement, *ids, *ids, datum, datum):
        identificaties[snap.uuid(partij_id)].append(
            schemas.Identificatie(soort=soort, waarde=waarde, tekst=f"{soort}:{waarde}")
        )
    return identificaties


async def _rolnamen(
    session: AsyncSession, codes: Iterable[str], rolnamen: Mapping[str, str] | None
) -> Mapping[str, str | None]:
    """The catalogue's name of each role: from ``rolnamen`` when the caller has them, else read."""
    if rolnamen is not None:
        return {code: rolnamen.get(code) for code in codes}
    namen = RolNamen(session)
    return {code: await namen.naam(code) for code in sorted(set(codes))}


def _vragen(
    deelnemers: Sequence[Deelnemer],
    rollen: Mapping[uuid.UUID, Sequence[Sequence[Any]]],
    identificaties: Mapping[uuid.UUID, Sequence[schemas.Identificatie]],
    peildatum: Peildatum,
) -> dict[tuple[uuid.UUID, str, str], Verklaringvraag]:
    """The question about each verklaring a listed role rests on, by deelnemer, role and nummer."""
    return {
        (d.id, r[1], r[5]): Verklaringvraag(
            referentie=r[5],
            deelnemer_id=d.id,
            identificaties=tuple(i.tekst for i in identificaties.get(d.id, ())),
            rol_code=r[1],
            geldig_van=peildatum.datum,
            op=peildatum.moment,
        )
        for d in deelnemers
        for r in rollen.get(d.id, ())
        if r[4] == "verklaring"
    }


async def _entries(
    session: AsyncSession,
    deelnemers: Sequence[Deelnemer],
    peildatum: Peildatum,
    base_url: str,
    rolnamen: Mapping[str, str] | None,
) -> list[schemas.Dienstverlener]:
    """The entries of these dienstverleners, in a fixed number of statements whatever their number."""
    if not deelnemers:
        return []
    snap = session_snapshot(session)
    ids = [snap.uuid_param(d.id) for d in deelnemers]
    datum = snap.date_param(peildatum.datum)
    rollen = await _rollen_van(snap, ids, datum)
    namen = {d.id: d.naam for d in deelnemers}
    relaties = await _relaties_van(snap, ids, datum, namen)
    identificaties = await _identificaties_van(snap, ids, datum)
    rolnaam = await _rolnamen(session, (r[1] for eigen in rollen.values() for r in eigen), rolnamen)
    vragen = _vragen(deelnemers, rollen, identificaties, peildatum)
    standen = dict(
        zip(vragen, await _verklaringstanden(session, list(vragen.values()), base_url), strict=True)
    )

    def partij(partij_id: uuid.UUID) -> schemas.Partij:
        return schemas.Partij(id=partij_id, naam=namen[partij_id], identificaties=identificaties[partij_id])

    def rol(deelnemer_id: uuid.UUID, r: Sequence[Any]) -> schemas.Dienstverleningsrol:
        return schemas.Dienstverleningsrol(
            code=r[1],
            naam=rolnaam[r[1]],
            geldig_van=snap.date(r[2]),
            geldig_tot=None if r[3] is None else snap.date(r[3]),
            basis=schemas.Basis(soort=r[4], referentie=r[5]),
            verklaring=standen.get((deelnemer_id, r[1], r[5])),
        )

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
                rollen=[rol(deelnemer.id, r) for r in eigen],
            )
        )
    return result


async def _gevonden(
    session: AsyncSession, vraag: Dienstverlenervraag, peildatum: Peildatum
) -> Select[tuple[Deelnemer, str]]:
    """The dienstverleners matching ``vraag``, unordered; :class:`ValidationFailed` for a bad filter."""
    voorwaarden = await _voorwaarden(session, vraag, peildatum)
    actief = Statusperiode.status == DeelnemerStatus.ACTIEF.value
    return registered(peildatum).where(actief, *voorwaarden.condities())


async def dienstverlener_ids(
    session: AsyncSession, peildatum: Peildatum, vraag: Dienstverlenervraag
) -> list[uuid.UUID]:
    """The ids of every dienstverlener that :func:`list_dienstverleners` lists, in its order: for a
    caller that keeps them and reads its pages with :func:`dienstverleners_van`."""
    statement = (await _gevonden(session, vraag, peildatum)).with_only_columns(Deelnemer.id)
    return list(await session.scalars(statement.order_by(Deelnemer.zoeknaam, Deelnemer.id)))


async def dienstverleners_van(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    peildatum: Peildatum,
    *,
    base_url: str = "",
    rolnamen: Mapping[str, str] | None = None,
) -> list[schemas.Dienstverlener]:
    """The entries of the dienstverleners ``ids`` (from :func:`dienstverlener_ids`), in that order."""
    if not ids:
        return []
    found = await session.scalars(select(Deelnemer).where(Deelnemer.id.in_(ids)).options(raiseload("*")))
    by_id = {deelnemer.id: deelnemer for deelnemer in found}
    deelnemers = [by_id[i] for i in ids if i in by_id]
    return await _entries(session, deelnemers, peildatum, base_url, rolnamen)


async def list_dienstverleners(
    session: AsyncSession,
    peildatum: Peildatum,
    paging: PageRequest,
    vraag: Dienstverlenervraag = Dienstverlenervraag(),
    *,
    base_url: str = "",
    rolnamen: Mapping[str, str] | None = None,
) -> tuple[list[schemas.Dienstverlener], int]:
    """The dienstverleners on the peildatum that match every filter, by name (see the module docstring).

    ``base_url`` prefixes the links to verify a verklaring. ``rolnamen`` are the catalogue's role names
    (:attr:`~registry.ledenadministratie.catalogus.Catalogusstand.namen`) when the caller keeps them;
    without them they are read from the catalogue.
    """
    statement = await _gevonden(session, vraag, peildatum)
    # The total comes with the page (all matching rows are read to sort them anyway); the
    # identificaties come for the whole page at once (see _entries), not per deelnemer.
    page = (
        statement.add_columns(func.count().over())
        .order_by(Deelnemer.zoeknaam, Deelnemer.id)
        .options(raiseload("*"))
        .offset(paging.offset)
        .limit(paging.page_size)
    )
    rows = (await session.execute(page)).all()
    deelnemers = [row[0] for row in rows]
    if rows:
        total = int(rows[0][2])
    elif paging.offset == 0:
        total = 0
    else:  # past the last page: nothing carries the total
        total = await session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    return await _entries(session, deelnemers, peildatum, base_url, rolnamen), total


async def all_dienstverleners(
    session: AsyncSession,
    peildatum: Peildatum,
    vraag: Dienstverlenervraag,
    *,
    base_url: str = "",
    rolnamen: Mapping[str, str] | None = None,
) -> AsyncIterator[list[schemas.Dienstverlener]]:
    """Every dienstverlener matching ``vraag``, a page at a time (for the downloads)."""
    page = 1
    while True:
        items, total = await list_dienstverleners(
            session,
            peildatum,
            PageRequest(page=page, page_size=100),
            vraag,
            base_url=base_url,
            rolnamen=rolnamen,
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
