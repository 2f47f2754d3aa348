"""The audit trail is a hash chain: a modified, deleted or reordered event is detected."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import Actor, audited_write, changes_between, current_seq, verify_chain
from registry.clock import Clock, FixedClock


async def _write_events(db: AsyncSession, clock: Clock, count: int) -> None:
    for number in range(count):
        async with audited_write(db, Actor.cli("test"), clock) as tx:
            tx.record(
                "test.gewijzigd",
                "test",
                f"entity-{number}",
                changes_between({"n": number}, {"n": number + 1}),
            )


async def _tamper(db: AsyncSession, statement: str, **params: object) -> None:
    """Change the table behind the application's back, as an attacker with database access would."""
    if db.bind.dialect.name == "postgresql":
        await db.execute(text("SET LOCAL session_replication_role = replica"))
    await db.execute(text(statement), params)
    await db.commit()


async def test_an_intact_chain_verifies(db: AsyncSession, clock: Clock) -> None:
    await _write_events(db, clock, 5)
    report = await verify_chain(db)
    assert report.ok
    assert report.checked == 5
    assert await current_seq(db) == 5


async def test_a_clock_in_another_timezone_still_gives_a_chain_that_verifies(db: AsyncSession) -> None:
    amsterdam = FixedClock(datetime(2026, 6, 1, 14, 30, tzinfo=ZoneInfo("Europe/Amsterdam")))
    await _write_events(db, amsterdam, 3)
    db.expire_all()

    report = await verify_chain(db)

    assert report.ok, report
    event = await db.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    assert event is not None
    assert event.occurred_at == datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


async def test_a_modified_event_is_detected(db: AsyncSession, clock: Clock) -> None:
    await _write_events(db, clock, 5)
    await _tamper(db, "UPDATE audit_event SET actor_name = 'iemand anders' WHERE seq = 3")
    report = await verify_chain(db)
    assert not report.ok
    assert report.broken_seq == 3
    assert "modified" in (report.problem or "")


async def test_a_deleted_event_is_detected(db: AsyncSession, clock: Clock) -> None:
    await _write_events(db, clock, 5)
    await _tamper(db, "DELETE FROM audit_event WHERE seq = 2")
    report = await verify_chain(db)
    assert not report.ok
    assert report.broken_seq == 2


async def test_a_deleted_last_event_is_detected(db: AsyncSession, clock: Clock) -> None:
    await _write_events(db, clock, 5)
    await _tamper(db, "DELETE FROM audit_event WHERE seq = 5")
    report = await verify_chain(db)
    assert not report.ok
    assert report.broken_seq == 5


async def test_reordered_events_are_detected(db: AsyncSession, clock: Clock) -> None:
    await _write_events(db, clock, 5)
    await _tamper(db, "UPDATE audit_event SET seq = -1 WHERE seq = 2")
    await _tamper(db, "UPDATE audit_event SET seq = 2 WHERE seq = 4")
    await _tamper(db, "UPDATE audit_event SET seq = 4 WHERE seq = -1")
    report = await verify_chain(db)
    assert not report.ok
    assert report.broken_seq == 2


async def test_a_failed_write_leaves_no_event_and_no_change(db: AsyncSession, clock: Clock) -> None:
    await _write_events(db, clock, 1)

    async def write_that_fails_half_way() -> None:
        async with audited_write(db, Actor.cli("test"), clock) as tx:
            tx.record("test.gewijzigd", "test", "x", {})
            raise RuntimeError("half way")

    with pytest.raises(RuntimeError):
        await write_that_fails_half_way()
    assert await current_seq(db) == 1
    assert len((await db.scalars(select(AuditEvent))).all()) == 1
    assert (await verify_chain(db)).ok


async def test_postgres_refuses_update_and_delete_of_events(db: AsyncSession, clock: Clock) -> None:
    if db.bind.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    await _write_events(db, clock, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        await db.execute(update(AuditEvent).values(actor_name="x"))
    await db.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        await db.execute(text("DELETE FROM audit_event"))
    await db.rollback()
