"""``stelsel user``: create, list, disable and enable accounts from the command line."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.audit.models import AuditEvent
from registry.settings import Settings
from tests.accounts.factories import insert_user
from tests.accounts.test_password_reset import invoke
from tests.conftest import MovableClock


async def test_create_reads_the_password_from_stdin(settings: Settings, db: AsyncSession) -> None:
    result = await invoke(
        settings,
        "user", "create", "--email", "Beheer@Example.nl", "--role", "stelselbeheerder", "--password-stdin",
        stdin="een lang genoeg wachtwoord\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created user Beheer@Example.nl (stelselbeheerder)" in result.stdout
    user = await db.scalar(select(User).where(User.email == "beheer@example.nl"))
    assert user is not None
    assert user.display_name == "Beheer"
    event = await db.scalar(select(AuditEvent).where(AuditEvent.entity_id == str(user.id)))
    assert event is not None
    assert event.actor_kind == "cli"


async def test_create_names_every_problem_in_one_line(settings: Settings) -> None:
    result = await invoke(
        settings,
        "user", "create", "--email", "geen-adres", "--role", "deelnemer-contact", "--password-stdin",
        stdin="kort\n",
    )  # fmt: skip
    assert result.exit_code == 1
    for name in ("email", "deelnemer", "password"):
        assert name in result.output
    assert "Traceback" not in result.output


async def test_list_shows_role_status_and_second_factor(
    settings: Settings, db: AsyncSession, clock: MovableClock
) -> None:
    await insert_user(db, clock, "auditor", email="a@example.nl")
    await insert_user(db, clock, "casemanager", email="b@example.nl", is_active=False)

    everyone = await invoke(settings, "user", "list")
    auditors = await invoke(settings, "user", "list", "--role", "auditor")

    assert everyone.exit_code == 0
    assert everyone.stdout.splitlines() == [
        "a@example.nl\tauditor\tactive\t-\tnever",
        "b@example.nl\tcasemanager\tdisabled\t-\tnever",
    ]
    assert auditors.stdout.splitlines() == ["a@example.nl\tauditor\tactive\t-\tnever"]


async def test_disable_and_enable(settings: Settings, db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock, "auditor")

    disabled = await invoke(settings, "user", "disable", "--email", user.email)
    assert disabled.exit_code == 0, disabled.output
    assert (await db.get(User, user.id, populate_existing=True)).is_active is False  # type: ignore[union-attr]

    enabled = await invoke(settings, "user", "enable", "--email", user.email)
    assert enabled.exit_code == 0
    assert (await db.get(User, user.id, populate_existing=True)).is_active is True  # type: ignore[union-attr]


async def test_the_last_admin_cannot_be_disabled(
    settings: Settings, db: AsyncSession, clock: MovableClock
) -> None:
    admin = await insert_user(db, clock, "stelselbeheerder")
    result = await invoke(settings, "user", "disable", "--email", admin.email)
    assert result.exit_code == 1
    assert "ten minste één actieve stelselbeheerder" in result.output
