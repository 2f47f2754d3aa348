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
"""

from __future__ import annotations

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


def _not_withdrawn(verklaring: Verklaring) -> None:
    if verklaring.ingetrokken_op is not None:
        raise InvalidTransition(f"Verklaring {verklaring.nummer} is ingetrokken; dat is definitief.")


async def trek_in(
    session: AsyncSession, nummer: str, reden: str, *, principal: Principal, clock: Clock, base_url: str
) -> schemas.Verklaring:
    """Withdraw a verklaring for good; its rolvervulling ends today."""
    text = _reden(reden)
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_issued_verklaring(session, nummer)
        _not_withdrawn(verklaring)
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
        _not_withdrawn(verklaring)
        if verklaring.geschorst_op is not None:
            raise InvalidTransition(f"Verklaring {verklaring.nummer} is al geschorst.")
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
        _not_withdrawn(verklaring)
        if verklaring.geschorst_op is None:
            raise InvalidTransition(f"Verklaring {verklaring.nummer} is niet geschorst.")
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
        _not_withdrawn(verklaring)
        origineel = await session.get(Aanmelding, verklaring.aanmelding_id)
        assert origineel is not None
        lopend = await session.scalar(
            select(Aanmelding.referentie).where(
                Aanmelding.deelnemer_id == verklaring.deelnemer_id,
                Aanmelding.rol_code == verklaring.rol_code,
                Aanmelding.status.in_(OPEN_AANMELDINGSTATUSSEN),
            )
        )
        if lopend is not None:
            raise Conflict(f"Voor deze organisatie en rol loopt al aanmelding {lopend}.")
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
