"""Password reset: a one-time link from the CLI or an admin, stored hashed, valid for one hour."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.errors import AccountLocked, LoginFailed
from registry.accounts.models import PasswordReset, UserSession
from registry.accounts.tokens import token_hash
from registry.audit.services import Actor
from registry.cli import main
from registry.errors import NotFound, ValidationFailed
from registry.settings import Settings
from tests.accounts.factories import PASSWORD, insert_user, post_form, text_of
from tests.conftest import MovableClock

NEW_PASSWORD = "een heel nieuw wachtwoord"
HOUR = timedelta(hours=1)


async def invoke(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    """Run ``stelsel`` in a thread (it starts its own event loop) against the test database."""
    return await asyncio.to_thread(
        CliRunner().invoke, main, list(args), obj={"settings": settings}, input=stdin
    )


async def test_the_cli_prints_a_one_time_link_and_stores_only_its_hash(
    settings: Settings, db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)

    result = await invoke(settings, "user", "reset-password", "--email", user.email.upper())

    assert result.exit_code == 0, result.output
    match = re.search(r"(http\S+)/wachtwoord-herstellen/(\S+)", result.stdout)
    assert match is not None
    assert match.group(1) == settings.base_url
    token = match.group(2)
    stored = (await db.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id))).all()
    assert [reset.token_hash for reset in stored] == [token_hash(token)]


async def test_the_cli_names_an_unknown_address(settings: Settings) -> None:
    result = await invoke(settings, "user", "reset-password", "--email", "niemand@example.nl")
    assert result.exit_code == 1
    assert "niemand@example.nl" in result.output
    assert "Traceback" not in result.output


async def test_the_link_sets_a_new_password_once(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    old_session = await services.start_session(db, user, clock=clock, lifetime=HOUR)
    token = await services.issue_password_reset(db, email=user.email, actor=Actor.cli("test"), clock=clock)

    form = await client.get(f"/wachtwoord-herstellen/{token}")
    assert form.status_code == 200
    assert user.email in form.text
    assert form.headers["cache-control"] == "no-store"

    mismatch = await post_form(
        client,
        f"/wachtwoord-herstellen/{token}",
        {"password": NEW_PASSWORD, "passwordConfirm": "iets anders"},
    )
    assert mismatch.status_code == 400
    assert "De twee wachtwoorden zijn niet gelijk." in text_of(mismatch.text)

    done = await post_form(
        client, f"/wachtwoord-herstellen/{token}", {"password": NEW_PASSWORD, "passwordConfirm": NEW_PASSWORD}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/inloggen"

    # The new password works, the old one does not, and sessions from before are gone.
    assert await services.log_in(db, email=user.email, password=NEW_PASSWORD, clock=clock, lifetime=HOUR)
    with pytest.raises(LoginFailed):
        await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    assert await services.resolve_session(db, old_session, clock.now()) is None

    again = await client.get(f"/wachtwoord-herstellen/{token}")
    assert again.status_code == 404
    assert "ongeldig, al gebruikt of verlopen" in text_of(again.text)


async def test_the_link_expires_after_an_hour(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    token = await services.issue_password_reset(db, email=user.email, actor=Actor.cli("test"), clock=clock)
    clock.advance(minutes=60, seconds=1)
    with pytest.raises(NotFound):
        await services.reset_password(
            db, token=token, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD, clock=clock
        )


async def test_a_new_link_replaces_the_previous_one(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    first = await services.issue_password_reset(db, email=user.email, actor=Actor.cli("test"), clock=clock)
    await services.issue_password_reset(db, email=user.email, actor=Actor.cli("test"), clock=clock)
    with pytest.raises(NotFound):
        await services.password_reset_email(db, first, clock.now())


async def test_a_short_password_is_refused(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    token = await services.issue_password_reset(db, email=user.email, actor=Actor.cli("test"), clock=clock)
    with pytest.raises(ValidationFailed) as refused:
        await services.reset_password(db, token=token, password="kort", password_confirm="kort", clock=clock)
    assert [param.name for param in refused.value.invalid_params] == ["password"]
    # The link still works after a refused attempt.
    assert await services.password_reset_email(db, token, clock.now()) == user.email


async def test_a_reset_lifts_a_lockout(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    for _ in range(services.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
    with pytest.raises(AccountLocked):
        await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)

    token = await services.issue_password_reset(db, email=user.email, actor=Actor.cli("test"), clock=clock)
    await services.reset_password(
        db, token=token, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD, clock=clock
    )

    assert await services.log_in(db, email=user.email, password=NEW_PASSWORD, clock=clock, lifetime=HOUR)


async def test_an_unknown_link_shows_a_readable_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/wachtwoord-herstellen/verzonnen")
    assert response.status_code == 404
    assert "Herstellink werkt niet" in response.text


async def test_changing_the_own_password_ends_the_other_sessions(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    elsewhere = await services.start_session(db, user, clock=clock, lifetime=HOUR)
    await post_form(client, "/inloggen", {"email": user.email, "password": PASSWORD})

    refused = await post_form(
        client,
        "/profiel/wachtwoord",
        {"currentPassword": "fout", "password": "kort", "passwordConfirm": "anders"},
    )
    assert refused.status_code == 400
    text = text_of(refused.text)
    for message in ("Uw huidige wachtwoord klopt niet.", "minstens 12 tekens", "niet gelijk"):
        assert message in text

    done = await post_form(
        client,
        "/profiel/wachtwoord",
        {"currentPassword": PASSWORD, "password": NEW_PASSWORD, "passwordConfirm": NEW_PASSWORD},
    )
    assert done.status_code == 303
    assert (await client.get("/profiel")).status_code == 200  # this session goes on
    assert await services.resolve_session(db, elsewhere, clock.now()) is None
    sessions = (await db.scalars(select(UserSession).where(UserSession.user_id == user.id))).all()
    assert len(sessions) == 1
