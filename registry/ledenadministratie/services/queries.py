"""Queries the ledenadministratie services share: finding a deelnemer, and the as-of conditions.

Every as-of condition is a range test on indexed columns: a period ``[van, tot)`` covers a point when
``van <= point`` and ``tot`` is ``NULL`` or after the point.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from registry.errors import NotFound, ValidationFailed
from registry.ledenadministratie.identifiers import InvalidIdentificatie, parse_identificatie
from registry.ledenadministratie.models import (
    Deelnemer,
    DeelnemerIdentificatie,
    Rolvervulling,
    Statusperiode,
    Zoekterm,
)
from registry.ledenadministratie.naam import fold


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


def houders(rollen: Sequence[str], datum: date) -> Select[tuple[uuid.UUID]]:
    """The ids of the deelnemers that hold one of ``rollen`` on ``datum`` (a rolvervulling covers it)."""
    return select(Rolvervulling.deelnemer_id).where(
        Rolvervulling.rol_code.in_(rollen),
        covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, datum),
    )


def houder_van(rollen: Sequence[str], datum: date) -> ColumnElement[bool]:
    """The deelnemer holds one of ``rollen`` on ``datum`` (a rolvervulling covers it)."""
    return Deelnemer.id.in_(houders(rollen, datum))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def begint_met(column: InstrumentedAttribute[str], prefix: str, dialect: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, in a form the dialect answers from its index.

    PostgreSQL uses ``LIKE 'prefix%'`` on a ``text_pattern_ops`` index; SQLite compares the range
    ``[prefix, prefix')`` where ``prefix'`` is the prefix with its last character incremented, which
    its (binary) index answers exactly.
    """
    if dialect == "postgresql":
        return column.like(_escape_like(prefix) + "%", escape="\\")
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def gezocht(text: str, dialect: str) -> Select[tuple[uuid.UUID]] | None:
    """The ids of the deelnemers a search text finds: the start of their name or of a word in it
    (diacritics and case do not matter), or the number of one of their identificaties; ``None`` when
    the text holds neither letters nor digits.

    One ``UNION`` of two index lookups (``deelnemer_zoekterm.term``, ``deelnemer_identificatie.waarde``),
    so that ``id IN (…)`` is a semi-join the database answers from those indexes and the primary key.
    Two ``IN``s joined by ``OR`` would make PostgreSQL test every deelnemer row against both.
    """
    folded = fold(text)
    nummer = text.partition(":")[2] if ":" in text else text
    number = "".join(teken for teken in nummer if teken.isalnum()).upper()
    parts: list[Select[tuple[uuid.UUID]]] = []
    if folded:
        parts.append(select(Zoekterm.deelnemer_id).where(begint_met(Zoekterm.term, folded, dialect)))
    if number:
        parts.append(
            select(DeelnemerIdentificatie.deelnemer_id).where(DeelnemerIdentificatie.waarde == number)
        )
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return select(union(*parts).subquery().c[0])


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
