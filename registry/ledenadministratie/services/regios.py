"""The regio values that the filters of the deelnemer list and the dienstverleners page offer.

Finding every distinct regio walks an index; the answer changes only when the register does, so it
is kept per database and per head of the audit chain, whose hash changes with every write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditHead
from registry.ledenadministratie.models import Deelnemer, DeelnemerStatus
from registry.ledenadministratie.services.queries import houder_van

_cache: dict[tuple[str, str, str], list[str]] = {}
_MAX_ENTRIES = 64


async def _cached(session: AsyncSession, key: str, read: Callable[[], Awaitable[list[str]]]) -> list[str]:
    head = await session.scalar(select(AuditHead.hash).where(AuditHead.singleton == 1)) or ""
    full_key = (str(session.get_bind().engine.url), key, head)
    if full_key not in _cache:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[full_key] = await read()
    return _cache[full_key]


async def _distinct(session: AsyncSession, statement: Select[tuple[str | None]]) -> list[str]:
    return [regio for regio in await session.scalars(statement) if regio]


async def regio_keuzes(session: AsyncSession) -> list[str]:
    """Every regio a deelnemer names, alphabetically."""
    statement = (
        select(Deelnemer.regio).where(Deelnemer.regio.is_not(None)).distinct().order_by(Deelnemer.regio)
    )
    return await _cached(session, "deelnemers", lambda: _distinct(session, statement))


async def regios_van_houders(session: AsyncSession, rollen: tuple[str, ...], datum: date) -> list[str]:
    """Every regio of a deelnemer that is actief now and holds one of ``rollen`` on ``datum``,
    alphabetically."""
    statement = (
        select(Deelnemer.regio)
        .where(
            houder_van(rollen, datum),
            Deelnemer.regio.is_not(None),
            Deelnemer.status == DeelnemerStatus.ACTIEF.value,
        )
        .distinct()
        .order_by(Deelnemer.regio)
    )
    return await _cached(
        session, f"houders:{','.join(rollen)}:{datum.isoformat()}", lambda: _distinct(session, statement)
    )
