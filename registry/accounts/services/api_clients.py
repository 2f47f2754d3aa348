"""API clients: machine callers of the JSON API with a bearer token and scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import ApiClient
from registry.accounts.permissions import Principal, Scope
from registry.accounts.schemas import ApiClientRead
from registry.accounts.tokens import new_token, same_hash, token_hash
from registry.audit.services import Actor, audited_write
from registry.clock import Clock
from registry.errors import InvalidParam, NotFound, ValidationFailed


@dataclass(frozen=True, slots=True)
class NewApiClient:
    """A freshly made API client with its bearer token, which is shown only this once."""

    client: ApiClient
    bearer_token: str


def client_read(client: ApiClient) -> ApiClientRead:
    return ApiClientRead(
        id=str(client.id),
        client_id=client.client_id,
        name=client.name,
        scopes=list(client.scopes),
        is_active=client.is_active,
        last_used_at=client.last_used_at,
        created_at=client.created_at,
    )


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
                "scopes",
                f"Kies een of meer scopes uit {', '.join(sorted(known))}; onbekend: {unknown}"
                if unknown
                else f"Kies een of meer scopes uit {', '.join(sorted(known))}.",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    client_id = "cl_" + new_token(9)
    secret = new_token(32)
    async with audited_write(session, actor, clock) as tx:
        client = ApiClient(
            client_id=client_id,
            name=name.strip(),
            secret_hash=token_hash(secret),
            scopes=sorted(set(scopes)),
            is_active=True,
        )
        session.add(client)
        await session.flush()
        tx.record(
            "api-client.aangemaakt",
            "api-client",
            client.id,
            {
                "clientId": {"before": None, "after": client_id},
                "name": {"before": None, "after": client.name},
                "scopes": {"before": None, "after": client.scopes},
            },
        )
    return NewApiClient(client=client, bearer_token=f"{client_id}.{secret}")


async def list_api_clients(session: AsyncSession) -> list[ApiClientRead]:
    rows = await session.scalars(select(ApiClient).order_by(ApiClient.is_active.desc(), ApiClient.name))
    return [client_read(client) for client in rows]


async def get_api_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClientRead:
    client = await session.get(ApiClient, client_id, populate_existing=True)
    if client is None:
        raise NotFound("Deze API-client bestaat niet.")
    return client_read(client)


async def deactivate_api_client(
    session: AsyncSession, client_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> ApiClientRead:
    """Stop accepting the client's bearer token, from the next request on."""
    async with audited_write(session, actor, clock) as tx:
        client = await session.get(ApiClient, client_id, populate_existing=True)
        if client is None:
            raise NotFound("Deze API-client bestaat niet.")
        if client.is_active:
            client.is_active = False
            tx.record(
                "api-client.gedeactiveerd",
                "api-client",
                client.id,
                {"is_active": {"before": True, "after": False}},
            )
    return client_read(client)


async def resolve_api_client(session: AsyncSession, bearer_token: str) -> Principal | None:
    """The API client behind ``Authorization: Bearer <client_id>.<secret>``, if the token is right."""
    client_id, _, secret = bearer_token.partition(".")
    if not client_id or not secret:
        return None
    client = await session.scalar(
        select(ApiClient).where(ApiClient.client_id == client_id).execution_options(populate_existing=True)
    )
    if client is None or not client.is_active or not same_hash(secret, client.secret_hash):
        return None
    return Principal(
        kind="api-client",
        id=client.client_id,
        display_name=client.name,
        scopes=frozenset(Scope(scope) for scope in client.scopes if scope in Scope.__members__.values()),
    )
