"""Reading the register as of a peildatum: deelnemers, their roles, the rolcheck and dienstverleners.

Every function takes a :class:`~registry.ledenadministratie.peildatum.Peildatum` and answers as the
register stood then: the status period covering the moment, the rolvervullingen and
ondersteuningsrelaties whose period covers its date. ``volledig`` adds what only callers with full
lookup access see (contactpersonen, status and rolvervulling history).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from registry.api import PageRequest
from registry.directread import Snapshot, session_snapshot
from registry.errors import InvalidParam, NotFound, ValidationFailed
from registry.ledenadministratie import schemas
from registry.ledenadministratie.catalogus import (
    CatalogusOntbreekt,
    Catalogusstand,
    catalogus_rol,
    catalogusstand,
)
from registry.ledenadministratie.identifiers import InvalidIdentificatie, parse_identificatie
from registry.ledenadministratie.models import (
    Basissoort,
    Deelnemer,
    DeelnemerIdentificatie,
    DeelnemerSoort,
    DeelnemerStatus,
    Ondersteuningsrelatie,
    Rolvervulling,
    Statusperiode,
)
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.directe_lookup import (
    Rolfeiten,
    Rolvervullingfeit,
    SessionProvider,
    Verwijzing,
    rolfeiten,
    verklaringoordelen,
)
from registry.ledenadministratie.services.houders import (
    GEEN_REDEN,
    Verklaringgrond,
    geldige_houder_van,
    markeer_rolbezwaren,
    verklaringbezwaren,
)
from registry.ledenadministratie.services.queries import (
    covers,
    find_deelnemer,
    gezocht,
    houder_van,
    status_at,
)
from registry.ledenadministratie.verklaringcheck import Verklaringvraag
from registry.templating import format_datum

# --- conversion --------------------------------------------------------------------------------------


def identificaties_of(deelnemer: Deelnemer) -> list[schemas.Identificatie]:
    return [
        schemas.Identificatie(soort=i.soort, waarde=i.waarde, tekst=f"{i.soort}:{i.waarde}")
        for i in deelnemer.identificaties
    ]


def partij(deelnemer: Deelnemer) -> schemas.Partij:
    return schemas.Partij(id=deelnemer.id, naam=deelnemer.naam, identificaties=identificaties_of(deelnemer))


def adres_of(deelnemer: Deelnemer) -> schemas.Adres | None:
    if deelnemer.adres_straat is None:
        return None
    return schemas.Adres(
        straat=deelnemer.adres_straat,
        huisnummer=deelnemer.adres_huisnummer or "",
        postcode=deelnemer.adres_postcode or "",
        plaats=deelnemer.adres_plaats or "",
    )


class RolNamen:
    """Role names from the catalogue, each looked up once per answer."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[str, str | None] = {}

    async def naam(self, code: str) -> str | None:
        if code not in self.known:
            try:
                rol = await catalogus_rol(self.session, code)
            except CatalogusOntbreekt:
                rol = None
            self.known[code] = rol.naam if rol else None
        return self.known[code]


async def rolvervulling_schema(
    rolvervulling: Rolvervulling,
    namen: RolNamen,
    *,
    volledig: bool,
    verklaringbezwaar: str | UnsetType | None = UNSET,
) -> schemas.Rolvervulling:
    """The public form of a rolvervulling; ``verklaringbezwaar`` as the caller judged it (see
    :class:`schemas.Rolvervulling`), left out by a list that does not judge verklaringen."""
    result = schemas.Rolvervulling(
        id=rolvervulling.id,
        rol_code=rolvervulling.rol_code,
        rol_naam=await namen.naam(rolvervulling.rol_code),
        geldig_van=rolvervulling.geldig_van,
        geldig_tot=rolvervulling.geldig_tot,
        status=rolvervulling.status,
        basis=schemas.Basis(soort=rolvervulling.basis_soort, referentie=rolvervulling.basis_referentie),
        release=rolvervulling.release,
        geregistreerd_op=rolvervulling.created_at,
        verklaringbezwaar=verklaringbezwaar,
    )
    if volledig:
        result.geschiedenis = [
            schemas.Rolvervullingwijziging(
                moment=w.moment, soort=w.soort, geldig_tot=w.geldig_tot, reden=w.reden, door=w.actor_naam
            )
            for w in rolvervulling.wijzigingen
        ]
    return result


