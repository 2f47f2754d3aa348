"""Writing many rows of one table fast, inside the caller's transaction.

An ORM or Core ``INSERT`` converts every value of every row through its column type on the way to
the driver; for an import of 100,000 deelnemers (over a million rows in all) that conversion costs
more than the database's own work. A :class:`Tabelschrijver` compiles the ``INSERT`` once for the
session's dialect, converts each value with the column type's own bind processor (so values are
stored exactly as SQLAlchemy would store them), lets the caller convert a value once where it repeats
(a timestamp, a parent id), and hands the rows to the driver in one ``executemany``.

:class:`OrderedIds` hands out time-ordered UUIDs (the version 7 layout: milliseconds since the epoch,
then a counter from a random start), so the primary key indexes grow at their end instead of being
written all over.
"""

from __future__ import annotations

import operator
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


class OrderedIds:
    """Ascending UUIDs in the version 7 layout, as integers (``uuid.UUID(int=…)``); unique within and
    across processes for practical purposes (48 bits of time in milliseconds, then 74 bits counting
    up from a random value)."""

    def __init__(self) -> None:
        millis = time.time_ns() // 1_000_000
        counter = secrets.randbits(40) << 16  # room below for 65,536 ids before the random part moves
        self._next = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | counter

    def take(self) -> int:
        self._next += 1
        return self._next


# advanced-alchemy's base adds this column for the ORM's own bulk inserts; it stays NULL.
_ORM_SENTINEL = "sa_orm_sentinel"


def _identity(value: Any) -> Any:
    return value


class Tabelschrijver:
    """Bulk INSERT into the table of ``model`` (every column but the ORM's sentinel), with values
    converted for ``dialect``."""

    def __init__(self, model: type[DeclarativeBase], dialect: Dialect) -> None:
        table = model.__table__
        assert isinstance(table, Table)
        names = [column.name for column in table.columns if column.name != _ORM_SENTINEL]
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        self.sql = str(compiled)
        self._dialect_name = dialect.name
        self.order: list[str] = list(compiled.positiontup or names)
        self._converters: dict[str, Callable[[Any], Any]] = {}
        for name in names:
            processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            self._converters[name] = _identity if processor is None else _skipping_none(processor)
        self._processed = frozenset(
            name for name, converter in self._converters.items() if converter is not _identity
        )
        self._row = operator.itemgetter(*self.order)
        self.rows: list[tuple[Any, ...]] = []

    def convert(self, name: str, value: Any) -> Any:
        """``value`` as the driver should receive it for column ``name``."""
        return self._converters[name](value)

    def uuid_converter(self, name: str) -> Callable[[int], Any]:
        """Converts a UUID given as an integer for column ``name``: straight to its 16 bytes where the
        column stores those (asked of the column type with a sample), else through the type."""
        sample = uuid.uuid4()
        if self.convert(name, sample) != sample.bytes:
            return lambda number: self.convert(name, uuid.UUID(int=number))
        if self._dialect_name == "sqlite":
            # The same BLOB; but sqlite3 binds a bytearray as it is, where it first asks its adapter
            # registry about every bytes value (a tenth of the time of an import's inserts).
            return lambda number: bytearray(number.to_bytes(16, "big"))
        return lambda number: number.to_bytes(16, "big")

    def add(self, values: Mapping[str, Any], converted: Mapping[str, Any]) -> None:
        """Queue one row: ``values`` still to convert, ``converted`` already converted."""
        row = {**values, **converted}
        for name in self._processed.intersection(values):
            if name not in converted:
                row[name] = self._converters[name](values[name])
        self.rows.append(self._row(row))

    async def flush(self, session: AsyncSession) -> None:
        """Write the queued rows in the session's transaction."""
        if self.rows:
            connection = await session.connection()
            await connection.exec_driver_sql(self.sql, self.rows)
            self.rows = []


def _skipping_none(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else processor(value)


@asynccontextmanager
async def large_page_cache(session: AsyncSession, mebibytes: int = 64) -> AsyncIterator[None]:
    """On SQLite, let the session's connection keep ``mebibytes`` of pages in memory within the block.

    A long write that fills indexes all over (an import) then finds their pages in memory instead of
    reading them back from the file; the connection's own setting returns afterwards. Other databases
    size their caches themselves: nothing changes there.
    """
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar()
    await connection.exec_driver_sql(f"PRAGMA cache_size = -{int(mebibytes) * 1024}")
    try:
        yield
    finally:
        connection = await session.connection()
        await connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")
