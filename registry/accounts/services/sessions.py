"""Logging in and out: throttling, the optional second factor, sessions, and password changes.

Password and TOTP checks run before the write transaction starts: argon2 is deliberately slow,
and the audit chain lock should not wait for it. Inside the transaction the user's counters are
read again, so concurrent attempts are counted one by one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import totp
from registry.accounts.errors import LOGIN_REFUSED, AccountLocked, LoginFailed
from registry.accounts.models import PasswordReset, User, UserSession
from registry.accounts.passwords import hash_password, verify_password
from registry.accounts.permissions import Principal
from registry.accounts.secretbox import SecretBox, UnreadableSecret, totp_context
from registry.accounts.services.users import (
    end_all_sessions,
    get_user_row,
    is_locked,
    normalise_email,
    password_params,
    principal_for_user,
)
from registry.accounts.tokens import new_token, token_hash
from registry.audit.services import Actor, WriteTransaction, audited_write
from registry.clock import Clock
from registry.errors import Conflict, InvalidParam, NotFound, ValidationFailed

logger = logging.getLogger("stelsel.accounts")
SelectT = TypeVar("SelectT", bound=Select[Any])


def _user_actor(user: User) -> Actor:
    return Actor("user", str(user.id), user.display_name)


def _fresh(statement: SelectT) -> SelectT:
    """Read the rows as they are in the database now, not as this session saw them before."""
    return statement.execution_options(populate_existing=True)


MAX_FAILED_LOGINS = 5
UNREADABLE_SECOND_FACTOR = (
    "Uw tweestapsverificatie kan niet worden gecontroleerd. Vraag de stelselbeheerder om uw "
    "tweestapsverificatie te resetten."
)
LOCK_DURATION = timedelta(minutes=15)
# A login waiting for its second factor is only good for finishing that step, and not for long.
PENDING_LOGIN_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """A started session: its cookie token, and whether the second factor is still to be given."""

    token: str
    user_id: uuid.UUID
    needs_second_factor: bool
    principal: Principal | None


def _add_session(
    session: AsyncSession,
    tx: WriteTransaction,
    user: User,
    *,
    lifetime: timedelta,
    ip_address: str | None,
    user_agent: str | None,
    second_factor_done: bool,
) -> tuple[str, UserSession]:
    token = new_token()
    record = UserSession(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=token_hash(token),
        expires_at=tx.now + lifetime,
        last_seen_at=tx.now,
        ip_address=(ip_address or "")[:64] or None,
        user_agent=(user_agent or "")[:300] or None,
        second_factor_done=second_factor_done,
    )
    session.add(record)
    if second_factor_done:
        tx.record(
            "sessie.gestart", "gebruiker", user.id, {"sessie": {"before": None, "after": str(record.id)}}
        )
    return token, record


async def start_session(
    session: AsyncSession,
    user: User,
    *,
    clock: Clock,
    lifetime: timedelta,
    ip_address: str | None = None,
    user_agent: str | None = None,
    second_factor_done: bool = True,
) -> str:
    """Open a server-side session for a user whose credentials were checked; returns the cookie token."""
    async with audited_write(session, _user_actor(user), clock) as tx:
        token, _ = _add_session(
            session,
            tx,
            user,
            lifetime=lifetime,
            ip_address=ip_address,
            user_agent=user_agent,
            second_factor_done=second_factor_done,
        )
    return token


def _count_failure(tx: WriteTransaction, user: User, reason: str) -> None:
    """One more failed attempt; the fifth locks the account for :data:`LOCK_DURATION`."""
    if user.locked_until is not None and user.locked_until <= tx.now:
        # The previous lock has run out: counting starts again.
        user.failed_logins, user.locked_until = 0, None
    before = user.failed_logins
    user.failed_logins = before + 1
    tx.record(
        "inloggen.mislukt",
        "gebruiker",
        user.id,
        {
            "failed_logins": {"before": before, "after": user.failed_logins},
            "reden": {"before": None, "after": reason},
        },
    )
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = tx.now + LOCK_DURATION
        tx.record(
            "gebruiker.geblokkeerd",
            "gebruiker",
            user.id,
            {"locked_until": {"before": None, "after": user.locked_until}},
        )


async def delete_expired_sessions(session: AsyncSession, now: datetime) -> int:
    """Delete every session that has ended (``expires_at`` passed), logins that never got their second
    factor included; returns how many. Housekeeping: an expired session is refused anyway."""
    result = await session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_expired_sessions(session: AsyncSession, *, actor: Actor, clock: Clock) -> int:
    """Delete the expired sessions as an audited write (one ``sessie.opgeruimd`` event when any were)."""
    async with audited_write(session, actor, clock) as tx:
        purged = await delete_expired_sessions(session, tx.now)
        if purged:
            tx.record("sessie.opgeruimd", "sessie", "verlopen", {"sessies": {"before": purged, "after": 0}})
    return purged


async def _end_presented_session(session: AsyncSession, token: str | None) -> None:
    """A login replaces whatever session the browser brought along (no session fixation)."""
    if token:
        await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


async def log_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    clock: Clock,
    lifetime: timedelta,
    ip_address: str | None = None,
    user_agent: str | None = None,
    previous_token: str | None = None,
) -> LoginOutcome:
    """Check email and password and start a new session (a pending one when a second factor is on).

    Raises :class:`LoginFailed` for wrong credentials or an inactive account, and
    :class:`AccountLocked` while the account is locked, even when the password is right. Every
    failure on an existing account is counted and audited; the fifth in a row locks the account.
    An unknown address, a wrong password and a locked account give the user the same message.
    """
    email = normalise_email(email)
    user = await session.scalar(_fresh(select(User).where(User.email == email))) if email else None
    # Verified even for an unknown email, so a wrong email costs as much time as a wrong password.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        logger.info("login refused: unknown e-mail address")
        raise LoginFailed(LOGIN_REFUSED)
    refusal: LoginFailed | None = None
    outcome: LoginOutcome | None = None
    # Who knows the password is taken to be the user; anyone else is an anonymous attempt.
    actor = _user_actor(user) if password_ok else Actor.anonymous("inlogpoging")
    async with audited_write(session, actor, clock) as tx:
        await session.refresh(user)  # the counters as they are now, under the chain lock
        if is_locked(user, tx.now):
            assert user.locked_until is not None
            tx.record(
                "inloggen.mislukt", "gebruiker", user.id, {"reden": {"before": None, "after": "geblokkeerd"}}
            )
            logger.info("login refused: account locked")
            refusal = AccountLocked(user.locked_until, reveal=False)
        elif not password_ok:
            _count_failure(tx, user, "wachtwoord")
            locked = is_locked(user, tx.now) and user.locked_until is not None
            refusal = (
                AccountLocked(user.locked_until, reveal=False)
                if locked and user.locked_until is not None
                else LoginFailed(LOGIN_REFUSED)
            )
        elif not user.is_active:
            tx.record(
                "inloggen.mislukt", "gebruiker", user.id, {"reden": {"before": None, "after": "inactief"}}
            )
            refusal = LoginFailed("Dit account is uitgeschakeld. Neem contact op met de stelselbeheerder.")
        else:
            await _end_presented_session(session, previous_token)
            # Every successful login also clears away the sessions that have run out, so the table
            # holds live sessions only (``stelsel user purge-sessions`` does the same on demand).
            await delete_expired_sessions(session, tx.now)
            needs_second_factor = user.totp_secret is not None
            if not needs_second_factor:
                user.failed_logins, user.locked_until, user.last_login_at = 0, None, tx.now
            token, record = _add_session(
                session,
                tx,
                user,
                lifetime=PENDING_LOGIN_LIFETIME if needs_second_factor else lifetime,
                ip_address=ip_address,
                user_agent=user_agent,
                second_factor_done=not needs_second_factor,
            )
            outcome = LoginOutcome(
                token=token,
                user_id=user.id,
                needs_second_factor=needs_second_factor,
                principal=None if needs_second_factor else principal_for_user(user, record.id),
            )
    if refusal is not None:
        raise refusal
    assert outcome is not None
    return outcome


async def pending_login(session: AsyncSession, token: str | None, now: datetime) -> User | None:
    """The user of a session that still waits for its second factor, if the token is one."""
    if not token:
        return None
    record = await session.scalar(
        _fresh(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    )
    if record is None or record.second_factor_done or record.expires_at <= now or not record.user.is_active:
        return None
    return record.user


async def complete_second_factor(
    session: AsyncSession,
    *,
    token: str | None,
    code: str,
    clock: Clock,
    lifetime: timedelta,
    box: SecretBox,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> LoginOutcome:
    """Check the TOTP code of a pending login; on success the pending session is replaced by a new one.

    ``box`` opens the stored TOTP secret; a secret still stored in plaintext is sealed on success.
    """
    user = await pending_login(session, token, clock.now())
    if user is None or user.totp_secret is None or token is None:
        raise LoginFailed("Uw inlogpoging is verlopen. Log opnieuw in.")
    refusal: LoginFailed | None = None
    outcome: LoginOutcome | None = None
    # A pending login proves the password, so the attempt is the user's.
    async with audited_write(session, _user_actor(user), clock) as tx:
        await session.refresh(user)
        stored = user.totp_secret or ""
        try:
            secret = box.open(stored, totp_context(user.id))
        except UnreadableSecret:
            logger.error("second factor of user %s cannot be read with the current secret key", user.id)
            secret = None
        step = totp.matching_step(secret, code, tx.now, user.totp_last_step) if secret else None
        if secret is None:
            tx.record(
                "inloggen.mislukt",
                "gebruiker",
                user.id,
                {"reden": {"before": None, "after": "tweede factor onleesbaar"}},
            )
            await _end_presented_session(session, token)
            refusal = LoginFailed(UNREADABLE_SECOND_FACTOR)
        elif is_locked(user, tx.now):
            assert user.locked_until is not None
            await _end_presented_session(session, token)
            refusal = AccountLocked(user.locked_until)
        elif step is None:
            _count_failure(tx, user, "code")
            if is_locked(user, tx.now) and user.locked_until is not None:
                await _end_presented_session(session, token)
                refusal = AccountLocked(user.locked_until)
            else:
                refusal = LoginFailed("De code klopt niet. Gebruik de code die uw app nu toont.")
        else:
            await _end_presented_session(session, token)
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, tx.now
            user.totp_last_step = step
            if not box.is_sealed(stored):
                user.totp_secret = box.seal(secret, totp_context(user.id))
            new, record = _add_session(
                session,
                tx,
                user,
                lifetime=lifetime,
                ip_address=ip_address,
                user_agent=user_agent,
                second_factor_done=True,
            )
            outcome = LoginOutcome(
                token=new,
                user_id=user.id,
                needs_second_factor=False,
                principal=principal_for_user(user, record.id),
            )
    if refusal is not None:
        raise refusal
    assert outcome is not None
    return outcome


async def end_session(session: AsyncSession, token: str, clock: Clock) -> None:
    """Log out: the session row is removed, so the cookie is worthless even if kept."""
    record = await session.scalar(
        _fresh(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    )
    if record is None:
        return
    actor = Actor("user", str(record.user_id), record.user.display_name)
    async with audited_write(session, actor, clock) as tx:
        await session.execute(delete(UserSession).where(UserSession.id == record.id))
        if record.second_factor_done:
            tx.record(
                "sessie.beeindigd",
                "gebruiker",
                record.user_id,
                {"sessie": {"before": str(record.id), "after": None}},
            )


async def resolve_session(session: AsyncSession, token: str, now: datetime) -> Principal | None:
    """The user behind a session cookie, or ``None`` when it is unknown, expired or not completed."""
    record = await session.scalar(
        _fresh(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    )
    if record is None or record.expires_at <= now or not record.second_factor_done:
        return None
    if not record.user.is_active:
        return None
    return principal_for_user(record.user, record.id)


# --- passwords ------------------------------------------------------------------------------------


async def change_password(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    current_password: str,
    password: str,
    password_confirm: str,
    keep_session_id: uuid.UUID | None,
    clock: Clock,
) -> None:
    """A user changes their own password; their other sessions end."""
    user = await get_user_row(session, user_id)
    problems = []
    if not verify_password(user.password_hash, current_password):
        problems.append(InvalidParam("currentPassword", "Uw huidige wachtwoord klopt niet."))
    problems += password_params(password, password_confirm)
    if problems:
        raise ValidationFailed(problems)
    async with audited_write(session, _user_actor(user), clock) as tx:
        user = await get_user_row(session, user_id)
        user.password_hash, user.password_changed_at = hash_password(password), tx.now
        tx.record(
            "gebruiker.wachtwoord-gewijzigd",
            "gebruiker",
            user.id,
            {"password_changed_at": {"before": None, "after": tx.now}},
        )
        await end_all_sessions(session, tx, user, keep=keep_session_id)


async def _valid_reset(session: AsyncSession, token: str, now: datetime) -> PasswordReset:
    reset = await session.scalar(
        select(PasswordReset)
        .where(PasswordReset.token_hash == token_hash(token))
        .execution_options(populate_existing=True)
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now or not reset.user.is_active:
        raise NotFound(
            "Deze herstellink is ongeldig, al gebruikt of verlopen. "
            "Vraag de stelselbeheerder om een nieuwe link."
        )
    return reset


async def password_reset_email(session: AsyncSession, token: str, now: datetime) -> str:
    """The email address a valid reset token is for (raises :class:`NotFound` otherwise)."""
    return (await _valid_reset(session, token, now)).user.email


async def reset_password(
    session: AsyncSession, *, token: str, password: str, password_confirm: str, clock: Clock
) -> str:
    """Set a new password with a reset token; the token is used up, sessions end, a lock is lifted.

    Returns the user's email address (to fill in on the login page).
    """
    reset = await _valid_reset(session, token, clock.now())
    problems = password_params(password, password_confirm)
    if problems:
        raise ValidationFailed(problems)
    new_hash = hash_password(password)
    user = reset.user
    async with audited_write(session, _user_actor(user), clock) as tx:
        reset = await _valid_reset(session, token, tx.now)  # once, even when two requests race
        reset.used_at = tx.now
        user = await get_user_row(session, reset.user_id)
        user.password_hash, user.password_changed_at = new_hash, tx.now
        user.failed_logins, user.locked_until = 0, None
        tx.record(
            "gebruiker.wachtwoord-hersteld",
            "gebruiker",
            user.id,
            {"password_changed_at": {"before": None, "after": tx.now}},
        )
        await end_all_sessions(session, tx, user)
    return user.email


# --- second factor (TOTP) ---------------------------------------------------------------------------


async def start_totp_enrolment(
    session: AsyncSession, user_id: uuid.UUID, clock: Clock, *, box: SecretBox
) -> str:
    """Make a new secret for the user to scan (stored sealed by ``box``); it is used only after a
    code confirms it."""
    user = await get_user_row(session, user_id)
    if user.totp_secret is not None:
        raise Conflict("Tweestapsverificatie staat al aan.")
    async with audited_write(session, _user_actor(user), clock) as tx:
        user = await get_user_row(session, user_id)
        secret = totp.new_secret()
        user.totp_pending_secret = box.seal(secret, totp_context(user.id))
        tx.record("gebruiker.tweede-factor-gestart", "gebruiker", user.id, {})
    return secret


async def confirm_totp(
    session: AsyncSession, user_id: uuid.UUID, code: str, clock: Clock, *, box: SecretBox
) -> None:
    """Switch the second factor on once the user shows a code made from the new secret."""
    user = await get_user_row(session, user_id)
    pending = _pending_secret(user, box)
    if pending is None:
        raise Conflict("Start eerst het instellen van tweestapsverificatie.")
    step = totp.matching_step(pending, code, clock.now(), None)
    if step is None:
        raise ValidationFailed.single("code", "De code klopt niet. Vul de code in die uw app nu toont.")
    async with audited_write(session, _user_actor(user), clock) as tx:
        user = await get_user_row(session, user_id)
        sealed = box.seal(pending, totp_context(user.id))
        user.totp_secret, user.totp_pending_secret, user.totp_last_step = sealed, None, step
        tx.record(
            "gebruiker.tweede-factor-aangezet",
            "gebruiker",
            user.id,
            {"tweede_factor": {"before": False, "after": True}},
        )


async def disable_totp(
    session: AsyncSession, user_id: uuid.UUID, current_password: str, clock: Clock
) -> None:
    """The user switches their own second factor off, after typing their password."""
    user = await get_user_row(session, user_id)
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed.single("currentPassword", "Uw huidige wachtwoord klopt niet.")
    async with audited_write(session, _user_actor(user), clock) as tx:
        user = await get_user_row(session, user_id)
        was_on = user.totp_secret is not None
        user.totp_secret, user.totp_pending_secret, user.totp_last_step = None, None, None
        if was_on:
            tx.record(
                "gebruiker.tweede-factor-uitgezet",
                "gebruiker",
                user.id,
                {"tweede_factor": {"before": True, "after": False}},
            )


async def totp_enrolment(
    session: AsyncSession, user_id: uuid.UUID, *, box: SecretBox
) -> tuple[bool, str | None, str]:
    """Whether the second factor is on, the secret waiting for confirmation, and the account name."""
    user = await get_user_row(session, user_id)
    return user.totp_secret is not None, _pending_secret(user, box), user.email


def _pending_secret(user: User, box: SecretBox) -> str | None:
    """The secret waiting for confirmation; one that no longer opens counts as none (start again)."""
    if user.totp_pending_secret is None:
        return None
    try:
        return box.open(user.totp_pending_secret, totp_context(user.id))
    except UnreadableSecret:
        return None
