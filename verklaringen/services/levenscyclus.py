"""After afgifte: a verklaring expires at its end date (computed, nothing to do), and can be
*ingetrokken* (withdrawn, final), *geschorst* (suspended) and *hersteld* (reinstated), or renewed.

- Intrekken and schorsen need a reason. Both flip the verklaring's entry in the status list at
  once (the list is rebuilt from these rows on every request). Intrekken also ends the
  rolvervulling granted on this verklaring from today (:func:`end_rolvervullingen_for_verklaring`).
- Herstellen lifts a suspension; a withdrawn verklaring stays withdrawn.
- Every suspension is kept as a :class:`~verklaringen.models.Schorsing` period: schorsen opens one,
  herstellen closes it, in the same transaction as the verklaring's flags, so that the register can
  answer as of any moment whether the verklaring held (:mod:`verklaringen.services.verklaringcheck`).
- Vernieuwen opens a new aanmelding (soort ``vernieuwing``) for the same organisation and role; it
  goes through intake against the release then in force, besluit and afgifte like a first one.
  While an aanmelding for that organisation and role is open (up to and including the afgifte of
  its verklaring) there is nothing to renew.

Which action may be taken on a verklaring as it is now is told in one place, :func:`waarom_niet`:
the operations below refuse with its reason, and the pages offer only what it allows
(:func:`belemmeringen`), saying why when an action is expected but not possible.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Principal
from registry.audit.services import audited_write
from registry.clock import Clock
from registry.errors import Conflict, InvalidTransition, ValidationFailed
from registry.ledenadministratie.services import end_rolvervullingen_for_verklaring
from verklaringen import schemas
from verklaringen.models import OPEN_AANMELDINGSTATUSSEN, Aanmelding, Schorsing, Verklaring
from verklaringen.services.nummering import aanmelding_referentie, jaar_van, next_aanmelding_volgnummer
from verklaringen.services.queries import (
    AFGEGEVEN,
    find_issued_verklaring,
    get_aanmelding,
    today_of,
    verklaring_schema,
)
from verklaringen.services.toegang import actor_of

ENTITY = "verklaring"
MAX_REDEN = 2000


def _reden(reden: str) -> str:
    text = reden.strip()
    if not text:
        raise ValidationFailed.single("reden", "Geef de reden.", "required")
    if len(text) > MAX_REDEN:
        raise ValidationFailed.single("reden", f"Ten hoogste {MAX_REDEN} tekens.")
    return text


ACTIES = ("schorsen", "herstellen", "intrekken", "vernieuwen")


class Verklaringstand(Protocol):
    """What the rules read of a verklaring: the stored row and its schema both have it."""

    @property
    def nummer(self) -> str: ...
    @property
    def fase(self) -> str: ...
    @property
    def ingetrokken_op(self) -> datetime | None: ...
    @property
    def geschorst_op(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Belemmering:
    """Why an action cannot be taken on a verklaring now. ``lopende_aanmelding`` is the referentie
    of the aanmelding under way when that is what stands in the way (a renewal while one runs)."""

    reden: str
    lopende_aanmelding: str | None = None


def waarom_niet(
    verklaring: Verklaringstand, actie: str, *, lopende_aanmelding: str | None = None
) -> Belemmering | None:
    """Why ``actie`` (intrekken, schorsen, herstellen, vernieuwen) cannot be taken on ``verklaring``
    now, or ``None`` when it can. ``lopende_aanmelding`` is the open aanmelding for the same
    organisation and role, if any (:func:`lopende_aanmelding`); only vernieuwen minds it."""
    if actie not in ACTIES:
        raise ValueError(f"Unknown action {actie!r}")
    nummer = verklaring.nummer
    if verklaring.fase != AFGEGEVEN:
        return Belemmering(
            f"Verklaring {nummer} is nog niet afgegeven; dat kan pas als beide partijen hebben ondertekend."
        )
    if verklaring.ingetrokken_op is not None:
        return Belemmering(
            f"Verklaring {nummer} is ingetrokken; dat is definitief. Er kan niets meer mee worden gedaan."
        )
    if actie == "schorsen" and verklaring.geschorst_op is not None:
        return Belemmering(
            f"Verklaring {nummer} is al geschorst. U kunt de schorsing opheffen of de verklaring intrekken."
        )
    if actie == "herstellen" and verklaring.geschorst_op is None:
        return Belemmering(
            f"Verklaring {nummer} is niet geschorst, dus er is geen schorsing om op te heffen."
        )
    if actie == "vernieuwen" and lopende_aanmelding is not None:
        return Belemmering(
            f"Voor deze organisatie en rol loopt al aanmelding {lopende_aanmelding}.",
            lopende_aanmelding=lopende_aanmelding,
        )
    return None


def _toegestaan(verklaring: Verklaring, actie: str, *, lopende_aanmelding: str | None = None) -> None:
    """Refuse ``actie`` with the reason :func:`waarom_niet` gives: a clash with an aanmelding under
    way is a :class:`Conflict`, the verklaring's own state an :class:`InvalidTransition`."""
    belemmering = waarom_niet(verklaring, actie, lopende_aanmelding=lopende_aanmelding)
    if belemmering is None:
        return
    if belemmering.lopende_aanmelding is not None:
        raise Conflict(belemmering.reden)
    raise InvalidTransition(belemmering.reden)


async def lopende_aanmelding(session: AsyncSession, deelnemer_id: uuid.UUID, rol_code: str) -> str | None:
    """The referentie of the open aanmelding (a first one or a renewal, from ingediend until its
    verklaring is afgegeven) of this organisation for this role, if there is one."""
    referentie: str | None = await session.scalar(
        select(Aanmelding.referentie)
        .where(
            Aanmelding.deelnemer_id == deelnemer_id,
            Aanmelding.rol_code == rol_code,
            Aanmelding.status.in_(OPEN_AANMELDINGSTATUSSEN),
        )
        .order_by(Aanmelding.ingediend_op, Aanmelding.referentie)
        .limit(1)
    )
    return referentie