def _statuswijziging(periode: Statusperiode) -> schemas.Statuswijziging:
    return schemas.Statuswijziging(
        status=periode.status,
        vorige_status=periode.vorige_status,
        geldig_van=periode.geldig_van,
        geldig_tot=periode.geldig_tot,
        reden=periode.reden,
        door=periode.actor_naam,
        geregistreerd_op=periode.geregistreerd_op,
    )


# --- loading what a page of deelnemers needs, in a fixed number of queries -----------------------------


@dataclass(slots=True)
class Context:
    rollen: dict[uuid.UUID, list[Rolvervulling]]
    relaties: list[Ondersteuningsrelatie]
    partijen: dict[uuid.UUID, Deelnemer]
    historie: dict[uuid.UUID, list[Statusperiode]]


async def load_context(
    session: AsyncSession, deelnemers: Sequence[Deelnemer], peildatum: Peildatum, *, volledig: bool
) -> Context:
    ids = [d.id for d in deelnemers]
    rollen: dict[uuid.UUID, list[Rolvervulling]] = defaultdict(list)
    historie: dict[uuid.UUID, list[Statusperiode]] = defaultdict(list)
    if not ids:
        return Context(rollen, [], {}, historie)
    for rolvervulling in await session.scalars(
        select(Rolvervulling)
        .where(
            Rolvervulling.deelnemer_id.in_(ids),
            covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, peildatum.datum),
        )
        .order_by(Rolvervulling.rol_code)
    ):
        rollen[rolvervulling.deelnemer_id].append(rolvervulling)
    relaties = list(
        await session.scalars(
            select(Ondersteuningsrelatie)
            .where(
                or_(
                    Ondersteuningsrelatie.dienstverlener_id.in_(ids),
                    Ondersteuningsrelatie.deelnemer_id.in_(ids),
                ),
                covers(Ondersteuningsrelatie.geldig_van, Ondersteuningsrelatie.geldig_tot, peildatum.datum),
            )
            .order_by(Ondersteuningsrelatie.geldig_van, Ondersteuningsrelatie.id)
        )
    )
    partijen = {d.id: d for d in deelnemers}
    missing = {r.dienstverlener_id for r in relaties} | {r.deelnemer_id for r in relaties}
    missing -= partijen.keys()
    if missing:
        partijen |= {
            d.id: d for d in await session.scalars(select(Deelnemer).where(Deelnemer.id.in_(missing)))
        }
    if volledig:
        for periode in await session.scalars(
            select(Statusperiode)
            .where(Statusperiode.deelnemer_id.in_(ids))
            .order_by(Statusperiode.geldig_van, Statusperiode.created_at)
        ):
            historie[periode.deelnemer_id].append(periode)
    return Context(rollen, relaties, partijen, historie)


def ondersteuning_schema(
    relatie: Ondersteuningsrelatie, partijen: dict[uuid.UUID, Deelnemer]
) -> schemas.Ondersteuning:
    return schemas.Ondersteuning(
        id=relatie.id,
        dienstverlener=partij(partijen[relatie.dienstverlener_id]),
        deelnemer=partij(partijen[relatie.deelnemer_id]),
        taken=list(relatie.taken),
        geldig_van=relatie.geldig_van,
        geldig_tot=relatie.geldig_tot,
        status=relatie.status,
    )


async def _deelnemer_schema(
    deelnemer: Deelnemer,
    status: str,
    context: Context,
    namen: RolNamen,
    peildatum: Peildatum,
    *,
    volledig: bool,
) -> schemas.Deelnemer:
    result = schemas.Deelnemer(
        id=deelnemer.id,
        naam=deelnemer.naam,
        soort=deelnemer.soort,
        status=status,
        identificaties=identificaties_of(deelnemer),
        adres=adres_of(deelnemer),
        regio=deelnemer.regio,
        website=deelnemer.website,
        rollen=[
            # judged afterwards for the whole answer (houders.markeer_rolbezwaren)
            await rolvervulling_schema(r, namen, volledig=volledig, verklaringbezwaar=None)
            for r in context.rollen[deelnemer.id]
        ],
        ondersteund_door=[
            ondersteuning_schema(r, context.partijen)
            for r in context.relaties
            if r.deelnemer_id == deelnemer.id
        ],
        ondersteunt=[
            ondersteuning_schema(r, context.partijen)
            for r in context.relaties
            if r.dienstverlener_id == deelnemer.id
        ],
        peildatum=peildatum.getoond,
    )
    if volledig:
        result.contactpersonen = [
            schemas.Contactpersoon(naam=c.naam, functie=c.functie, email=c.email, telefoon=c.telefoon)
            for c in deelnemer.contactpersonen
        ]
        result.statusgeschiedenis = [_statuswijziging(p) for p in context.historie[deelnemer.id]]
    return result


