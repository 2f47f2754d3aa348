"""Demo accounts: the four README users, created once; the contact user needs the demo deelnemer."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_accounts
from registry.accounts.models import User
from tests.conftest import MovableClock


def _has_table(connection: Connection) -> bool:
    return inspect(connection).has_table("deelnemer_identificatie")


async def test_without_the_demo_deelnemer_the_contact_user_is_skipped(
    db: AsyncSession, clock: MovableClock
) -> None:
    report = await load_demo_accounts(db, clock)

    emails = set((await db.scalars(select(User.email))).all())
    assert emails == {email for email, _, role in DEMO_USERS if role != "deelnemer-contact"}
    assert any("contact@dienstverlener.example skipped" in line for line in report)
    outcome = await services.log_in(
        db,
        email="beheerder@stelselregister.example",
        password=DEMO_PASSWORD,
        clock=clock,
        lifetime=timedelta(hours=1),
    )
    assert outcome.principal is not None


async def test_running_it_again_changes_nothing(db: AsyncSession, clock: MovableClock) -> None:
    await load_demo_accounts(db, clock)
    before = (await db.scalars(select(User.id).order_by(User.email))).all()
    report = await load_demo_accounts(db, clock)
    assert (await db.scalars(select(User.id).order_by(User.email))).all() == before
    assert sum("already present" in line for line in report) == 3


async def test_the_contact_user_speaks_for_the_demo_deelnemer(db: AsyncSession, clock: MovableClock) -> None:
    connection = await db.connection()
    if not await connection.run_sync(_has_table):
        import pytest

        pytest.skip("the ledenadministratie tables are not in this build")
    deelnemer_id = uuid.uuid4()
    now = clock.now()
    await db.execute(
        text(
            "INSERT INTO deelnemer (id, naam, zoeknaam, soort, status, created_at, updated_at) "
            "VALUES (:id, 'Demo Dienstverlener', 'demo dienstverlener', 'zorgaanbieder', 'actief', "
            ":now, :now)"
        ),
        {"id": deelnemer_id.bytes if db.bind.dialect.name == "sqlite" else deelnemer_id, "now": now},
    )
    await db.execute(
        text(
            "INSERT INTO deelnemer_identificatie (id, deelnemer_id, soort, waarde, created_at, updated_at) "
            "VALUES (:id, :deelnemer, 'kvk', '90000001', :now, :now)"
        ),
        {
            "id": uuid.uuid4().bytes if db.bind.dialect.name == "sqlite" else uuid.uuid4(),
            "deelnemer": deelnemer_id.bytes if db.bind.dialect.name == "sqlite" else deelnemer_id,
            "now": now,
        },
    )
    await db.commit()

    await load_demo_accounts(db, clock)

    contact = await db.scalar(select(User).where(User.email == "contact@dienstverlener.example"))
    assert contact is not None
    assert contact.deelnemer_id == deelnemer_id
