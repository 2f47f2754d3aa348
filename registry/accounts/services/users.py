"""Portal users: creating, listing and changing accounts, and the rules that keep an admin around."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import PasswordReset, User, UserSession
from registry.accounts.passwords import hash_password, password_problems
from registry.accounts.permissions import AccountRole, Principal
from registry.accounts.schemas import UserRead
from registry.accounts.tokens import new_token, token_hash
from registry.audit.services import Actor, WriteTransaction, audited_write, changes_between, snapshot
from registry.clock import Clock
from registry.errors import Conflict, InvalidParam, NotFound, ValidationFailed

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USER_FIELDS = ("email", "display_name", "role", "is_active", "deelnemer_id")
PASSWORD_RESET_LIFETIME = timedelta(hours=1)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def actor_for(principal: Principal) -> Actor:
    """The audit actor of a logged-in user or API client."""
    return Actor("user" if principal.kind == "user" else "api-client", principal.id, principal.display_name)


def principal_for_user(user: User, session_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        kind="user",
        id=str(user.id),
        display_name=user.display_name,
        role=AccountRole(user.role),
        deelnemer_id=str(user.deelnemer_id) if user.deelnemer_id else None,
        session_id=str(session_id) if session_id else None,
    )


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def user_read(user: User, now: datetime) -> UserRead:
    return UserRead(
        id=str(user.id),
        email=user.email,
        display_name=user.display_name,
        role=AccountRole(user.role),
        is_active=user.is_active,
        deelnemer_id=str(user.deelnemer_id) if user.deelnemer_id else None,
        failed_logins=user.failed_logins,
        locked_until=user.locked_until if is_locked(user, now) else None,
        is_locked=is_locked(user, now),
        has_second_factor=user.totp_secret is not None,
        last_login_at=user.last_login_at,
        password_changed_at=user.password_changed_at,
        created_at=user.created_at,
    )


def password_params(password: str, confirm: str | None = None, name: str = "password") -> list[InvalidParam]:
    problems = [InvalidParam(name, reason) for reason in password_problems(password)]
    if confirm is not None and password != confirm:
        problems.append(InvalidParam("passwordConfirm", "De twee wachtwoorden zijn niet gelijk."))
    return problems


# --- users ----------------------------------------------------------------------------------------


def _check_user_fields(
    *, email: str | None, display_name: str, role: str, deelnemer_id: uuid.UUID | None
) -> list[InvalidParam]:
    problems = []
    if email is not None and (not EMAIL_PATTERN.match(email) or len(email) > 254):
        problems.append(
            InvalidParam("email", "Vul een geldig e-mailadres in, bijvoorbeeld naam@organisatie.nl.")
        )
    if not display_name.strip() or len(display_name) > 200:
        problems.append(InvalidParam("displayName", "Vul een naam in van ten hoogste 200 tekens."))
    if not role.strip():
        problems.append(InvalidParam("role", "Kies een rol.", code="required"))
    elif role not in {r.value for r in AccountRole}:
        allowed = ", ".join(r.label for r in AccountRole)
        problems.append(InvalidParam("role", f"Deze rol bestaat niet. Kies een rol: {allowed}."))
    if role == AccountRole.DEELNEMER_CONTACT and deelnemer_id is None:
        problems.append(
            InvalidParam("deelnemer", "Een contactpersoon van een deelnemer hoort bij één deelnemer.")
        )
    return problems


def parse_deelnemer_id(raw: str) -> uuid.UUID | None:
    """The deelnemer id typed in a form: empty is ``None``; anything but a UUID is refused."""
    if not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ValidationFailed.single(
            "deelnemer", "Vul het id van de deelnemer in (een UUID, te vinden bij Deelnemers)."
        ) from None


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str,
    actor: Actor,
    clock: Clock,
    deelnemer_id: uuid.UUID | None = None,
) -> User:
    """Add a portal user; the email is unique (case-insensitive) and the password meets the rules."""
    email = normalise_email(email)
    problems = _check_user_fields(
        email=email, display_name=display_name, role=role, deelnemer_id=deelnemer_id
    )
    problems += password_params(password)
    if problems:
        raise ValidationFailed(problems)
    if role != AccountRole.DEELNEMER_CONTACT:
        deelnemer_id = None
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"Er bestaat al een gebruiker met e-mailadres {email}.")
    async with audited_write(session, actor, clock) as tx:
        user = User(
            email=email,
            display_name=display_name.strip(),
            role=role,
            password_hash=hash_password(password),
            deelnemer_id=deelnemer_id,
            password_changed_at=tx.now,
            failed_logins=0,
            is_active=True,
        )
        session.add(user)
        await session.flush()
        tx.record(
            "gebruiker.aangemaakt", "gebruiker", user.id, changes_between({}, snapshot(user, USER_FIELDS))
        )
    return user


async def invite_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    role: str,
    actor: Actor,
    clock: Clock,
    deelnemer_id: uuid.UUID | None = None,
) -> tuple[User, str]:
    """Create a user without a known password, and a one-time link with which they set their own."""
    user = await create_user(
        session,
        email=email,
        display_name=display_name,
        role=role,
        # Nobody knows this password; the user chooses one through the reset link.
        password=new_token(32),
        deelnemer_id=deelnemer_id,
        actor=actor,
        clock=clock,
    )
    return user, await issue_password_reset(session, email=user.email, actor=actor, clock=clock)


async def issue_password_reset(
    session: AsyncSession,
    *,
    email: str,
    actor: Actor,
    clock: Clock,
    lifetime: timedelta = PASSWORD_RESET_LIFETIME,
) -> str:
    """A one-time token to set a new password; it replaces any earlier unused token of the user."""
    user = await find_user_by_email(session, email)
    token = new_token()
    async with audited_write(session, actor, clock) as tx:
        await session.execute(
            delete(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        )
        reset = PasswordReset(user_id=user.id, token_hash=token_hash(token), expires_at=tx.now + lifetime)
        session.add(reset)
        tx.record(
            "gebruiker.herstellink-aangemaakt",
            "gebruiker",
            user.id,
            {"herstellink_geldig_tot": {"before": None, "after": reset.expires_at}},
        )
    return token


USER_SORTS: dict[str, Any] = {
    "email": User.email,
    "naam": User.display_name,
    "rol": User.role,
    "actief": User.is_active,
    "laatstIngelogd": User.last_login_at,
    "aangemaakt": User.created_at,
}


async def list_users(
    session: AsyncSession,
    *,
    now: datetime,
    offset: int,
    limit: int,
    sort: str = "email",
    order: Literal["asc", "desc"] = "asc",
    search: str = "",
) -> tuple[list[UserRead], int]:
    """One page of users, sorted by one of :data:`USER_SORTS`, optionally filtered by email or name."""
    statement: Select[tuple[User]] = select(User)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        statement = statement.where(
            func.lower(User.email).like(pattern) | func.lower(User.display_name).like(pattern)
        )
    total = await session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    column = USER_SORTS.get(sort, User.email)
    ordering = column.desc() if order == "desc" else column.asc()
    rows = await session.scalars(statement.order_by(ordering, User.email).offset(offset).limit(limit))
    return [user_read(user, now) for user in rows], total


async def get_user_row(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> UserRead:
    return user_read(await get_user_row(session, user_id), now)


async def _check_keeps_an_admin(session: AsyncSession, user: User) -> None:
    """Refuse a change that would leave no active stelselbeheerder (nobody could manage users)."""
    others = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == AccountRole.STELSELBEHEERDER, User.is_active.is_(True), User.id != user.id)
    )
    if user.role == AccountRole.STELSELBEHEERDER and user.is_active and not others:
        raise Conflict("Er moet ten minste één actieve stelselbeheerder overblijven.")


async def update_user(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    display_name: str,
    role: str,
    deelnemer_id: uuid.UUID | None,
    actor: Actor,
    clock: Clock,
) -> UserRead:
    """Change a user's name, account role or deelnemer. Nobody changes their own role."""
    problems = _check_user_fields(email=None, display_name=display_name, role=role, deelnemer_id=deelnemer_id)
    if problems:
        raise ValidationFailed(problems)
    if role != AccountRole.DEELNEMER_CONTACT:
        deelnemer_id = None
    async with audited_write(session, actor, clock) as tx:
        user = await get_user_row(session, user_id)
        if role != user.role:
            if actor.id == str(user.id):
                raise Conflict("U kunt uw eigen rol niet wijzigen; vraag een andere stelselbeheerder.")
            await _check_keeps_an_admin(session, user)
        before = snapshot(user, USER_FIELDS)
        user.display_name, user.role, user.deelnemer_id = display_name.strip(), role, deelnemer_id
        changes = changes_between(before, snapshot(user, USER_FIELDS))
        if changes:
            tx.record("gebruiker.gewijzigd", "gebruiker", user.id, changes)
        if "role" in changes or "deelnemer_id" in changes:
            # What a session may do follows from the role; a new role starts with a new login.
            await end_all_sessions(session, tx, user)
    return user_read(user, tx.now)