async def _schemas(
    session: AsyncSession, rows: Sequence[tuple[Deelnemer, str]], peildatum: Peildatum, *, volledig: bool
) -> list[schemas.Deelnemer]:
    context = await load_context(session, [d for d, _ in rows], peildatum, volledig=volledig)
    namen = RolNamen(session)
    answers = [await _deelnemer_schema(d, s, context, namen, peildatum, volledig=volledig) for d, s in rows]
    await markeer_rolbezwaren(session, answers, peildatum)  # as the rolcheck judges them, all at once
    return answers


# --- one deelnemer -----------------------------------------------------------------------------------


async def _registered_at(session: AsyncSession, deelnemer: Deelnemer, peildatum: Peildatum) -> Statusperiode:
    periode = await status_at(session, deelnemer.id, peildatum.moment)
    if periode is None:
        raise NotFound(f"{deelnemer.naam} stond op {format_datum(peildatum.datum)} nog niet in het register.")
    return periode


async def get_deelnemer(
    session: AsyncSession, ref: str, peildatum: Peildatum, *, volledig: bool = False
) -> schemas.Deelnemer:
    """One deelnemer by id or identificatie (``kvk:12345678``) as it stood on the peildatum."""
    deelnemer = await find_deelnemer(session, ref, "id")
    periode = await _registered_at(session, deelnemer, peildatum)
    return (await _schemas(session, [(deelnemer, periode.status)], peildatum, volledig=volledig))[0]


async def rollen_van(
    session: AsyncSession, ref: str, peildatum: Peildatum, paging: PageRequest, *, volledig: bool = False
) -> tuple[list[schemas.Rolvervulling], int]:
    """The rolvervullingen of a deelnemer that hold on the peildatum's date: their period covers it
    and, for one on a verklaring, the verklaringen domain judges that verklaring valid then (a
    geschorste or ingetrokken verklaring grants nothing)."""
    deelnemer = await find_deelnemer(session, ref, "id")
    await _registered_at(session, deelnemer, peildatum)
    rows = list(
        await session.scalars(
            select(Rolvervulling)
            .where(
                Rolvervulling.deelnemer_id == deelnemer.id,
                covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, peildatum.datum),
            )
            .order_by(Rolvervulling.rol_code, Rolvervulling.geldig_van)
        )
    )
    identificaties = tuple(f"{i.soort}:{i.waarde}" for i in deelnemer.identificaties)
    gronden = [
        Verklaringgrond(r.id, deelnemer.id, identificaties, r.rol_code, r.basis_referentie)
        for r in rows
        if r.basis_soort == Basissoort.VERKLARING.value
    ]
    # all verklaringen at once; without a verklaringen domain the grants stand, as in the rolcheck
    bezwaren = await verklaringbezwaren(session, gronden, peildatum) if gronden else {}
    geldig = [r for r in rows if r.id not in bezwaren]
    namen = RolNamen(session)
    page = geldig[paging.offset : paging.offset + paging.page_size]
    # every rolvervulling left holds: none has a bezwaar
    answer = [await rolvervulling_schema(r, namen, volledig=volledig, verklaringbezwaar=None) for r in page]
    return answer, len(geldig)


async def all_rolvervullingen(session: AsyncSession, deelnemer_id: uuid.UUID) -> list[schemas.Rolvervulling]:
    """Every rolvervulling a deelnemer ever had or will have, with its history (for the beheer screens)."""
    rows = await session.scalars(
        select(Rolvervulling)
        .where(Rolvervulling.deelnemer_id == deelnemer_id)
        .order_by(Rolvervulling.rol_code, Rolvervulling.geldig_van)
    )
    namen = RolNamen(session)
    return [await rolvervulling_schema(r, namen, volledig=True) for r in rows]


