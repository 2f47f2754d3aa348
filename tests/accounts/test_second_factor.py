"""The optional second factor: enrolment from the profile, the code step after the password."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services, totp
from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.errors import AccountLocked, LoginFailed
from registry.accounts.models import User
from registry.accounts.secretbox import SecretBox, totp_context
from registry.errors import ValidationFailed
from tests.accounts.conftest import SignIn
from tests.accounts.factories import PASSWORD, TOTP_BOX, insert_user, post_form, text_of
from tests.assertions import assert_sent_to_login
from tests.conftest import MovableClock

HOUR = timedelta(hours=1)


async def _enrol(db: AsyncSession, user: User, clock: MovableClock) -> str:
    secret = await services.start_totp_enrolment(db, user.id, clock, box=TOTP_BOX)
    await services.confirm_totp(db, user.id, totp.code_at(secret, clock.now()), clock, box=TOTP_BOX)
    clock.advance(seconds=30)  # the enrolment code's time step is used up
    return secret


async def test_a_user_enrols_from_the_profile_page(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    user = await sign_in("auditor")

    started = await post_form(client, "/profiel/tweestapsverificatie/starten")
    assert started.status_code == 303
    page = await client.get("/profiel/tweestapsverificatie")

    assert page.headers["cache-control"] == "no-store"
    assert 'src="data:image/svg+xml' in page.text
    uri = re.search(r"otpauth://totp/[^<\"]+", page.text)
    assert uri is not None
    assert "issuer=Stelselregister" in uri.group(0)
    secret = re.search(r"secret=([A-Z2-7]+)", uri.group(0))
    assert secret is not None
    assert "<script" not in page.text.split("</head>")[1]  # no inline scripts
    assert "style=" not in page.text

    wrong = await post_form(client, "/profiel/tweestapsverificatie", {"code": "000000"})
    assert wrong.status_code == 400
    assert "De code klopt niet" in text_of(wrong.text)

    code = totp.code_at(secret.group(1), clock.now())
    confirmed = await post_form(client, "/profiel/tweestapsverificatie", {"code": code})
    assert confirmed.status_code == 303
    refreshed = await db.get(User, user.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.totp_secret is not None
    assert secret.group(1) not in refreshed.totp_secret  # stored sealed, not as the secret itself
    assert TOTP_BOX.open(refreshed.totp_secret, totp_context(user.id)) == secret.group(1)
    assert refreshed.totp_pending_secret is None


async def test_with_a_second_factor_the_session_is_only_complete_after_the_code(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    secret = await _enrol(db, user, clock)

    after_password = await post_form(
        client, "/inloggen", {"email": user.email, "password": PASSWORD, "next": "/beheer/audit"}
    )
    assert after_password.status_code == 303
    assert after_password.headers["location"] == "/inloggen/verificatie?next=/beheer/audit"
    pending_token = after_password.cookies[SESSION_COOKIE]
    # Half logged in is not logged in.
    assert_sent_to_login(await client.get("/beheer", follow_redirects=False), "/beheer")
    assert (await client.get("/inloggen/verificatie")).status_code == 200

    done = await post_form(
        client, "/inloggen/verificatie", {"code": totp.code_at(secret, clock.now()), "next": "/beheer/audit"}
    )

    assert done.status_code == 303
    assert done.headers["location"] == "/beheer/audit"
    assert done.cookies[SESSION_COOKIE] != pending_token  # a new session id once complete
    assert await services.resolve_session(db, pending_token, clock.now()) is None
    assert (await client.get("/beheer")).status_code == 200


async def test_the_code_page_without_a_pending_login_goes_back_to_the_login(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/inloggen/verificatie", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen"


async def test_a_code_is_accepted_only_once(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    secret = await _enrol(db, user, clock)
    code = totp.code_at(secret, clock.now())

    first = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    await services.complete_second_factor(
        db, token=first.token, code=code, clock=clock, lifetime=HOUR, box=TOTP_BOX
    )

    second = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    with pytest.raises(LoginFailed, match="De code klopt niet"):
        await services.complete_second_factor(
            db, token=second.token, code=code, clock=clock, lifetime=HOUR, box=TOTP_BOX
        )


async def test_wrong_codes_count_towards_the_lock(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    secret = await _enrol(db, user, clock)
    pending = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    for _ in range(services.MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginFailed):
            await services.complete_second_factor(
                db, token=pending.token, code="000000", clock=clock, lifetime=HOUR, box=TOTP_BOX
            )
    with pytest.raises(AccountLocked):
        await services.complete_second_factor(
            db, token=pending.token, code="000000", clock=clock, lifetime=HOUR, box=TOTP_BOX
        )
    # The pending login is gone, and the right code does not help any more.
    with pytest.raises(LoginFailed, match="verlopen"):
        await services.complete_second_factor(
            db,
            token=pending.token,
            code=totp.code_at(secret, clock.now()),
            clock=clock,
            lifetime=HOUR,
            box=TOTP_BOX,
        )


async def test_a_pending_login_expires(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    secret = await _enrol(db, user, clock)
    pending = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    clock.advance(minutes=11)
    with pytest.raises(LoginFailed, match="verlopen"):
        await services.complete_second_factor(
            db,
            token=pending.token,
            code=totp.code_at(secret, clock.now()),
            clock=clock,
            lifetime=HOUR,
            box=TOTP_BOX,
        )


async def test_the_user_switches_the_second_factor_off_with_their_password(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    user = await sign_in("casemanager")
    await _enrol(db, user, clock)

    refused = await post_form(
        client, "/profiel/tweestapsverificatie/uitschakelen", {"currentPassword": "fout"}
    )
    assert refused.status_code == 400
    assert "Uw huidige wachtwoord klopt niet." in text_of(refused.text)

    done = await post_form(
        client, "/profiel/tweestapsverificatie/uitschakelen", {"currentPassword": PASSWORD}
    )
    assert done.status_code == 303
    refreshed = await db.get(User, user.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.totp_secret is None


async def test_confirming_without_starting_is_refused(db: AsyncSession, clock: MovableClock) -> None:
    user = await insert_user(db, clock)
    with pytest.raises(Exception, match="Start eerst"):
        await services.confirm_totp(db, user.id, "123456", clock, box=TOTP_BOX)
    await services.start_totp_enrolment(db, user.id, clock, box=TOTP_BOX)
    with pytest.raises(ValidationFailed):
        await services.confirm_totp(db, user.id, "12345x", clock, box=TOTP_BOX)


async def test_an_unknown_user_has_no_enrolment(db: AsyncSession) -> None:
    with pytest.raises(Exception, match="bestaat niet"):
        await services.totp_enrolment(db, uuid.uuid4(), box=TOTP_BOX)


async def test_the_secret_is_stored_sealed_also_while_waiting_for_confirmation(
    db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)

    secret = await services.start_totp_enrolment(db, user.id, clock, box=TOTP_BOX)
    pending = await db.get(User, user.id, populate_existing=True)
    assert pending is not None
    assert pending.totp_pending_secret is not None
    assert secret not in pending.totp_pending_secret
    assert pending.totp_pending_secret.startswith("aesgcm1:")
    assert len(pending.totp_pending_secret) <= 255  # the column's length

    await services.confirm_totp(db, user.id, totp.code_at(secret, clock.now()), clock, box=TOTP_BOX)
    enrolled = await db.get(User, user.id, populate_existing=True)
    assert enrolled is not None
    assert enrolled.totp_secret is not None
    assert secret not in enrolled.totp_secret
    # Bound to its account: the same sealed value does not open for another one.
    with pytest.raises(Exception, match="does not open"):
        TOTP_BOX.open(enrolled.totp_secret, totp_context(uuid.uuid4()))


async def test_a_secret_stored_in_plaintext_still_works_and_is_sealed_at_the_next_login(
    db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    legacy = totp.new_secret()
    user.totp_secret = legacy  # as stored before secrets were encrypted
    await db.commit()

    pending = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    outcome = await services.complete_second_factor(
        db,
        token=pending.token,
        code=totp.code_at(legacy, clock.now()),
        clock=clock,
        lifetime=HOUR,
        box=TOTP_BOX,
    )

    assert outcome.principal is not None
    refreshed = await db.get(User, user.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.totp_secret is not None
    assert refreshed.totp_secret != legacy
    assert TOTP_BOX.open(refreshed.totp_secret, totp_context(user.id)) == legacy


async def test_a_secret_sealed_under_another_secret_key_is_refused_with_advice(
    db: AsyncSession, clock: MovableClock
) -> None:
    user = await insert_user(db, clock)
    secret = await _enrol(db, user, clock)
    other_key = SecretBox("een heel andere geheime sleutel van de portal!!", "totp-secret")

    pending = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    with pytest.raises(LoginFailed, match="Vraag de stelselbeheerder"):
        await services.complete_second_factor(
            db,
            token=pending.token,
            code=totp.code_at(secret, clock.now()),
            clock=clock,
            lifetime=HOUR,
            box=other_key,
        )
