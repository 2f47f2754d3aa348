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
from urllib.parse import quote

from sqlalchemy import ColumnElement, Select, Text, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from registry.api import PageRequest
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
    identificaties_of,
    load_context,
    ondersteuning_schema,
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
    nummer = rolvervulling.basis_referentie
    check = registered_verklaring_check()
    geldig: bool | None = None
    toelichting: str | None = "Verklaringen kunnen nu niet worden gecontroleerd."
    if check is not None:
        oordeel = await check(
            session, Verklaringvraag.over(nummer, deelnemer, rolvervulling.rol_code, peildatum.datum)
        )
        geldig, toelichting = oordeel.geldig, oordeel.reden
    return schemas.Verklaringstand(
        nummer=nummer,
        geldig=geldig,
        toelichting=toelichting,
        verificatie=f"{base_url}/verifieer/{quote(nummer)}",
    )


async def _entries(
    session: AsyncSession, deelnemers: Sequence[Deelnemer], peildatum: Peildatum, base_url: str
) -> list[schemas.Dienstverlener]:
    ids = [d.id for d in deelnemers]
    rollen: dict[uuid.UUID, list[Rolvervulling]] = defaultdict(list)
    for rolvervulling in await session.scalars(
        select(Rolvervulling)
        .where(
            Rolvervulling.deelnemer_id.in_(ids),
            Rolvervulling.rol_code.in_(DIENSTVERLENING_ROLLEN),
            covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, peildatum.datum),
        )
        .order_by(Rolvervulling.rol_code)
    ):
        rollen[rolvervulling.deelnemer_id].append(rolvervulling)
    context = await load_context(session, deelnemers, peildatum, volledig=False)
    namen = RolNamen(session)
    result = []
    for deelnemer in deelnemers:
        relaties = [r for r in context.relaties if r.dienstverlener_id == deelnemer.id]
        eigen = rollen[deelnemer.id]
        result.append(
            schemas.Dienstverlener(
                id=deelnemer.id,
                naam=deelnemer.naam,
                identificaties=identificaties_of(deelnemer),
                website=deelnemer.website,
                regio=deelnemer.regio,
                dienstverlener_sinds=min(r.geldig_van for r in eigen),
                taken=sorted({code for r in relaties for code in r.taken}),
                ondersteunt=[ondersteuning_schema(r, context.partijen) for r in relaties],
                adres=adres_of(deelnemer),
                rollen=[
                    schemas.Dienstverleningsrol(
                        code=r.rol_code,
                        naam=await namen.naam(r.rol_code),
                        geldig_van=r.geldig_van,
                        geldig_tot=r.geldig_tot,
                        basis=schemas.Basis(soort=r.basis_soort, referentie=r.basis_referentie),
                        verklaring=await verklaringstand(session, deelnemer, r, peildatum, base_url),
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
