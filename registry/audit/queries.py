"""Reading the audit trail: filtered pages for the browse screen, one event, and streamed exports.

Exports stream the events in chain order (oldest first) without loading the trail into memory.
CSV cells that a spreadsheet would read as a formula (starting with ``= + - @``, tab or carriage
return) get a leading apostrophe, so opening an export never runs anything.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.schemas import AuditEventRead, AuditFilter, FieldChange
from registry.errors import NotFound

LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
EXPORT_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "changes",
    "prev_hash",
    "hash",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TIME).astimezone(UTC)


def _conditions(audit_filter: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if audit_filter.actor.strip():
        actor = audit_filter.actor.strip()
        conditions.append(
            or_(
                func.lower(AuditEvent.actor_name).contains(actor.lower(), autoescape=True),
                AuditEvent.actor_id == actor,
            )
        )
    if audit_filter.action.strip():
        conditions.append(AuditEvent.action == audit_filter.action.strip())
    if audit_filter.entity_type.strip():
        conditions.append(AuditEvent.entity_type == audit_filter.entity_type.strip())
    if audit_filter.entity_id.strip():
        conditions.append(AuditEvent.entity_id == audit_filter.entity_id.strip())
    if audit_filter.date_from is not None:
        conditions.append(AuditEvent.occurred_at >= _start_of_day(audit_filter.date_from))
    if audit_filter.date_to is not None:
        conditions.append(AuditEvent.occurred_at < _start_of_day(audit_filter.date_to + timedelta(days=1)))
    return conditions


def _filtered(audit_filter: AuditFilter) -> Select[tuple[AuditEvent]]:
    return select(AuditEvent).where(and_(True, *_conditions(audit_filter)))


def event_read(event: AuditEvent) -> AuditEventRead:
    return AuditEventRead(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_kind=event.actor_kind,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        changes=dict(event.changes or {}),
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


async def list_events(
    session: AsyncSession, audit_filter: AuditFilter, *, offset: int, limit: int
) -> tuple[list[AuditEventRead], int]:
    """One page of matching events, newest first, and the number of matches."""
    statement = _filtered(audit_filter)
    total = await session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = await session.scalars(statement.order_by(AuditEvent.seq.desc()).offset(offset).limit(limit))
    return [event_read(event) for event in rows], int(total)


async def get_event(session: AsyncSession, seq: int) -> AuditEventRead:
    event = await session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
    if event is None:
        raise NotFound(f"Er is geen auditgebeurtenis met volgnummer {seq}.")
    return event_read(event)


async def known_values(session: AsyncSession) -> tuple[list[str], list[str]]:
    """The actions and entity types that occur in the trail (for the filter's choice lists)."""
    actions = await session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = await session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type))
    return list(actions), list(types)


def field_changes(changes: dict[str, Any]) -> list[FieldChange]:
    """The changes of an event as rows of before → after, in field order."""
    rows = []
    for name in sorted(changes):
        value = changes[name]
        if isinstance(value, dict) and value and set(value) <= {"before", "after"}:
            rows.append(FieldChange(name=name, before=value.get("before"), after=value.get("after")))
        else:
            rows.append(FieldChange(name=name, before=None, after=value, paired=False))
    return rows


async def iter_events(session: AsyncSession, audit_filter: AuditFilter) -> AsyncIterator[AuditEventRead]:
    """Every matching event in chain order, fetched in batches."""
    result = await session.stream_scalars(
        _filtered(audit_filter).order_by(AuditEvent.seq).execution_options(yield_per=500)
    )
    async for event in result:
        yield event_read(event)


def _export_values(event: AuditEventRead) -> list[Any]:
    return [
        event.seq,
        event.occurred_at.isoformat(),
        event.actor_kind,
        event.actor_id,
        event.actor_name,
        event.action,
        event.entity_type,
        event.entity_id,
        event.changes,
        event.prev_hash,
        event.hash,
    ]


def neutralise_cell(value: str) -> str:
    """A cell a spreadsheet would evaluate as a formula gets a leading ``'``."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    cells = [
        neutralise_cell(
            json.dumps(value, ensure_ascii=False, sort_keys=True)
            if isinstance(value, dict | list)
            else ""
            if value is None
            else str(value)
        )
        for value in values
    ]
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_header() -> str:
    return _csv_line(EXPORT_COLUMNS)


def csv_line(event: AuditEventRead) -> str:
    return _csv_line(_export_values(event))


def json_line(event: AuditEventRead) -> str:
    """One event as a line of JSON (the JSON Lines format), with the same fields as the CSV."""
    record = dict(zip(EXPORT_COLUMNS, _export_values(event), strict=True))
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


async def export_lines(
    session: AsyncSession, audit_filter: AuditFilter, export_format: str
) -> AsyncIterator[str]:
    """The export as text lines: ``csv`` (with a header row) or ``jsonl``."""
    if export_format == "csv":
        yield csv_header()
    async for event in iter_events(session, audit_filter):
        yield csv_line(event) if export_format == "csv" else json_line(event)
