"""Bulk inserts for the generator: Core ``insert()`` statements run as driver-level executemany.

SQLAlchemy's per-value bind processing (UUIDs to bytes, aware datetimes to UTC, JSON to text) costs
more than the database's own insert work at a million rows. :class:`BulkWriter` compiles
``insert(table)`` once per table for the connection's dialect and hands the driver tuples whose
values are already in the form the column type would have produced, converted by a few plain
functions chosen per column type and dialect:

============  ===============================================  ===================================
column type   SQLite (as advanced-alchemy/SQLAlchemy store it)  PostgreSQL (asyncpg)
============  ===============================================  ===================================
GUID          16 bytes                                         ``uuid.UUID``
DateTimeUTC   ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC            aware ``datetime`` in UTC
Date          ``YYYY-MM-DD``                                   ``date``
JSON(B)       JSON text                                        JSON text
============  ===============================================  ===================================

Every datetime handed in must already be in UTC (the generator makes them so).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from advanced_alchemy.types import GUID
from advanced_alchemy.types.datetime import DateTimeUTC
from sqlalchemy import JSON, Date, DateTime, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

Converter = Callable[[Any], Any]


def _sqlite_uuid(value: uuid.UUID | None) -> bytes | None:
    return None if value is None else value.bytes


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" without its offset, as SQLAlchemy's SQLite DateTime writes it
    return value.isoformat(sep=" ", timespec="microseconds")[:26]


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _postgres_datetime(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: Any) -> str | None:
    return None if value is None else _JSON(value)


def _same(value: Any) -> Any:
    return value


def _converter(column_type: Any, dialect: str) -> Converter:
    sqlite = dialect == "sqlite"
    if isinstance(column_type, GUID):
        return _sqlite_uuid if sqlite else _same
    if isinstance(column_type, DateTimeUTC | DateTime):
        return _sqlite_datetime if sqlite else _postgres_datetime
    if isinstance(column_type, Date):
        return _sqlite_date if sqlite else _same
    if isinstance(column_type, JSON):
        return _json
    return _same


class BulkWriter:
    """Inserts rows (dicts keyed by column name) into tables of one database, many per call."""

    def __init__(self, tables: Mapping[str, Table], dialect: str) -> None:
        self._tables = dict(tables)
        self._dialect = dialect
        self._plans: dict[tuple[str, frozenset[str]], tuple[str, list[tuple[str, Converter]]]] = {}

    def _plan(
        self, connection: AsyncConnection, name: str, columns: frozenset[str]
    ) -> tuple[str, list[tuple[str, Converter]]]:
        """The driver-level SQL of ``insert(table)`` for these columns, and per parameter its converter."""
        key = (name, columns)
        if key not in self._plans:
            table = self._tables[name]
            statement = insert(table).values(dict.fromkeys(columns))
            compiled = statement.compile(dialect=connection.dialect)
            order = list(compiled.positiontup or ())
            if sorted(order) != sorted(columns):
                raise RuntimeError(f"unexpected parameters for {name}: {order}")
            converters = [(column, _converter(table.c[column].type, self._dialect)) for column in order]
            self._plans[key] = (str(compiled), converters)
        return self._plans[key]

    async def write(self, connection: AsyncConnection, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        sql, converters = self._plan(connection, name, frozenset(rows[0]))
        getter = itemgetter(*(column for column, _ in converters))
        converting = [
            (index, convert) for index, (_, convert) in enumerate(converters) if convert is not _same
        ]
        memo: dict[Any, Any] = {}  # the same moment is often created_at, updated_at and geldig_van
        values: list[tuple[Any, ...]] = []
        for row in rows:
            value = list(getter(row))
            for index, convert in converting:
                raw = value[index]
                if raw.__class__ is datetime:
                    converted = memo.get(raw)
                    if converted is None:
                        converted = memo[raw] = convert(raw)
                    value[index] = converted
                else:
                    value[index] = convert(raw)
            values.append(tuple(value))
        await connection.exec_driver_sql(sql, values)

    async def write_all(
        self, connection: AsyncConnection, batches: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]
    ) -> None:
        for name, rows in batches:
            await self.write(connection, name, rows)


async def secondary_indexes(connection: AsyncConnection, tables: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX …)`` of the plain (non-constraint) indexes on ``tables``.

    Loading into a fresh database is much faster with these dropped and built afterwards from the
    complete tables than maintained row by row; primary keys and unique constraints stay, so every
    row is still checked as it goes in.
    """
    names = sorted(tables)
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in names)
        result = await connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tuple(names),
        )
    else:
        result = await connection.exec_driver_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes AS i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint AS c WHERE c.conindid = to_regclass(quote_ident(i.indexname)))",
            (names,),
        )
    return [(str(name), str(sql)) for name, sql in result.all()]


async def drop_indexes(connection: AsyncConnection, indexes: Sequence[tuple[str, str]]) -> None:
    for name, _ in indexes:
        await connection.exec_driver_sql(f'DROP INDEX "{name}"')


async def create_indexes(connection: AsyncConnection, indexes: Sequence[tuple[str, str]]) -> None:
    for _, sql in indexes:
        await connection.exec_driver_sql(sql)
