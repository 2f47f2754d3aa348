"""Granting and ending rolvervullingen: a deelnemer holding a catalogue role for a period, on a basis.

Rules checked when granting:

- the role code exists in the catalogue (its current release, which is recorded with the grant);
- ``geldigTot`` (exclusive) lies after ``geldigVan``;
- the same deelnemer holds no other rolvervulling of the same role in an overlapping period — checked
  inside the write transaction, after the audit chain lock, so two concurrent grants cannot both pass;
- a role whose catalogue entry says ``verklaring_vereist`` needs basis ``verklaring``;
- a basis ``verklaring`` is vouched for by the registered :class:`VerklaringCheck`; without one, it is
  refused.

:func:`grant_rolvervulling` works inside a caller's :class:`WriteTransaction`, so the verklaringen
domain can issue a verklaring and grant the role it attests in one transaction;
:func:`create_rolvervulling` is the same in a transaction of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, WriteTransaction, audited_write
from registry.clock import Clock
from registry.errors import Conflict, InvalidParam, InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie import schemas
from registry.ledenadministratie.catalogus import catalogus_rol
from registry.ledenadministratie.errors import ConflictingInput
from registry.ledenadministratie.models import (
    Basissoort,
    DeelnemerStatus,
    Ondersteuningsrelatie,
    Rolvervulling,
    Rolvervullingwijziging,
    Vervullingstatus,
)
from registry.ledenadministratie.peildatum import AMSTERDAM
from registry.ledenadministratie.schemas import BasisInvoer, Beeindiging, RolvervullingCreate
from registry.ledenadministratie.services.queries import get_deelnemer_by_id, overlaps
from registry.ledenadministratie.verklaringcheck import (
    VerklaringCheck,
    Verklaringvraag,
    registered_verklaring_check,
)
from registry.templating import format_datum

ENTITY = "rolvervulling"
RELATIE_ENTITY = "ondersteuningsrelatie"


class _Registered:
    """Marker default: use the check registered by the verklaringen domain."""


REGISTERED = _Registered()


def omgekeerde_periode(van: date, tot: date, wat: str) -> InvalidParam:
    """The problem of a period whose end (``geldigTot``) is not after its start, in the words of the
    forms (the field name stays ``geldigTot`` for the API)."""
    return InvalidParam(
        "geldigTot",
        f"Geldig tot ({format_datum(tot)}) moet na geldig van ({format_datum(van)}) liggen; "
        f"geldig tot is de eerste dag waarop {wat} niet meer geldt.",
        "inverted-period",
    )


def check_rol_en_basis(rol_code: str, basis: BasisInvoer) -> list[InvalidParam]:
    """The problems of a grant's role and basis, apart from its period."""
    problems: list[InvalidParam] = []
    if not rol_code.strip():
        problems.append(InvalidParam("rolCode", "Kies de rol uit de catalogus.", "required"))
    if basis.soort.strip().lower() not in Basissoort.__members__.values():
        problems.append(
            InvalidParam(
                "basis.soort", f"Onbekende basis '{basis.soort.strip()}'; kies verklaring of besluit."
            )
        )
    if not basis.referentie.strip():
        problems.append(
            InvalidParam(
                "basis.referentie",
                "Geef de referentie van de verklaring of het kenmerk van het besluit.",
                "required",
            )
        )
    elif len(basis.referentie.strip()) > 200:
        problems.append(
            InvalidParam("basis.referentie", "Het kenmerk of verklaringnummer heeft ten hoogste 200 tekens.")
        )
    return problems


def _check_input(data: RolvervullingCreate) -> list[InvalidParam]:
    problems = check_rol_en_basis(data.rol_code, data.basis)
    if data.geldig_tot is not None and data.geldig_tot <= data.geldig_van:
        problems.insert(
            1 if problems and problems[0].name == "rolCode" else 0,
            omgekeerde_periode(data.geldig_van, data.geldig_tot, "de rol"),
        )
    return problems


def _period_text(van: date, tot: date | None) -> str:
    return f"van {format_datum(van)} " + (f"tot {format_datum(tot)}" if tot else "zonder einddatum")


