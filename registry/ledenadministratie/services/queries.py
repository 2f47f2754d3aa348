"""Queries the ledenadministratie services share: finding a deelnemer, and the as-of conditions.

Every as-of condition is a range test on indexed columns: a period ``[van, tot)`` covers a point when
``van <= point`` and ``tot`` is ``NULL`` or after the point.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from registry.errors import NotFound, ValidationFailed
from registry.ledenadministratie.identifiers import InvalidIdentificatie, parse_identificatie
from registry.ledenadministratie.models import Deelnemer, DeelnemerIdentificatie, Rolvervulling, Statusperiode


def covers(
    van: InstrumentedAttribute[Any], tot: InstrumentedAttribute[Any], point: date | datetime
) -> ColumnElement[bool]:
    """The period ``[van, tot)`` contains ``point``."""
    return and_(van <= point, or_(tot.is_(None), tot > point))


def overlaps(
    van: InstrumentedAttribute[Any], tot: InstrumentedAttribute[Any], start: date, end: date | None
) -> ColumnElement[bool]:
    """The period ``[van, tot)`` shares at least one day with ``[start, end)``."""
    ends_after_start = or_(tot.is_(None), tot > start)
    return ends_after_start if end is None else and_(van < end, ends_after_start)


def houder_van(rollen: Sequence[str], datum: date) -> ColumnElement[bool]:
    """The deelnemer holds one of ``rollen`` on ``datum`` (a rolvervulling covers it)."""
    return Deelnemer.id.in_(
        select(Rolvervulling.deelnemer_id).where(
            Rolvervulling.rol_code.in_(rollen),
            covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, datum),
        )
    )


async def status_at(session: AsyncSession, deelnemer_id: uuid.UUID, moment: datetime) -> Statusperiode | None:
    """The deelnemer's status period at ``moment``; ``None`` before it was aangemeld."""
    periode: Statusperiode | None = await session.scalar(
        select(Statusperiode).where(
            Statusperiode.deelnemer_id == deelnemer_id,
            covers(Statusperiode.geldig_van, Statusperiode.geldig_tot, moment),
        )
    )
    return periode


async def open_statusperiode(session: AsyncSession, deelnemer_id: uuid.UUID) -> Statusperiode:
    periode = await session.scalar(
        select(Statusperiode).where(
            Statusperiode.deelnemer_id == deelnemer_id, Statusperiode.geldig_tot.is_(None)
        )
    )
    if periode is None:
        raise RuntimeError(f"deelnemer {deelnemer_id} has no current status period")
    return periode


async def get_deelnemer_by_id(session: AsyncSession, deelnemer_id: uuid.UUID) -> Deelnemer:
    deelnemer = await session.get(Deelnemer, deelnemer_id, populate_existing=True)
    if deelnemer is None:
        raise NotFound(f"Er is geen deelnemer met id {deelnemer_id}.")
    return deelnemer


async def find_deelnemer(session: AsyncSession, ref: str, field: str = "deelnemer") -> Deelnemer:
    """A deelnemer by its id or by one of its identificaties (``kvk:12345678``).

    An identificatie that breaks its rule is a :class:`ValidationFailed` naming ``field``; a
    well-formed reference that matches nobody is :class:`NotFound`.
    """
    text = ref.strip()
    try:
        return await get_deelnemer_by_id(session, uuid.UUID(text))
    except ValueError:
        pass
    if ":" not in text:
        raise ValidationFailed.single(
            field, f"'{text}' is geen deelnemer-id en geen identificatie; gebruik bijvoorbeeld kvk:12345678"
        )
    try:
        identificatie = parse_identificatie(text)
    except InvalidIdentificatie as exc:
        raise ValidationFailed.single(field, exc.message) from None
    deelnemer = await session.scalar(
        select(Deelnemer)
        .join(DeelnemerIdentificatie)
        .where(
            DeelnemerIdentificatie.soort == identificatie.soort.value,
            DeelnemerIdentificatie.waarde == identificatie.waarde,
        )
    )
    if deelnemer is None:
        raise NotFound(f"Er is geen deelnemer met {identificatie.soort.label} {identificatie.waarde}.")
    return deelnemer


async def holders_of(
    session: AsyncSession, keys: list[tuple[str, str]], exclude: uuid.UUID | None = None
) -> dict[tuple[str, str], Deelnemer]:
    """Which deelnemer already holds each ``(soort, waarde)``, leaving out ``exclude``.

    Asks by waarde alone, which the index on ``waarde`` answers on every database (SQLite scans the
    whole table for a ``(soort, waarde) IN (…)``), and keeps the matching soorten.
    """
    if not keys:
        return {}
    wanted = set(keys)
    statement = (
        select(DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde, Deelnemer)
        .join(Deelnemer)
        .where(DeelnemerIdentificatie.waarde.in_({waarde for _, waarde in wanted}))
    )
    if exclude is not None:
        statement = statement.where(DeelnemerIdentificatie.deelnemer_id != exclude)
    rows = await session.execute(statement)
    return {
        (soort, waarde): deelnemer for soort, waarde, deelnemer in rows.tuples() if (soort, waarde) in wanted
    }
