"""Reading through the database driver itself, for the answers asked most often.

The lookup API answers thousands of questions a second; through the ORM (and aiosqlite's thread
hand-offs) one answer cost about a hundred times its queries. A :class:`DirectReader` runs plain
SQL on the driver instead and converts the few column types the answers need:

- **SQLite**: ``sqlite3`` connections of this worker, used on the event loop thread. In WAL mode a
  reader never waits for a writer, and an indexed read takes microseconds, less than a hand-off to
  a thread would. Each :meth:`DirectReader.snapshot` is one read transaction (``BEGIN`` … ``COMMIT``),
  so all statements of an answer see the same state of the register.
- **PostgreSQL**: a small ``asyncpg`` pool of this worker; each snapshot is one read-only
  ``REPEATABLE READ`` transaction. The pool does not reset a connection's session when it comes
  back (asyncpg's default sends ``RESET ALL``, ``UNLISTEN *`` and more each time, which cost the
  server more than a lookup's own statements): these connections never change their session, and a
  transaction left open by a cancelled answer is rolled back.

:meth:`DirectReader.versie` reads the register's version, the head of the audit chain
(:class:`registry.audit.models.AuditHead`), which every write transaction moves: see
:mod:`registry.readcache`.

SQL is written once with ``?`` placeholders (numbered ``$n`` for asyncpg); the statements here
never contain a literal question mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import uuid
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import msgspec
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from registry.database import sqlite_path
from registry.settings import Settings

VERSIE_SQL = "SELECT seq, hash FROM audit_head WHERE singleton = 1"
IDLE_SQLITE_CONNECTIONS = 2
"""Snapshot connections a worker keeps open between answers. An answer reads without giving way to
the event loop unless it also asks the ORM (a rolcheck's verklaring), so one or two suffice; the
extra ones a burst of such answers opened are closed again, each with its page cache (2 MB)."""
_STATE_KEY = "direct_reader"


@dataclass(frozen=True, slots=True)
class Registerversie:
    """The state of the register: the sequence number and hash of the last audit event.

    The hash makes a version unique also across a restored backup or an emptied test database,
    where a sequence number may come back with other contents."""

    seq: int
    hash: str


class Snapshot(Protocol):
    """Statements of one answer, with the conversions of the dialect."""

    async def rows(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]: ...

    def uuid_param(self, value: uuid.UUID) -> Any: ...

    def moment_param(self, value: datetime) -> Any: ...

    def date_param(self, value: date) -> Any: ...

    def uuid(self, value: Any) -> uuid.UUID: ...

    def moment(self, value: Any) -> datetime: ...

    def date(self, value: Any) -> date: ...

    def json(self, value: Any) -> Any: ...


class DirectReader(Protocol):
    async def versie(self) -> Registerversie: ...

    def snapshot(self) -> Any:
        """An async context manager yielding a :class:`Snapshot`."""
        ...


_new_object = object.__new__
_set_attribute = object.__setattr__


def uuid_of_int(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` without its argument checks, a third of the time: an answer converts
    a dozen keys read from the database, whose values are UUIDs by construction."""
    result: uuid.UUID = _new_object(uuid.UUID)
    _set_attribute(result, "int", value)
    _set_attribute(result, "is_safe", uuid.SafeUUID.unknown)
    return result


# --- SQLite -------------------------------------------------------------------------------------------


class SqliteSnapshot:
    """Column values as SQLite stores them through SQLAlchemy: a UUID as 16 bytes, a moment as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, a date as ``YYYY-MM-DD``, JSON as text."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    async def rows(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return self.connection.execute(sql, params).fetchall()

    def uuid_param(self, value: uuid.UUID) -> bytes:
        return value.bytes

    def moment_param(self, value: datetime) -> str:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def date_param(self, value: date) -> str:
        return value.isoformat()

    def uuid(self, value: Any) -> uuid.UUID:
        return uuid_of_int(int.from_bytes(value))

    def moment(self, value: Any) -> datetime:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    def date(self, value: Any) -> date:
        return date.fromisoformat(value)

    def json(self, value: Any) -> Any:
        return msgspec.json.decode(value)


class SqliteReader:
    """``sqlite3`` connections of this worker: one for the version, a few for snapshots."""

    def __init__(self, settings: Settings) -> None:
        self.path = sqlite_path(settings)
        self._versie = self._connect()
        self._free: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA query_only=ON")
        return connection

    async def versie(self) -> Registerversie:
        # autocommit: each read is its own transaction and sees every commit before it
        seq, hash_ = self._versie.execute(VERSIE_SQL).fetchone()
        return Registerversie(int(seq), hash_)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteSnapshot]:
        connection = self._free.pop() if self._free else self._connect()
        connection.execute("BEGIN")
        try:
            yield SqliteSnapshot(connection)
        finally:
            connection.execute("COMMIT")
            if len(self._free) < IDLE_SQLITE_CONNECTIONS:
                self._free.append(connection)
            else:
                connection.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\?")


def _numbered(sql: str) -> str:
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _match: f"${next(counter)}", sql)


class PostgresSnapshot:
    """asyncpg gives and takes ``uuid.UUID``, aware datetimes and dates; jsonb comes as text."""

    def __init__(self, connection: Any, timeout: float) -> None:
        self.connection = connection
        self.timeout = timeout

    async def rows(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        rows: Sequence[Sequence[Any]] = await self.connection.fetch(
            _numbered(sql), *params, timeout=self.timeout
        )
        return rows

    def uuid_param(self, value: uuid.UUID) -> uuid.UUID:
        return value

    def moment_param(self, value: datetime) -> datetime:
        return value

    def date_param(self, value: date) -> date:
        return value

    def uuid(self, value: Any) -> uuid.UUID:
        # asyncpg's own UUID type is not uuid.UUID itself
        return value if type(value) is uuid.UUID else uuid_of_int(value.int)

    def moment(self, value: Any) -> datetime:
        moment: datetime = value.astimezone(UTC)
        return moment

    def date(self, value: Any) -> date:
        result: date = value
        return result

    def json(self, value: Any) -> Any:
        return msgspec.json.decode(value) if isinstance(value, str) else value


class PostgresReader:
    """A small asyncpg pool of this worker, opened at first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout = settings.database_timeout_seconds
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg  # type: ignore[import-untyped]

                    url = make_url(self.settings.database_url)
                    pool = await asyncpg.create_pool(
                        host=url.host,
                        port=url.port or 5432,
                        user=url.username,
                        password=url.password,
                        database=url.database,
                        min_size=1,
                        max_size=8,
                        timeout=self.timeout,
                        reset=_end_transaction,
                    )
                    weakref.finalize(self, _terminate, pool)
                    self._pool = pool
        return self._pool

    async def versie(self) -> Registerversie:
        pool = await self._get_pool()
        row = await pool.fetchrow(VERSIE_SQL, timeout=self.timeout)
        return Registerversie(int(row[0]), row[1])

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PostgresSnapshot]:
        pool = await self._get_pool()
        async with (
            pool.acquire(timeout=self.timeout) as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PostgresSnapshot(connection, self.timeout)


class SqliteSessionSnapshot(SqliteSnapshot):
    """The same statements through a SQLAlchemy session (services called by other code and tests)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return await _session_rows(self.session, sql, params)


class PostgresSessionSnapshot(PostgresSnapshot):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return await _session_rows(self.session, sql, params)


async def _session_rows(session: AsyncSession, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
    counter = iter(range(1000))
    named = _PLACEHOLDER.sub(lambda _match: f":p{next(counter)}", sql)
    result = await session.execute(text(named), {f"p{i}": value for i, value in enumerate(params)})
    return result.all()


def session_snapshot(session: AsyncSession) -> Snapshot:
    """A :class:`Snapshot` over ``session``, in its transaction."""
    if session.bind.dialect.name == "sqlite":
        return SqliteSessionSnapshot(session)
    return PostgresSessionSnapshot(session)


async def _end_transaction(connection: Any) -> None:
    """What a connection needs when it comes back to the pool: no transaction left open."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def _terminate(pool: Any) -> None:
    """Close a pool whose reader is gone (no shutdown hook reaches it)."""
    with contextlib.suppress(RuntimeError):  # its event loop has ended, and with it the connections
        pool.terminate()


def direct_reader(state: State) -> SqliteReader | PostgresReader:
    """This worker's reader, made at first use (and again after tests reset the app's state)."""
    reader = state.get(_STATE_KEY)
    if reader is None:
        settings: Settings = state.settings
        reader = SqliteReader(settings) if settings.is_sqlite else PostgresReader(settings)
        state[_STATE_KEY] = reader
    return reader
