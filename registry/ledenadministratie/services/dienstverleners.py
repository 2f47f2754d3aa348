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

from sqlalchemy import ColumnElement, Text, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    FilterProblem,
    RolNamen,
    actieve_houders,
    adres_of,
    identificaties_of,
    load_context,
    ondersteuning_schema,
    registered,
    rolvervulling_schema,
    zoek_filter,
)
from registry.ledenadministratie.services.queries import covers, get_deelnemer_by_id, houder_van
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


async def _filters(
    session: AsyncSession, vraag: Dienstverlenervraag, peildatum: Peildatum
) -> list[ColumnElement[bool]]:
    problems: list[InvalidParam] = []
    conditions: list[ColumnElement[bool]] = []
    rol = vraag.rol.strip()
    if rol and rol not in DIENSTVERLENING_ROLLEN:
        problems.append(
            InvalidParam("rol", f"Kies een rol van dienstverlening: {', '.join(DIENSTVERLENING_ROLLEN)}.")
        )
    rollen = (rol,) if rol in DIENSTVERLENING_ROLLEN else DIENSTVERLENING_ROLLEN
    conditions.append(houder_van(rollen, peildatum.datum))
    if zoek := vraag.zoek.strip():
        try:
            conditions.append(await zoek_filter(zoek, session.bind.dialect.name))
        except FilterProblem as problem:
            problems.append(problem.param)
    if taak := vraag.taak.strip():
        if taak not in {code for code, _ in await dienstverlening_taken(session)}:
            problems.append(
                InvalidParam("taak", f"'{taak}' is geen taak van een dienstverlener.", "unknown-duty")
            )
        relatie = Ondersteuningsrelatie
        conditions.append(
            exists().where(
                relatie.dienstverlener_id == Deelnemer.id,
                covers(relatie.geldig_van, relatie.geldig_tot, peildatum.datum),
                cast(relatie.taken, Text).like(_like_token(taak), escape="\\"),
            )
        )
    if regio := vraag.regio.strip():
        conditions.append(Deelnemer.regio == regio)
    if problems:
        raise ValidationFailed(problems)
    return conditions


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
    statement = (
        registered(peildatum)
        .where(
            Statusperiode.status == DeelnemerStatus.ACTIEF.value, *await _filters(session, vraag, peildatum)
        )
        .order_by(Deelnemer.zoeknaam, Deelnemer.id)
    )
    total = await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
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
