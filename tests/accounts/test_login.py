"""Logging in and out: the session cookie, session fixation, safe redirects, throttling and lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.errors import LOGIN_REFUSED, AccountLocked, LoginFailed
from registry.accounts.models import User, UserSession
from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.settings import Settings
from tests.accounts.factories import PASSWORD, insert_user, post_form, text_of
from tests.assertions import assert_sent_to_login
from tests.conftest import MovableClock

HOUR = timedelta(hours=1)


async def _log_in(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return await post_form(client, "/inloggen", {"email": email, "password": password, **extra})


async def _actions(db: AsyncSession, user: User) -> list[str]:
    rows = await db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(user.id)).order_by(AuditEvent.seq)
    )
    return list(rows)


async def test_the_login_page_has_a_form_with_a_csrf_field(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/inloggen")
    assert response.status_code == 200
    assert 'name="_csrf_token"' in response.text
    assert 'name="email"' in response.text
    assert 'name="password"' in response.text


async def test_a_right_password_starts_a_session_with_a_safe_cookie(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock, "stelselbeheerder")
    response = await _log_in(client, user.email.upper())

    assert response.status_code == 303
    assert response.headers["location"] == "/beheer"
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test settings use http
    assert "Path=/" in cookie
    assert (await client.get("/beheer")).status_code == 200


async def test_the_cookie_is_secure_when_the_settings_say_so(
    settings: Settings, db: AsyncSession, clock: MovableClock
) -> None:
    from dataclasses import replace

    from registry.app import create_app

    user = await insert_user(db, clock)
    app = create_app(replace(settings, secure_cookies=True), clock=clock)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as secure_client:
        response = await _log_in(secure_client, user.email)
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE)
    )
    assert "Secure" in cookie


async def test_every_login_gets_a_new_session_and_ends_the_one_the_browser_brought(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    # An attacker plants a session id of their own in the victim's browser …
    planted = await services.start_session(db, user, clock=clock, lifetime=HOUR)
    client.cookies.set(SESSION_COOKIE, planted)

    response = await _log_in(client, user.email)

    fresh = response.cookies.get(SESSION_COOKIE)
    assert fresh
    assert fresh != planted
    # … which is worthless after the login.
    assert await services.resolve_session(db, planted, clock.now()) is None
    assert await services.resolve_session(db, fresh, clock.now()) is not None


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/beheer/audit?actie=x", "/beheer/audit?actie=x"),
        ("https://evil.example/", "/beheer"),
        ("//evil.example/", "/beheer"),
        ("/\\evil.example", "/beheer"),
        ("javascript:alert(1)", "/beheer"),
        ("beheer", "/beheer"),
    ],
)
async def test_after_login_only_a_local_next_url_is_followed(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock, next_url: str, expected: str
) -> None:
    user = await insert_user(db, clock)
    response = await _log_in(client, user.email, next=next_url)
    assert response.headers["location"] == expected


async def test_a_user_without_admin_screens_lands_on_their_profile_or_organisation(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock, "deelnemer-contact")
    response = await _log_in(client, user.email)
    assert response.headers["location"] in {"/profiel", "/mijn-organisatie"}


async def test_a_wrong_password_is_refused_with_a_vague_message(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    wrong = await _log_in(client, user.email, "niet het goede wachtwoord")
    unknown = await _log_in(client, "niemand@example.nl", "niet het goede wachtwoord")

    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "Het e-mailadres of het wachtwoord klopt niet." in text_of(response.text)
        assert SESSION_COOKIE not in response.cookies
    assert 'value="' + user.email + '"' in wrong.text  # the e-mail address stays filled in


async def test_five_failures_lock_the_account_for_fifteen_minutes(
    db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    for _ in range(services.MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginFailed) as refused:
            await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
        assert not isinstance(refused.value, AccountLocked)

    with pytest.raises(AccountLocked) as locked:
        await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
    assert locked.value.detail == LOGIN_REFUSED  # as for an unknown address: existence is not told
    assert locked.value.locked_until == clock.now() + timedelta(minutes=15)

    # A locked account stays locked: the right password is refused too, until the lock ends.
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(AccountLocked):
        await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)

    clock.advance(seconds=2)
    outcome = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    assert outcome.principal is not None
    refreshed = await db.get(User, user.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.failed_logins == 0
    assert refreshed.locked_until is None


async def test_after_a_lock_runs_out_counting_starts_again(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    for _ in range(services.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
    clock.advance(minutes=16)
    with pytest.raises(LoginFailed) as refused:
        await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
    assert not isinstance(refused.value, AccountLocked)


async def test_a_locked_account_and_an_unknown_address_get_the_same_answer(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    unknown = "niemand@example.nl"
    for _ in range(services.MAX_FAILED_LOGINS):
        await _log_in(client, user.email, "fout")
        await _log_in(client, unknown, "fout")

    locked = await _log_in(client, user.email, PASSWORD)
    missing = await _log_in(client, unknown, PASSWORD)

    assert locked.status_code == missing.status_code == 400
    assert SESSION_COOKIE not in locked.cookies
    assert "Na vijf mislukte pogingen" in text_of(locked.text)
    assert "geblokkeerd" not in text_of(locked.text)
    same = text_of(locked.text).replace(user.email, "ADRES")
    assert same == text_of(missing.text).replace(unknown, "ADRES")
    # the audit trail still tells them apart
    assert "inloggen.mislukt" in await _actions(db, user)


async def test_failures_and_lockouts_are_in_the_audit_trail(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    for _ in range(services.MAX_FAILED_LOGINS + 1):
        with pytest.raises(LoginFailed):
            await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)

    actions = await _actions(db, user)
    assert actions.count("inloggen.mislukt") == services.MAX_FAILED_LOGINS + 1
    assert actions.count("gebruiker.geblokkeerd") == 1
    assert (await verify_chain(db)).ok


async def test_a_disabled_account_cannot_log_in(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock, is_active=False)
    with pytest.raises(LoginFailed, match="uitgeschakeld"):
        await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)


async def test_logout_ends_the_session(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    token = (await _log_in(client, user.email)).cookies[SESSION_COOKIE]

    response = await post_form(client, "/uitloggen")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert await db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    # Replaying the old cookie gets nowhere.
    client.cookies.set(SESSION_COOKIE, token)
    assert_sent_to_login(await client.get("/beheer", follow_redirects=False), "/beheer")
    assert "sessie.beeindigd" in await _actions(db, user)


async def test_an_expired_session_is_not_honoured(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock, settings: Settings
) -> None:
    user = await insert_user(db, clock)
    await _log_in(client, user.email)
    clock.advance(hours=settings.session_hours, seconds=1)
    assert_sent_to_login(await client.get("/beheer", follow_redirects=False), "/beheer")


async def test_a_login_is_recorded_as_the_user_and_a_guess_as_anonymous(
    db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    with pytest.raises(LoginFailed):
        await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
    await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)

    rows = (
        await db.execute(
            select(AuditEvent.action, AuditEvent.actor_kind, AuditEvent.actor_id)
            .where(AuditEvent.action.in_(["inloggen.mislukt", "sessie.gestart"]))
            .order_by(AuditEvent.seq)
        )
    ).all()
    assert [tuple(row) for row in rows] == [
        ("inloggen.mislukt", "anonymous", None),
        ("sessie.gestart", "user", str(user.id)),
    ]