async def end_all_sessions(
    session: AsyncSession, tx: WriteTransaction, user: User, *, keep: uuid.UUID | None = None
) -> None:
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    result = await session.execute(statement)
    ended = int(getattr(result, "rowcount", 0) or 0)
    if ended:
        tx.record("sessie.beeindigd", "gebruiker", user.id, {"sessies": {"before": ended, "after": 0}})


async def set_user_active(
    session: AsyncSession, user_id: uuid.UUID, active: bool, *, actor: Actor, clock: Clock
) -> UserRead:
    """Switch an account on or off; switching off ends its sessions at once."""
    async with audited_write(session, actor, clock) as tx:
        user = await get_user_row(session, user_id)
        if user.is_active == active:
            return user_read(user, tx.now)
        if not active:
            if actor.id == str(user.id):
                raise Conflict("U kunt uw eigen account niet uitschakelen.")
            await _check_keeps_an_admin(session, user)
        user.is_active = active
        tx.record(
            "gebruiker.geactiveerd" if active else "gebruiker.gedeactiveerd",
            "gebruiker",
            user.id,
            {"is_active": {"before": not active, "after": active}},
        )
        if not active:
            await end_all_sessions(session, tx, user)
    return user_read(user, tx.now)


async def unlock_user(session: AsyncSession, user_id: uuid.UUID, *, actor: Actor, clock: Clock) -> UserRead:
    """Lift a lockout and forget the failed attempts."""
    async with audited_write(session, actor, clock) as tx:
        user = await get_user_row(session, user_id)
        before = snapshot(user, ("failed_logins", "locked_until"))
        user.failed_logins, user.locked_until = 0, None
        changes = changes_between(before, snapshot(user, ("failed_logins", "locked_until")))
        if changes:
            tx.record("gebruiker.ontgrendeld", "gebruiker", user.id, changes)
    return user_read(user, tx.now)


async def reset_second_factor(
    session: AsyncSession, user_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> UserRead:
    """Switch off a user's second factor (lost phone); they may enrol again from their profile."""
    async with audited_write(session, actor, clock) as tx:
        user = await get_user_row(session, user_id)
        was_on = user.totp_secret is not None
        user.totp_secret, user.totp_pending_secret, user.totp_last_step = None, None, None
        if was_on:
            tx.record(
                "gebruiker.tweede-factor-gereset",
                "gebruiker",
                user.id,
                {"tweede_factor": {"before": True, "after": False}},
            )
    return user_read(user, tx.now)


async def find_user_by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(
        select(User).where(User.email == normalise_email(email)).execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound(f"Er is geen gebruiker met e-mailadres {normalise_email(email)}.")
    return user
