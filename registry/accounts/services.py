"""Account rules: creating users and API clients, logging in, and resolving sessions and tokens."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import ApiClient, User, UserSession
from registry.accounts.passwords import hash_password, password_problems
from registry.accounts.permissions import AccountRole, Principal, Scope
from registry.accounts.tokens import new_token, token_hash
from registry.audit.services import Actor, audited_write
from registry.clock import Clock
from registry.errors import Conflict, InvalidParam, ValidationFailed

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USER_FIELDS = ("email", "display_name", "role", "is_active", "deelnemer_id")


@dataclass(frozen=True, slots=True)
class NewApiClient:
    """A freshly made API client with its bearer token, which is shown only this once."""

    client: ApiClient
    bearer_token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_new_user(email: str, display_name: str, role: str, password: str) -> list[InvalidParam]:
    problems = []
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        problems.append(
            InvalidParam("email", "Vul een geldig e-mailadres in, bijvoorbeeld naam@organisatie.nl.")
        )
    if not display_name.strip() or len(display_name) > 200:
        problems.append(InvalidParam("displayName", "Vul een naam in van ten hoogste 200 tekens."))
    if role not in {r.value for r in AccountRole}:
        allowed = ", ".join(r.value for r in AccountRole)
        problems.append(InvalidParam("role", f"Onbekende rol {role!r}; kies uit {allowed}."))
    problems += [InvalidParam("password", reason) for reason in password_problems(password)]
    return problems


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
    problems = _check_new_user(email, display_name, role, password)
    if role == AccountRole.DEELNEMER_CONTACT and deelnemer_id is None:
        problems.append(
            InvalidParam("deelnemer", "Een contactpersoon van een deelnemer hoort bij één deelnemer.")
        )
    if problems:
        raise ValidationFailed(problems)
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
        )
        session.add(user)
        await session.flush()
        tx.record(
            "gebruiker.aangemaakt",
            "gebruiker",
            user.id,
            {name: {"before": None, "after": getattr(user, name)} for name in USER_FIELDS},
        )
    return user


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
    token = new_token()
    now = clock.now()
    async with audited_write(session, Actor("user", str(user.id), user.display_name), clock) as tx:
        record = UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=now + lifetime,
            last_seen_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300] or None,
            second_factor_done=second_factor_done,
        )
        session.add(record)
        await session.flush()
        tx.record(
            "sessie.gestart", "gebruiker", user.id, {"sessie": {"before": None, "after": str(record.id)}}
        )
    return token


async def end_session(session: AsyncSession, token: str, clock: Clock) -> None:
    """Log out: the session row is removed, so the cookie is worthless even if kept."""
    record = await session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if record is None:
        return
    actor = Actor("user", str(record.user_id), record.user.display_name)
    async with audited_write(session, actor, clock) as tx:
        await session.execute(delete(UserSession).where(UserSession.id == record.id))
        tx.record(
            "sessie.beeindigd",
            "gebruiker",
            record.user_id,
            {"sessie": {"before": str(record.id), "after": None}},
        )


def principal_for_user(user: User, session_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        kind="user",
        id=str(user.id),
        display_name=user.display_name,
        role=AccountRole(user.role),
        deelnemer_id=str(user.deelnemer_id) if user.deelnemer_id else None,
        session_id=str(session_id) if session_id else None,
    )


async def resolve_session(session: AsyncSession, token: str, now: datetime) -> Principal | None:
    """The user behind a session cookie, or ``None`` when it is unknown, expired or not completed."""
    record = await session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if record is None or record.expires_at <= now or not record.second_factor_done:
        return None
    if not record.user.is_active:
        return None
    return principal_for_user(record.user, record.id)


async def create_api_client(
    session: AsyncSession, *, name: str, scopes: list[str], actor: Actor, clock: Clock
) -> NewApiClient:
    """Register a machine caller; the returned bearer token is not stored and cannot be shown again."""
    problems = []
    if not name.strip() or len(name) > 200:
        problems.append(InvalidParam("name", "Vul een naam in van ten hoogste 200 tekens."))
    known = {scope.value for scope in Scope}
    unknown = [scope for scope in scopes if scope not in known]
    if unknown or not scopes:
        problems.append(
            InvalidParam(
                "scopes", f"Kies een of meer scopes uit {', '.join(sorted(known))}; onbekend: {unknown}"
            )
        )
    if problems:
        raise ValidationFailed(problems)
    client_id = "cl_" + new_token(9)
    secret = new_token(32)
    async with audited_write(session, actor, clock) as tx:
        client = ApiClient(
            client_id=client_id, name=name.strip(), secret_hash=token_hash(secret), scopes=sorted(scopes)
        )
        session.add(client)
        await session.flush()
        tx.record(
            "api-client.aangemaakt",
            "api-client",
            client.id,
            {
                "clientId": {"before": None, "after": client_id},
                "scopes": {"before": None, "after": client.scopes},
            },
        )
    return NewApiClient(client=client, bearer_token=f"{client_id}.{secret}")


async def resolve_api_client(session: AsyncSession, bearer_token: str) -> Principal | None:
    """The API client behind ``Authorization: Bearer <client_id>.<secret>``, if the token is right."""
    client_id, _, secret = bearer_token.partition(".")
    if not client_id or not secret:
        return None
    client = await session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None or not client.is_active or token_hash(secret) != client.secret_hash:
        return None
    return Principal(
        kind="api-client",
        id=client.client_id,
        display_name=client.name,
        scopes=frozenset(Scope(scope) for scope in client.scopes if scope in Scope.__members__.values()),
    )