def _history(tx: WriteTransaction, soort: str, geldig_tot: date | None, reden: str) -> Rolvervullingwijziging:
    return Rolvervullingwijziging(
        moment=tx.now,
        soort=soort,
        geldig_tot=geldig_tot,
        reden=reden,
        actor_soort=tx.actor.kind,
        actor_id=tx.actor.id,
        actor_naam=tx.actor.name,
    )


async def grant_rolvervulling(
    tx: WriteTransaction,
    deelnemer_id: uuid.UUID,
    data: RolvervullingCreate,
    *,
    verklaring_check: VerklaringCheck | _Registered | None = REGISTERED,
) -> Rolvervulling:
    """Grant a role to a deelnemer inside the caller's write transaction (see the module docstring).

    ``verklaring_check`` overrides the registered check (``None``: as if none were registered).
    """
    problems = _check_input(data)
    if problems:
        raise ValidationFailed(problems)
    session = tx.session
    rol_code = data.rol_code.strip()
    basis = Basissoort(data.basis.soort.strip().lower())
    referentie = data.basis.referentie.strip()
    deelnemer = await get_deelnemer_by_id(session, deelnemer_id)
    if deelnemer.status == DeelnemerStatus.BEEINDIGD:
        raise InvalidTransition(f"{deelnemer.naam} is beëindigd en kan geen rol meer krijgen.")
    rol = await catalogus_rol(session, rol_code)
    if rol is None:
        raise ValidationFailed.single("rolCode", f"De catalogus kent geen rol '{rol_code}'.", "unknown-role")
    if rol.verklaring_vereist and basis is Basissoort.BESLUIT:
        raise ValidationFailed.single(
            "basis.soort",
            f"De rol {rol.naam} vereist een verklaring; een besluit is daarvoor geen basis.",
            "verklaring-vereist",
        )
    overlapping = await session.scalar(
        select(Rolvervulling)
        .where(
            Rolvervulling.deelnemer_id == deelnemer.id,
            Rolvervulling.rol_code == rol.code,
            overlaps(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, data.geldig_van, data.geldig_tot),
        )
        .limit(1)
    )
    if overlapping is not None:
        raise ConflictingInput(
            [
                InvalidParam(
                    "geldigVan",
                    f"{deelnemer.naam} heeft de rol {rol.naam} al "
                    f"{_period_text(overlapping.geldig_van, overlapping.geldig_tot)}; "
                    f"de periode {_period_text(data.geldig_van, data.geldig_tot)} overlapt daarmee.",
                    "overlap",
                )
            ]
        )
    if basis is Basissoort.VERKLARING:
        check = (
            registered_verklaring_check() if isinstance(verklaring_check, _Registered) else verklaring_check
        )
        if check is None:
            raise Conflict(
                "Verklaringen kunnen nu niet worden gecontroleerd, dus een rol op basis van een verklaring "
                "kan niet worden toegekend."
            )
        vraag = Verklaringvraag.over(referentie, deelnemer, rol.code, data.geldig_van, tx.now)
        oordeel = await check(session, vraag)
        if not oordeel.geldig:
            raise ValidationFailed.single(
                "basis.referentie",
                oordeel.reden or f"Verklaring {referentie} is niet geldig voor deze rol.",
                "verklaring-ongeldig",
            )
    rolvervulling = Rolvervulling(
        deelnemer_id=deelnemer.id,
        rol_code=rol.code,
        geldig_van=data.geldig_van,
        geldig_tot=data.geldig_tot,
        release=rol.release,
        basis_soort=basis.value,
        basis_referentie=referentie,
        status=Vervullingstatus.ACTIEF.value,
        toelichting=data.toelichting.strip() or None,
    )
    rolvervulling.wijzigingen = [
        _history(
            tx,
            "toegekend",
            data.geldig_tot,
            data.toelichting.strip() or f"Toegekend op basis van {basis.value} {referentie}",
        )
    ]
    session.add(rolvervulling)
    await session.flush()
    tx.record(
        "rolvervulling.toegekend",
        ENTITY,
        rolvervulling.id,
        {
            name: {"before": None, "after": value}
            for name, value in {
                "deelnemerId": deelnemer.id, "rolCode": rol.code, "geldigVan": data.geldig_van,
                "geldigTot": data.geldig_tot, "status": rolvervulling.status, "release": rol.release,
                "basisSoort": basis.value, "basisReferentie": referentie,
            }.items()
        },
    )  # fmt: skip
    return rolvervulling