# --- searching ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Zoekvraag:
    """The filters of the deelnemer list, as typed in the query string."""

    zoek: str | None = None
    identificatie: str | None = None
    rol: str | None = None
    status: str | None = None
    soort: str | None = None
    regio: str | None = None

    def alleen_zoek(self) -> bool:
        """Whether ``zoek`` is the only filter given (the search by name or number)."""
        others = (self.identificatie, self.rol, self.status, self.soort, self.regio)
        return bool((self.zoek or "").strip()) and not any((text or "").strip() for text in others)

    def alleen_identificatie(self) -> bool:
        """Whether ``identificatie`` is the only filter given (the lookup of one deelnemer)."""
        others = (self.zoek, self.rol, self.status, self.soort, self.regio)
        return bool((self.identificatie or "").strip()) and not any((text or "").strip() for text in others)


class FilterProblem(Exception):
    """One filter's problem, collected by :func:`_filters`."""

    def __init__(self, param: InvalidParam) -> None:
        super().__init__(param.reason)
        self.param = param


async def zoek_filter(text: str, dialect: str) -> ColumnElement[bool]:
    ids = gezocht(text, dialect)
    if ids is None:
        raise FilterProblem(InvalidParam("zoek", "Zoek op (het begin van) een naam of op een nummer."))
    return Deelnemer.id.in_(ids)


async def _identificatie_filter(text: str) -> ColumnElement[bool]:
    try:
        identificatie = parse_identificatie(text)
    except InvalidIdentificatie as exc:
        raise FilterProblem(InvalidParam("identificatie", exc.message)) from None
    return Deelnemer.id.in_(
        select(DeelnemerIdentificatie.deelnemer_id).where(
            DeelnemerIdentificatie.soort == identificatie.soort.value,
            DeelnemerIdentificatie.waarde == identificatie.waarde,
        )
    )


async def _status_filter(text: str) -> ColumnElement[bool]:
    status = text.strip().lower().replace("ë", "e")
    if status not in DeelnemerStatus.__members__.values():
        keuzes = ", ".join(DeelnemerStatus)
        raise FilterProblem(InvalidParam("status", f"Onbekende status '{text}'; kies uit {keuzes}."))
    return Statusperiode.status == status


async def _soort_filter(text: str) -> ColumnElement[bool]:
    soort = text.strip().lower()
    if soort not in DeelnemerSoort.__members__.values():
        keuzes = ", ".join(DeelnemerSoort)
        raise FilterProblem(InvalidParam("soort", f"Onbekende soort '{text}'; kies uit {keuzes}."))
    return Deelnemer.soort == soort


async def _regio_filter(text: str) -> ColumnElement[bool]:
    return Deelnemer.regio == text


async def _rol_filter(session: AsyncSession, code: str, peildatum: Peildatum) -> ColumnElement[bool]:
    try:
        bekend = await catalogus_rol(session, code) is not None
    except CatalogusOntbreekt:
        bekend = True
    if not bekend:
        raise FilterProblem(InvalidParam("rol", f"De catalogus kent geen rol '{code}'.", "unknown-role"))
    # as the rolcheck: a rolvervulling on a verklaring that does not hold then grants nothing
    return await geldige_houder_van(session, [code], peildatum)


async def _filters(
    session: AsyncSession, vraag: Zoekvraag, peildatum: Peildatum
) -> list[ColumnElement[bool]]:
    """The conditions for every filter given; every invalid filter is reported at once."""
    dialect = session.bind.dialect.name
    text = {name: (getattr(vraag, name) or "").strip() for name in vraag.__slots__}
    makers: dict[str, Callable[[str], Coroutine[Any, Any, ColumnElement[bool]]]] = {
        "zoek": lambda value: zoek_filter(value, dialect),
        "identificatie": _identificatie_filter,
        "status": _status_filter,
        "soort": _soort_filter,
        "regio": _regio_filter,
        "rol": lambda value: _rol_filter(session, value, peildatum),
    }
    problems: list[InvalidParam] = []
    conditions: list[ColumnElement[bool]] = []
    for name, make in makers.items():
        if not text[name]:
            continue
        try:
            conditions.append(await make(text[name]))
        except FilterProblem as problem:
            problems.append(problem.param)
    if problems:
        raise ValidationFailed(problems)
    return conditions


