"""Sessions that have run out are deleted: at every login, and by ``stelsel user purge-sessions``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.models import UserSession
from registry.audit.models import AuditEvent
from registry.settings import Settings
from tests.accounts.factories import PASSWORD, insert_user
from tests.accounts.test_password_reset import invoke
from tests.conftest import MovableClock

HOUR = timedelta(hours=1)


async def _session_count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(UserSession)) or 0


async def test_a_login_deletes_the_sessions_that_have_run_out(db: AsyncSession, clock: MovableClock) -> None:
    someone = await insert_user(db, clock, "auditor")
    other = await insert_user(db, clock, "casemanager")
    await services.start_session(db, someone, clock=clock, lifetime=HOUR)  # runs out
    await services.start_session(db, other, clock=clock, lifetime=HOUR)  # runs out
    still_valid = await services.start_session(db, other, clock=clock, lifetime=5 * HOUR)
    clock.advance(hours=2)

    await services.log_in(db, email=someone.email, password=PASSWORD, clock=clock, lifetime=HOUR)

    assert await _session_count(db) == 2  # the one still valid and the new one
    assert await services.resolve_session(db, still_valid, clock.now()) is not None


async def test_purge_sessions_deletes_only_expired_ones_and_audits_how_many(
    settings: Settings, db: AsyncSession
) -> None:
    # The command uses the real clock: these sessions ran out a day ago, or last for another hour.
    yesterday = MovableClock(datetime.now(UTC) - timedelta(days=1))
    user = await insert_user(db, yesterday, "auditor")
    for _ in range(3):
        await services.start_session(db, user, clock=yesterday, lifetime=HOUR)
    live = await services.start_session(db, user, clock=MovableClock(datetime.now(UTC)), lifetime=HOUR)

    first = await invoke(settings, "user", "purge-sessions")
    again = await invoke(settings, "user", "purge-sessions")

    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "purged 3 expired sessions"
    assert again.stdout.strip() == "purged 0 expired sessions"
    assert await _session_count(db) == 1
    assert await services.resolve_session(db, live, datetime.now(UTC)) is not None
    events = (await db.scalars(select(AuditEvent).where(AuditEvent.action == "sessie.opgeruimd"))).all()
    assert [(event.actor_kind, event.changes) for event in events] == [
        ("cli", {"sessies": {"before": 3, "after": 0}})
    ]
