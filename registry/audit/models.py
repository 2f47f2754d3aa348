"""Audit trail tables.

``audit_event`` is append-only: no code path updates or deletes it, and on PostgreSQL a trigger
refuses UPDATE and DELETE. ``audit_head`` holds the last sequence number and hash; every write
transaction locks it first, which serialises writers so that the sequence is gap-free and in
commit order (the change feed and the lookup caches rely on that).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.types import JsonB
from advanced_alchemy.types.datetime import DateTimeUTC
from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One write: who did what to which entity, the changed fields, and the hash chain link."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JsonB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row that ends the chain; locked by every write transaction."""

    __tablename__ = "audit_head"

    singleton: Mapped[int] = mapped_column(Integer, unique=True, default=1)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(Text, default=GENESIS_HASH)
