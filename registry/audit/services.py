"""Appending to and verifying the audit trail.

Every write in the system runs inside :func:`audited_write`: it locks the chain head, lets the
caller change the database and :meth:`WriteTransaction.record` what it did, then appends the events
with their hash links and commits everything in one transaction. Either the change and its audit
events are both stored, or neither is.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from registry.bulk import OrderedIds, Tabelschrijver
from registry.clock import Clock, SystemClock

ActorKind = Literal["user", "api-client", "cli", "system", "anonymous"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who causes a write: a logged-in user, an API client, the command line or the system."""

    kind: ActorKind
    id: str | None
    name: str

    @classmethod
    def cli(cls, name: str = "stelsel-cli") -> Actor:
        return cls(kind="cli", id=None, name=name)

    @classmethod
    def system(cls, name: str = "systeem") -> Actor:
        return cls(kind="system", id=None, name=name)

    @classmethod
    def anonymous(cls, name: str = "anoniem") -> Actor:
        return cls(kind="anonymous", id=None, name=name)


_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def to_jsonable(value: Any) -> Any:
    """Turn a column value into something JSON keeps exactly (for change records and hashes)."""
    # The common shapes first, by exact type: a record of many events spends most time here.
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if kind is dict:
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if kind is list:
        return [to_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    return str(value)


def snapshot(entity: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of an entity as JSON values, for a before/after comparison."""
    return {name: to_jsonable(getattr(entity, name)) for name in fields}


def changes_between(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """``{field: {"before": x, "after": y}}`` for every field whose value differs."""
    before = before or {}
    after = after or {}
    changed: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = to_jsonable(before.get(name)), to_jsonable(after.get(name))
        if old != new:
            changed[name] = {"before": old, "after": new}
    return changed


def event_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor_kind: str,
    actor_id: str | None,
    actor_name: str,
    action: str,
    entity_type: str,
    entity_id: str,
    changes: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of an event and the previous event's hash."""
    canonical = json.dumps(
        {
            "seq": seq,
            "occurred_at": occurred_at.isoformat(timespec="microseconds"),
            "actor": [actor_kind, actor_id, actor_name],
            "action": action,
            "entity": [entity_type, entity_id],
            "changes": changes,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class _PendingEvent:
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any]


@dataclass(slots=True)
class WriteTransaction:
    """Handed to the body of :func:`audited_write`; collects the audit events of the change.

    ``seq`` and ``prev_hash`` are the end of the chain as this transaction has extended it so far.
    """

    session: AsyncSession
    actor: Actor
    now: datetime
    seq: int = 0
    prev_hash: str = GENESIS_HASH
    pending: list[_PendingEvent] = field(default_factory=list)
    appended: list[AuditEvent] = field(default_factory=list)

    def record(
        self,
        action: str,
        entity_type: str,
        entity_id: object,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        """Note one change; it is appended to the trail when the transaction commits."""
        self.pending.append(
            _PendingEvent(
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                changes=to_jsonable(dict(changes or {})),
            )
        )

    async def append_recorded(self) -> None:
        """Append the events recorded so far to the chain now, in one statement, not at commit.

        A long write (an import of many deelnemers) calls this between batches, so that its events
        need not all wait in memory. They stay part of this transaction: committed or rolled back
        with it. The chain head is locked for the whole transaction, so the sequence stays
        gap-free and in commit order.
        """
        rows = list(self.chain_pending())
        if not rows:
            return
        table = Tabelschrijver(AuditEvent, self.session.bind.dialect)
        stamps = {
            "created_at": table.convert("created_at", self.now),
            "updated_at": table.convert("updated_at", self.now),
        }
        ids, id_of = OrderedIds(), table.uuid_converter("id")
        for row in rows:
            table.add(row, {"id": id_of(ids.take()), **stamps})
        await table.flush(self.session)

    def chain_pending(self) -> Iterator[dict[str, Any]]:
        """The column values of each pending event, hash-linked onto the chain; empties ``pending``."""
        actor = self.actor
        for pending in self.pending:
            self.seq += 1
            digest = event_hash(
                seq=self.seq,
                occurred_at=self.now,
                actor_kind=actor.kind,
                actor_id=actor.id,
                actor_name=actor.name,
                action=pending.action,
                entity_type=pending.entity_type,
                entity_id=pending.entity_id,
                changes=pending.changes,
                prev_hash=self.prev_hash,
            )
            yield {
                "seq": self.seq,
                "occurred_at": self.now,
                "actor_kind": actor.kind,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": pending.action,
                "entity_type": pending.entity_type,
                "entity_id": pending.entity_id,
                "changes": pending.changes,
                "prev_hash": self.prev_hash,
                "hash": digest,
            }
            self.prev_hash = digest
        self.pending = []

    @property
    def last_seq(self) -> int:
        """The sequence number of the last event appended (valid after the block has ended)."""
        return self.seq


async def _lock_head(session: AsyncSession) -> AuditHead:
    if session.bind.dialect.name == "sqlite":
        # SQLite has no SELECT ... FOR UPDATE: a write as the transaction's first statement takes
        # the database's write lock (queued by busy_timeout) before anything is read.
        await session.execute(update(AuditHead).where(AuditHead.singleton == 1).values(seq=AuditHead.seq))
        head = await session.scalar(select(AuditHead).where(AuditHead.singleton == 1))
    else:
        head = await session.scalar(
            select(AuditHead)
            .where(AuditHead.singleton == 1)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if head is None:
        raise RuntimeError("audit_head row missing: run `stelsel db upgrade`")
    return head


@asynccontextmanager
async def audited_write(
    session: AsyncSession, actor: Actor, clock: Clock | None = None
) -> AsyncIterator[WriteTransaction]:
    """Run a write as one transaction that also appends its audit events.

    Any read transaction the session had open (for example from authentication) is ended first,
    so that the write starts by taking the chain lock. On an exception everything is rolled back.
    """
    if session.in_transaction():
        await session.commit()
    # The chain hashes the moment as written; the database gives it back in UTC, so hash it in UTC.
    now = (clock or SystemClock()).now().astimezone(UTC)
    try:
        head = await _lock_head(session)
        transaction = WriteTransaction(
            session=session, actor=actor, now=now, seq=head.seq, prev_hash=head.hash
        )
        yield transaction
        await session.flush()
        for values in transaction.chain_pending():
            event = AuditEvent(**values)
            session.add(event)
            transaction.appended.append(event)
        head.seq, head.hash = transaction.seq, transaction.prev_hash
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


async def current_seq(session: AsyncSession) -> int:
    """The register's change sequence: the number of the last audit event."""
    value = await session.scalar(select(AuditHead.seq).where(AuditHead.singleton == 1))
    return int(value or 0)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of recomputing the chain: ``ok`` or the first broken link and why."""

    checked: int
    ok: bool
    broken_seq: int | None = None
    problem: str | None = None


def _check_events(events: Iterator[AuditEvent], head: AuditHead | None) -> ChainReport:
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(
                checked, False, expected_seq, f"event {expected_seq} is missing (found {event.seq})"
            )
        if event.prev_hash != prev_hash:
            return ChainReport(checked, False, event.seq, "link to the previous event does not match")
        recomputed = event_hash(
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            action=event.action,
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            changes=event.changes,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return ChainReport(checked, False, event.seq, "contents were modified after they were written")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return ChainReport(checked, False, expected_seq, f"events after {expected_seq - 1} were removed")
    return ChainReport(checked, True)


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Recompute every hash in order and report the first broken link, if any."""
    head = await session.scalar(select(AuditHead).where(AuditHead.singleton == 1))
    result = await session.stream_scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    )
    events = [event async for event in result]
    return _check_events(iter(events), head)


async def ensure_head(session: AsyncSession) -> None:
    """Create the chain head if a database has none (migrations create it; this is for tests)."""
    if await session.scalar(select(AuditHead.id).where(AuditHead.singleton == 1)) is None:
        session.add(AuditHead(singleton=1, seq=0, hash=GENESIS_HASH))
        await session.commit()


__all__ = [
    "Actor",
    "ChainReport",
    "WriteTransaction",
    "audited_write",
    "changes_between",
    "current_seq",
    "ensure_head",
    "snapshot",
    "verify_chain",
]