async def create_rolvervulling(
    session: AsyncSession,
    deelnemer_id: uuid.UUID,
    data: RolvervullingCreate,
    *,
    actor: Actor,
    clock: Clock,
    verklaring_check: VerklaringCheck | _Registered | None = REGISTERED,
) -> Rolvervulling:
    """Grant a role in a transaction of its own (see :func:`grant_rolvervulling`)."""
    problems = _check_input(data)
    if problems:
        raise ValidationFailed(problems)
    async with audited_write(session, actor, clock) as tx:
        return await grant_rolvervulling(tx, deelnemer_id, data, verklaring_check=verklaring_check)


def close_rolvervulling(
    tx: WriteTransaction, rolvervulling: Rolvervulling, einddatum: date, reden: str
) -> None:
    """End a rolvervulling from ``einddatum`` (never later than it already ended) and record it.

    One that had not begun by ``einddatum`` *vervalt*: it never takes effect. It is closed at its own
    start (``geldig_tot == geldig_van``, a period no peildatum falls in) and its history says
    ``vervallen``; the screens show it as vervallen (:func:`rolstand`), not as a period it held.
    """
    before = rolvervulling.geldig_tot
    tot = einddatum if before is None else min(before, einddatum)
    vervalt = tot <= rolvervulling.geldig_van
    rolvervulling.geldig_tot = rolvervulling.geldig_van if vervalt else tot
    rolvervulling.status = Vervullingstatus.BEEINDIGD.value
    rolvervulling.wijzigingen.append(
        _history(tx, "vervallen" if vervalt else "beeindigd", rolvervulling.geldig_tot, reden)
    )
    tx.record(
        "rolvervulling.beeindigd",
        ENTITY,
        rolvervulling.id,
        {
            "geldigTot": {"before": before, "after": rolvervulling.geldig_tot},
            "status": {"before": Vervullingstatus.ACTIEF.value, "after": rolvervulling.status},
            "reden": {"before": None, "after": reden},
        },
    )


@dataclass(frozen=True, slots=True)
class Rolstand:
    """How a rolvervulling stands on a day, as every screen names it (one source for the roles table
    and the timeline).

    ``code`` is one of ``actief``, ``gepland``, ``loopt-af`` (ended early, still running until its
    end date), ``beeindigd`` (ended early, over), ``afgelopen`` (its period ran out),
    ``vervallen`` (ended before it began: it never took effect) and ``niet-toegekend`` (running, but
    the verklaring it rests on does not hold today, so the rolcheck answers no; ``toelichting`` says
    why, in the rolcheck's words). ``badge`` is the status badge to show and ``label`` its text;
    ``vervallen`` is true for the state whose period is no real one.
    """

    code: str
    badge: str
    label: str
    toelichting: str | None = None

    @property
    def vervallen(self) -> bool:
        return self.code == "vervallen"

    @property
    def afgelopen(self) -> bool:
        return self.code in {"beeindigd", "afgelopen", "vervallen"}


def rolstand(
    rolvervulling: schemas.Rolvervulling | Rolvervulling, vandaag: date, verklaringbezwaar: str | None = None
) -> Rolstand:
    """The :class:`Rolstand` of ``rolvervulling`` on ``vandaag``; ``verklaringbezwaar`` is why the
    verklaring it rests on does not hold today (a lookup answer's ``verklaringbezwaar``), if it does not."""
    stand = _periodestand(rolvervulling, vandaag)
    if verklaringbezwaar is not None and stand.code in {"actief", "loopt-af"}:
        return Rolstand("niet-toegekend", "niet-toegekend", "Niet toegekend", verklaringbezwaar)
    return stand