async def belemmeringen(
    session: AsyncSession, verklaring: schemas.Verklaring
) -> dict[str, Belemmering | None]:
    """For each of :data:`ACTIES`, why it cannot be taken on ``verklaring`` now (``None``: it can)."""
    lopend = None
    if verklaring.fase == AFGEGEVEN and verklaring.ingetrokken_op is None:
        lopend = await lopende_aanmelding(session, verklaring.deelnemer.id, verklaring.rol.code)
    return {actie: waarom_niet(verklaring, actie, lopende_aanmelding=lopend) for actie in ACTIES}


async def trek_in(
    session: AsyncSession, nummer: str, reden: str, *, principal: Principal, clock: Clock, base_url: str
) -> schemas.Verklaring:
    """Withdraw a verklaring for good; its rolvervulling ends today."""
    text = _reden(reden)
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_issued_verklaring(session, nummer)
        _toegestaan(verklaring, "intrekken")
        verklaring.ingetrokken_op = tx.now
        verklaring.intrekking_reden = text
        ended = await end_rolvervullingen_for_verklaring(
            tx, verklaring.nummer, today_of(tx.now), f"Verklaring {verklaring.nummer} ingetrokken: {text}"
        )
        tx.record(
            "verklaring.ingetrokken",
            ENTITY,
            verklaring.nummer,
            {
                "ingetrokkenOp": {"before": None, "after": tx.now},
                "reden": {"before": None, "after": text},
                "rolvervullingenBeeindigd": {"before": None, "after": [r.id for r in ended]},
            },
        )
    return verklaring_schema(verklaring, today_of(tx.now), base_url)


async def schors(
    session: AsyncSession, nummer: str, reden: str, *, principal: Principal, clock: Clock, base_url: str
) -> schemas.Verklaring:
    """Suspend a verklaring until it is reinstated."""
    text = _reden(reden)
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_issued_verklaring(session, nummer)
        _toegestaan(verklaring, "schorsen")
        verklaring.geschorst_op = tx.now
        verklaring.schorsing_reden = text
        session.add(Schorsing(verklaring_id=verklaring.id, van=tx.now, reden=text))
        tx.record(
            "verklaring.geschorst",
            ENTITY,
            verklaring.nummer,
            {"geschorstOp": {"before": None, "after": tx.now}, "reden": {"before": None, "after": text}},
        )
    return verklaring_schema(verklaring, today_of(tx.now), base_url)


async def herstel(
    session: AsyncSession, nummer: str, reden: str, *, principal: Principal, clock: Clock, base_url: str
) -> schemas.Verklaring:
    """Lift the suspension of a verklaring."""
    text = _reden(reden)
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_issued_verklaring(session, nummer)
        _toegestaan(verklaring, "herstellen")
        before = verklaring.geschorst_op
        schorsing = await session.scalar(
            select(Schorsing).where(Schorsing.verklaring_id == verklaring.id, Schorsing.tot.is_(None))
        )
        if schorsing is None:  # geschorst before its periods were kept: record the period now
            schorsing = Schorsing(
                verklaring_id=verklaring.id,
                van=before,
                reden=verklaring.schorsing_reden or "Reden niet vastgelegd.",
            )
            session.add(schorsing)
        schorsing.tot = tx.now
        schorsing.herstel_reden = text
        verklaring.geschorst_op = None
        verklaring.schorsing_reden = None
        tx.record(
            "verklaring.hersteld",
            ENTITY,
            verklaring.nummer,
            {"geschorstOp": {"before": before, "after": None}, "reden": {"before": None, "after": text}},
        )
    return verklaring_schema(verklaring, today_of(tx.now), base_url)


async def vernieuw(
    session: AsyncSession, nummer: str, *, principal: Principal, clock: Clock
) -> schemas.Aanmelding:
    """Open the renewal of a verklaring: a new aanmelding for the same organisation and role."""
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_issued_verklaring(session, nummer)
        lopend = await lopende_aanmelding(session, verklaring.deelnemer_id, verklaring.rol_code)
        _toegestaan(verklaring, "vernieuwen", lopende_aanmelding=lopend)
        origineel = await session.get(Aanmelding, verklaring.aanmelding_id)
        assert origineel is not None
        jaar = jaar_van(tx.now)
        volgnummer = await next_aanmelding_volgnummer(session, jaar)
        aanmelding = Aanmelding(
            referentie=aanmelding_referentie(jaar, volgnummer),
            jaar=jaar,
            volgnummer=volgnummer,
            soort="vernieuwing",
            organisatiesoort=origineel.organisatiesoort,
            vernieuwt=verklaring.nummer,
            status="ingediend",
            deelnemer_id=verklaring.deelnemer_id,
            organisatie_naam=verklaring.deelnemer_naam,
            identificaties=list(verklaring.identificaties),
            rol_code=verklaring.rol_code,
            rol_naam=verklaring.rol_naam,
            contact_naam=origineel.contact_naam,
            contact_email=origineel.contact_email,
            contact_telefoon=origineel.contact_telefoon,
            motivatie=f"Vernieuwing van verklaring {verklaring.nummer}.",
            ingediend_op=tx.now,
        )
        session.add(aanmelding)
        await session.flush()
        tx.record(
            "aanmelding.vernieuwing",
            "aanmelding",
            aanmelding.referentie,
            {
                "vernieuwt": {"before": None, "after": verklaring.nummer},
                "status": {"before": None, "after": aanmelding.status},
            },
        )
    return await get_aanmelding(session, aanmelding.referentie)