def actieve_houders(rollen: Sequence[str], peildatum: Peildatum) -> Select[tuple[Deelnemer, str]]:
    """Deelnemers actief at the peildatum that hold one of ``rollen`` on its date."""
    return registered(peildatum).where(
        Statusperiode.status == DeelnemerStatus.ACTIEF.value, houder_van(rollen, peildatum.datum)
    )


def registered(peildatum: Peildatum) -> Select[tuple[Deelnemer, str]]:
    """Deelnemers registered at the peildatum, each with its status then."""
    return select(Deelnemer, Statusperiode.status).join(
        Statusperiode,
        and_(
            Statusperiode.deelnemer_id == Deelnemer.id,
            covers(Statusperiode.geldig_van, Statusperiode.geldig_tot, peildatum.moment),
        ),
    )


@dataclass(frozen=True, slots=True)
class Sortering:
    """The order of a list of deelnemers: by ``kolom`` (one of :data:`SORTEERBAAR`), then by name."""

    kolom: str = "naam"
    aflopend: bool = False


SORTEERBAAR: dict[str, InstrumentedAttribute[Any]] = {
    "naam": Deelnemer.zoeknaam,
    "soort": Deelnemer.soort,
    "regio": Deelnemer.regio,
    "status": Statusperiode.status,
}
"""The columns a list of deelnemers can be sorted on."""


async def search_deelnemers(
    session: AsyncSession,
    vraag: Zoekvraag,
    peildatum: Peildatum,
    paging: PageRequest,
    *,
    volledig: bool = False,
    sortering: Sortering = Sortering(),
) -> tuple[list[schemas.Deelnemer], int]:
    """Deelnemers registered on the peildatum that match every filter, by name (or ``sortering``).

    ``zoek`` matches the start of the name or of any word in it (diacritics and case do not matter),
    or an identificatie's number; ``identificatie`` (``soort:waarde``) finds the one deelnemer with
    it; ``rol`` keeps deelnemers with a rolvervulling of that role on the peildatum; ``status`` is the
    status then.
    """
    statement = registered(peildatum).where(*await _filters(session, vraag, peildatum))
    total = await session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    order: list[ColumnElement[Any]] = []
    if sortering.kolom != "naam" or sortering.aflopend:
        column = SORTEERBAAR.get(sortering.kolom, Deelnemer.zoeknaam)
        order.append((column.desc() if sortering.aflopend else column.asc()).nulls_last())
    rows = await session.execute(
        statement.order_by(*order, Deelnemer.zoeknaam, Deelnemer.id)
        .offset(paging.offset)
        .limit(paging.page_size)
    )
    return await _schemas(session, list(rows.tuples()), peildatum, volledig=volledig), total


# --- the rolcheck ------------------------------------------------------------------------------------


async def check_rol(
    session: AsyncSession, deelnemer_ref: str, rol_code: str, peildatum: Peildatum
) -> schemas.Rolcheck:
    """Does the deelnemer hold role ``rol_code`` on the peildatum? If not, why not (see :func:`rolcheck`)."""

    async def provide() -> AsyncSession:
        return session

    return await rolcheck(
        session_snapshot(session),
        deelnemer_ref,
        rol_code,
        peildatum,
        catalogus=await catalogusstand(session),
        session=provide,
    )


