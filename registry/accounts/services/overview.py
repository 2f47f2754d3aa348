"""The numbers on the admin dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import ApiClient, User
from registry.accounts.schemas import AccountCounts
from registry.audit.models import AuditEvent, AuditHead


async def account_counts(session: AsyncSession, now: datetime) -> AccountCounts:
    async def count(*conditions: Any, model: Any = User) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)

    head = await session.scalar(select(AuditHead.seq).where(AuditHead.singleton == 1))
    last = await session.scalar(select(func.max(AuditEvent.occurred_at)))
    return AccountCounts(
        active_users=await count(User.is_active.is_(True)),
        inactive_users=await count(User.is_active.is_(False)),
        locked_users=await count(User.locked_until > now),
        active_api_clients=await count(ApiClient.is_active.is_(True), model=ApiClient),
        audit_events=int(head or 0),
        last_event_at=last,
    )
