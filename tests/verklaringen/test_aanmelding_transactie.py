"""An aanmelding of an unknown organisation is one transaction: the deelnemer it registers and the
aanmelding are stored together, or neither is."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import Actor, current_seq, verify_chain
from registry.errors import ValidationFailed
from registry.ledenadministratie.models import (
    Contactpersoon,
    Deelnemer,
    DeelnemerIdentificatie,
    Statusperiode,
    Zoekterm,
)
from tests.verklaringen.conftest import Process, aanmelding_invoer
from verklaringen import schemas
from verklaringen.models import Aanmelding
from verklaringen.services import aanmeldingen

NAAM = "Nieuwe Dienst Hengelo B.V."


async def _register_rows(db: AsyncSession) -> dict[str, int]:
    """How many rows the register holds of everything an aanmelding may write."""
    counts = {}
    for model in (Deelnemer, DeelnemerIdentificatie, Contactpersoon, Zoekterm, Statusperiode, Aanmelding):
        counts[model.__tablename__] = await db.scalar(select(func.count()).select_from(model)) or 0
    counts["audit_event"] = await db.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return counts


async def test_an_aanmelding_that_fails_after_registering_the_organisation_leaves_no_deelnemer(
    process: Process, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, seq = await _register_rows(db), await current_seq(db)
    seen: list[str] = []
    real_volgnummer = aanmeldingen.next_aanmelding_volgnummer

    async def numbering_fails(session: AsyncSession, jaar: int) -> int:
        # The organisation was registered in this transaction just before the number is drawn.
        deelnemer = await session.scalar(select(Deelnemer).where(Deelnemer.naam == NAAM))
        assert deelnemer is not None
        seen.append(deelnemer.status)
        raise RuntimeError("numbering unavailable")

    monkeypatch.setattr(aanmeldingen, "next_aanmelding_volgnummer", numbering_fails)

    with pytest.raises(RuntimeError, match="numbering unavailable"):
        await process.aangemeld("90000039", naam=NAAM)

    assert seen == ["aangemeld"]
    assert await _register_rows(db) == before
    assert await db.scalar(select(Deelnemer).where(Deelnemer.naam == NAAM)) is None
    assert await current_seq(db) == seq
    report = await verify_chain(db)
    assert (report.ok, report.checked) == (True, seq)

    monkeypatch.setattr(aanmeldingen, "next_aanmelding_volgnummer", real_volgnummer)
    ontvangen = await process.aangemeld("90000039", naam=NAAM)

    deelnemers = list(await db.scalars(select(Deelnemer).where(Deelnemer.naam == NAAM)))
    assert [d.status for d in deelnemers] == ["aangemeld"]
    aanmelding = await db.scalar(select(Aanmelding).where(Aanmelding.referentie == ontvangen.referentie))
    assert aanmelding is not None
    assert aanmelding.deelnemer_id == deelnemers[0].id
    events = list(await db.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))
    assert [e.action for e in events] == ["deelnemer.aangemeld", "aanmelding.ingediend"]
    assert len({e.occurred_at for e in events}) == 1
    assert (await verify_chain(db)).ok


async def test_contact_details_the_register_refuses_are_named_as_aanmelding_fields(
    process: Process, db: AsyncSession
) -> None:
    before = await _register_rows(db)
    data = aanmelding_invoer(
        "90000039",
        naam=NAAM,
        contactpersoon=schemas.ContactpersoonInvoer(
            naam="Jan de Vries", email="jan@dienst.example", telefoon="123456"
        ),
    )

    with pytest.raises(ValidationFailed) as caught:
        await aanmeldingen.dien_in(
            db,
            data,
            actor=Actor.anonymous("aanmeldformulier"),
            clock=process.clock,
            secret=process.settings.secret_key,
        )

    assert [p.name for p in caught.value.invalid_params] == ["contactpersoon.telefoon"]
    assert "telefoonnummer" in caught.value.invalid_params[0].reason
    assert await _register_rows(db) == before
