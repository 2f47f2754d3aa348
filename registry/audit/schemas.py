"""Audit trail schemas: the filter the browse screen and the exports share, and an event as read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec


class AuditFilter(msgspec.Struct, kw_only=True, frozen=True):
    """Which events to show: every field left empty means "any"; the dates are inclusive local days."""

    actor: str = ""  # part of the actor's name, or the actor's exact id
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def is_empty(self) -> bool:
        return self == AuditFilter()


class AuditEventRead(msgspec.Struct, kw_only=True):
    """One audit event as the screens and exports show it."""

    seq: int
    occurred_at: datetime
    actor_kind: str
    actor_id: str | None
    actor_name: str
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any]
    prev_hash: str
    hash: str


class FieldChange(msgspec.Struct, kw_only=True):
    """One field of an event's changes: its value before and after (``None`` when absent).

    ``paired`` is false for a change recorded as a plain value rather than ``{before, after}``;
    that value is in ``after``.
    """

    name: str
    before: Any
    after: Any
    paired: bool = True