def _periodestand(rolvervulling: schemas.Rolvervulling | Rolvervulling, vandaag: date) -> Rolstand:
    van, tot = rolvervulling.geldig_van, rolvervulling.geldig_tot
    beeindigd = rolvervulling.status == Vervullingstatus.BEEINDIGD
    if tot is not None and tot <= van:
        return Rolstand("vervallen", "vervallen", "Vervallen, niet ingegaan")
    if tot is not None and tot <= vandaag:
        if beeindigd:
            return Rolstand("beeindigd", "beeindigd", "Beëindigd")
        return Rolstand("afgelopen", "verlopen", "Afgelopen")
    if van > vandaag:
        return Rolstand("gepland", "concept", "Gepland")
    if beeindigd and tot is not None:
        return Rolstand("loopt-af", "beeindigd", f"Beëindigd per {format_datum(tot)}")
    return Rolstand("actief", "actief", "Actief")


def check_beeindiging(data: Beeindiging, van: date, tot: date | None, today: date) -> list[InvalidParam]:
    problems: list[InvalidParam] = []
    if not data.reden.strip():
        problems.append(InvalidParam("reden", "Geef de reden van de beëindiging.", "required"))
    if data.einddatum < today:
        problems.append(
            InvalidParam(
                "einddatum",
                f"{format_datum(data.einddatum)} ligt in het verleden; "
                "beëindigen kan niet met terugwerkende kracht, "
                "zodat eerder gegeven antwoorden blijven kloppen.",
                "in-past",
            )
        )
    elif data.einddatum < van:
        problems.append(InvalidParam("einddatum", f"De einddatum ligt vóór het begin ({format_datum(van)})."))
    if tot is not None and data.einddatum > tot:
        problems.append(
            InvalidParam(
                "einddatum", f"Dit eindigt al op {format_datum(tot)}; een latere einddatum verlengt niets."
            )
        )
    return problems


async def end_rolvervulling(
    session: AsyncSession, rolvervulling_id: uuid.UUID, data: Beeindiging, *, actor: Actor, clock: Clock
) -> Rolvervulling:
    """End a rolvervulling from ``einddatum`` (the first day it no longer holds: today or later)."""
    async with audited_write(session, actor, clock) as tx:
        rolvervulling = await session.get(Rolvervulling, rolvervulling_id, populate_existing=True)
        if rolvervulling is None:
            raise NotFound(f"Er is geen rolvervulling met id {rolvervulling_id}.")
        if rolvervulling.status == Vervullingstatus.BEEINDIGD:
            raise InvalidTransition(
                f"Deze rolvervulling is al beëindigd (geldig tot {format_datum(rolvervulling.geldig_tot)})."
            )
        problems = check_beeindiging(
            data, rolvervulling.geldig_van, rolvervulling.geldig_tot, tx.now.astimezone(AMSTERDAM).date()
        )
        if problems:
            raise ValidationFailed(problems)
        close_rolvervulling(tx, rolvervulling, data.einddatum, data.reden.strip())
    return rolvervulling


async def end_rolvervullingen_for_verklaring(
    tx: WriteTransaction, referentie: str, einddatum: date, reden: str
) -> list[Rolvervulling]:
    """End every active rolvervulling granted on verklaring ``referentie`` (for when a verklaring is
    withdrawn), inside the caller's transaction."""
    rows = await tx.session.scalars(
        select(Rolvervulling).where(
            Rolvervulling.basis_soort == Basissoort.VERKLARING.value,
            Rolvervulling.basis_referentie == referentie,
            Rolvervulling.status == Vervullingstatus.ACTIEF.value,
        )
    )
    ended = list(rows.all())
    for rolvervulling in ended:
        close_rolvervulling(tx, rolvervulling, einddatum, reden)
    return ended


def close_ondersteuningsrelatie(
    tx: WriteTransaction, relatie: Ondersteuningsrelatie, einddatum: date, reden: str
) -> None:
    """End an ondersteuningsrelatie from ``einddatum`` (clamped to its period) and record it."""
    before = relatie.geldig_tot
    tot = einddatum if before is None else min(before, einddatum)
    relatie.geldig_tot = max(tot, relatie.geldig_van)
    relatie.status = Vervullingstatus.BEEINDIGD.value
    relatie.reden_einde = reden
    tx.record(
        "ondersteuningsrelatie.beeindigd",
        RELATIE_ENTITY,
        relatie.id,
        {
            "geldigTot": {"before": before, "after": relatie.geldig_tot},
            "status": {"before": Vervullingstatus.ACTIEF.value, "after": relatie.status},
            "reden": {"before": None, "after": reden},
        },
    )
