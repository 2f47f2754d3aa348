"""An afgifte makes an aangemelde deelnemer actief in the afgifte's own transaction: a failed afgifte
leaves the deelnemer aangemeld, with no new status period and no audit event."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import Actor, WriteTransaction, current_seq, verify_chain
from registry.ledenadministratie.models import Deelnemer, Rolvervulling, Statusperiode
from registry.ledenadministratie.services import change_deelnemer_status
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from tests.verklaringen.conftest import Process
from verklaringen.services import afgifte
from verklaringen.services.queries import find_verklaring


async def _deelnemer_of(db: AsyncSession, nummer: str) -> Deelnemer:
    verklaring = await find_verklaring(db, nummer)
    deelnemer = await db.get(Deelnemer, verklaring.deelnemer_id, populate_existing=True)
    assert deelnemer is not None
    return deelnemer


async def _perioden(db: AsyncSession, deelnemer_id: uuid.UUID) -> list[tuple[str, bool]]:
    rows = await db.scalars(
        select(Statusperiode)
        .where(Statusperiode.deelnemer_id == deelnemer_id)
        .order_by(Statusperiode.geldig_van, Statusperiode.geregistreerd_op)
        .execution_options(populate_existing=True)
    )
    return [(p.status, p.geldig_tot is None) for p in rows]


async def test_an_afgifte_that_fails_after_activating_the_deelnemer_leaves_it_aangemeld(
    process: Process, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    nummer = await process.ondertekend_door_deelnemer("90000047")
    deelnemer_id = (await _deelnemer_of(db, nummer)).id
    assert await _perioden(db, deelnemer_id) == [("aangemeld", True)]
    seq = await current_seq(db)
    statuses_seen: list[str] = []

    async def granting_fails(tx: WriteTransaction, deelnemer_id: uuid.UUID, *args: Any, **kwargs: Any) -> Any:
        # The deelnemer was made actief in this transaction just before the role is granted.
        statuses_seen.append((await get_deelnemer_by_id(tx.session, deelnemer_id)).status)
        raise RuntimeError("ledenadministratie unavailable")

    real_grant = afgifte.grant_rolvervulling
    monkeypatch.setattr(afgifte, "grant_rolvervulling", granting_fails)

    with pytest.raises(RuntimeError, match="ledenadministratie unavailable"):
        await process.geef_af(nummer)

    assert statuses_seen == ["actief"]
    assert (await _deelnemer_of(db, nummer)).status == "aangemeld"
    assert await _perioden(db, deelnemer_id) == [("aangemeld", True)]
    assert (await find_verklaring(db, nummer)).fase == "ondertekend_deelnemer"
    assert await db.scalar(select(func.count()).select_from(Rolvervulling)) == 0
    assert await current_seq(db) == seq
    report = await verify_chain(db)
    assert (report.ok, report.checked) == (True, seq)

    monkeypatch.setattr(afgifte, "grant_rolvervulling", real_grant)
    issued = await process.geef_af(nummer)

    assert issued.fase == "afgegeven"
    assert (await _deelnemer_of(db, nummer)).status == "actief"
    assert await _perioden(db, deelnemer_id) == [("aangemeld", False), ("actief", True)]
    events = list(await db.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))
    assert [e.action for e in events] == [
        "deelnemer.status-gewijzigd",
        "rolvervulling.toegekend",
        "verklaring.afgegeven",
    ]
    assert events[0].changes["reden"]["after"] == f"Verklaring {nummer} afgegeven"
    assert len({e.occurred_at for e in events}) == 1
    assert (await verify_chain(db)).ok


async def test_an_afgifte_to_an_actieve_deelnemer_changes_no_status(
    process: Process, db: AsyncSession
) -> None:
    nummer = await process.ondertekend_door_deelnemer("90000047")
    deelnemer_id = (await _deelnemer_of(db, nummer)).id
    await change_deelnemer_status(
        db, deelnemer_id, "actief", "Besluit bestuur", actor=Actor.system("test"), clock=process.clock
    )
    seq = await current_seq(db)

    await process.geef_af(nummer)

    assert await _perioden(db, deelnemer_id) == [("aangemeld", False), ("actief", True)]
    actions = list(await db.scalars(select(AuditEvent.action).where(AuditEvent.seq > seq)))
    assert actions == ["rolvervulling.toegekend", "verklaring.afgegeven"]