async def rolcheck(
    snap: Snapshot,
    deelnemer_ref: str,
    rol_code: str,
    peildatum: Peildatum,
    *,
    catalogus: Catalogusstand,
    session: SessionProvider,
) -> schemas.Rolcheck:
    """Does the deelnemer hold role ``rol_code`` on the peildatum? If not, why not.

    A role is granted when a rolvervulling covers the peildatum's date, the deelnemer was ``actief``
    at the peildatum moment and, for a rolvervulling on a verklaring, the verklaringen domain judges
    that verklaring valid on the peildatum's date (not geschorst, not ingetrokken). A geschorste
    deelnemer keeps its rolvervullingen, but they grant nothing while it is geschorst. ``session``
    gives a session for that judgement, only asked for when one is needed.
    """
    code = rol_code.strip()
    problems = []
    if not code:
        problems.append(InvalidParam("rol", "Geef de code van de rol.", "required"))
    if not deelnemer_ref.strip():
        problems.append(
            InvalidParam(
                "deelnemer", "Geef de deelnemer als id of als identificatie (kvk:12345678).", "required"
            )
        )
    if problems:
        raise ValidationFailed(problems)
    feiten = await rolfeiten(snap, Verwijzing.lees(deelnemer_ref, "deelnemer"), code, peildatum)
    bekend = catalogus.bekend(code)
    held = feiten.vervulling
    if not bekend and held is None:
        raise ValidationFailed.single("rol", f"De catalogus kent geen rol '{code}'.", "unknown-role")
    rol_naam = catalogus.namen.get(code)
    answer: dict[str, Any] = {
        "deelnemer": feiten.partij,
        "rol": schemas.RolRef(code=code, naam=rol_naam),
        "peildatum": peildatum.getoond,
        "deelnemer_status": feiten.status,
    }
    if held is not None:
        answer |= {
            "geldig_van": held.geldig_van,
            "geldig_tot": held.geldig_tot,
            "basis": schemas.Basis(soort=held.basis_soort, referentie=held.basis_referentie),
            "release": held.release,
            "rolvervulling_id": held.id,
        }
    naam = feiten.partij.naam
    if feiten.status is None:
        return schemas.Rolcheck(
            **answer, vervuld=False, reden_code="niet-geregistreerd",
            reden=f"{naam} stond op {format_datum(peildatum.datum)} nog niet in het register.",
        )  # fmt: skip
    if held is None:
        base = f"{naam} vervult de rol {rol_naam or code} niet op {format_datum(peildatum.datum)}"
        if feiten.eerder_tot is not None:
            reden = f"{base}; de laatste rolvervulling eindigde op {format_datum(feiten.eerder_tot)}."
        elif feiten.later_van is not None:
            reden = f"{base}; een rolvervulling begint op {format_datum(feiten.later_van)}."
        else:
            reden = f"{base}: er is geen rolvervulling."
        return schemas.Rolcheck(**answer, vervuld=False, reden_code="geen-rolvervulling", reden=reden)
    status = DeelnemerStatus(feiten.status)
    if status is DeelnemerStatus.ACTIEF:
        bezwaar = await _verklaring_bezwaar(snap, feiten, held, code, peildatum, session)
        if bezwaar is not None:
            return schemas.Rolcheck(
                **answer,
                vervuld=False,
                reden_code="verklaring-niet-geldig",
                reden=f"Niet toegekend: {bezwaar}",
            )
        return schemas.Rolcheck(**answer, vervuld=True)
    since = format_datum(feiten.status_sinds or peildatum.moment)
    reasons = {
        DeelnemerStatus.GESCHORST: (
            "deelnemer-geschorst",
            f"Niet toegekend: deelnemer geschorst sinds {since}.",
        ),
        DeelnemerStatus.AANGEMELD: (
            "deelnemer-niet-actief",
            "Niet toegekend: de deelnemer is aangemeld maar nog niet actief.",
        ),
        DeelnemerStatus.BEEINDIGD: (
            "deelnemer-beeindigd",
            f"Niet toegekend: deelnemer beëindigd sinds {since}.",
        ),
    }
    reden_code, reden = reasons[status]
    return schemas.Rolcheck(**answer, vervuld=False, reden_code=reden_code, reden=reden)


async def _verklaring_bezwaar(
    snap: Snapshot,
    feiten: Rolfeiten,
    held: Rolvervullingfeit,
    code: str,
    peildatum: Peildatum,
    session: SessionProvider,
) -> str | None:
    """Why the verklaring a rolvervulling rests on does not hold on the peildatum's date, or ``None``."""
    if held.basis_soort != Basissoort.VERKLARING.value:
        return None
    vraag = Verklaringvraag(
        referentie=held.basis_referentie,
        deelnemer_id=feiten.partij.id,
        identificaties=tuple(i.tekst for i in feiten.partij.identificaties),
        rol_code=code,
        geldig_van=peildatum.datum,
        op=peildatum.moment,
    )
    oordelen = await verklaringoordelen(snap, [vraag], session)
    if oordelen is None:  # no verklaringen domain in this process: the grant stands, as it was checked then
        return None
    [oordeel] = oordelen
    return None if oordeel.geldig else (oordeel.reden or GEEN_REDEN)
