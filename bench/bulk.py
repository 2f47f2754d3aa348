"""Bulk loading for the generator: rows arrive already in the form the database stores.

SQLAlchemy's per-value bind processing (UUIDs to bytes, aware datetimes to UTC, JSON to text) and
even a driver's per-row executemany cost more than the database's own insert work at a million
rows. So the generator's builder makes every value in its stored form and the loaders here hand
whole batches to the database:

============  ================================================  ==========================================
column type   SQLite (as advanced-alchemy/SQLAlchemy store it)  PostgreSQL (``COPY … FROM STDIN``, text)
============  ================================================  ==========================================
GUID          16 bytes                                          32 hex digits
DateTimeUTC   ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC             the same; the session's time zone is UTC
Date          ``YYYY-MM-DD``                                    ``YYYY-MM-DD``
JSON(B)       JSON text                                         JSON text
============  ================================================  ==========================================

:class:`SqliteLoader` writes with the standard library's ``sqlite3`` (one C loop per table and
batch), :class:`PostgresLoader` with asyncpg's ``COPY`` (:func:`copy_text` makes its input). Both
load a freshly migrated database: the plain indexes are dropped first and built once at the end
from the complete tables, which is much faster than maintaining them row by row. Primary keys and
unique constraints stay, so every row is still checked as it goes in; foreign keys are checked once
for the whole load at the end (SQLite: ``PRAGMA foreign_key_check``; PostgreSQL: the constraints are
dropped and added again, which validates every row).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

Row = tuple[Any, ...]

NULL = "\\N"


def _cell(value: Any) -> str:
    kind = value.__class__
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return NULL
    if kind is bytes:
        return value.hex()  # type: ignore[no-any-return]
    return str(value)


def copy_text(rows: Iterable[Row]) -> bytes:
    """Rows in PostgreSQL's COPY text format. The generator's values hold no tab, newline or
    backslash (its vocabularies are checked for that), so no value needs escaping."""
    lines = ["\t".join(map(_cell, row)) for row in rows]
    lines.append("")
    return "\n".join(lines).encode()


def sqlite_insert(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


class SqliteLoader:
    """Loads a fresh SQLite file through one connection of its own, with the settings of a load:
    one transaction, no rollback journal and no fsync (a run that fails half-way is simply run
    again), a large page cache, and no foreign-key check per row. :meth:`finish` checks the foreign
    keys, builds the indexes and puts the file back in WAL mode, as the app expects."""

    def __init__(self, path: Path, tables: Iterable[str]) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.tables = sorted(tables)
        execute = self.connection.execute
        execute("PRAGMA journal_mode=OFF")
        execute("PRAGMA synchronous=OFF")
        execute("PRAGMA cache_size=-1000000")
        execute("PRAGMA temp_store=MEMORY")
        execute("PRAGMA foreign_keys=OFF")
        execute("PRAGMA locking_mode=EXCLUSIVE")
        marks = ", ".join("?" for _ in self.tables)
        self.indexes: list[tuple[str, str]] = execute(
            "SELECT name, sql FROM sqlite_master "
            f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            self.tables,
        ).fetchall()
        # one transaction for the whole load: every commit would write out again the index pages
        # that the random UUID keys of the next batch touch anyway
        execute("BEGIN")
        for name, _ in self.indexes:
            execute(f'DROP INDEX "{name}"')

    def audit_head(self) -> tuple[int, str]:
        seq, digest = self.connection.execute("SELECT seq, hash FROM audit_head").fetchone()
        return int(seq), str(digest)

    def write(
        self,
        batches: Mapping[str, Sequence[Row]],
        columns: Mapping[str, Sequence[str]],
        head: tuple[int, str],
    ) -> None:
        """These rows per table (parents first) and the audit chain head they lead to."""
        for table, rows in batches.items():
            if rows:
                self.connection.executemany(sqlite_insert(table, columns[table]), rows)
        self.connection.execute("UPDATE audit_head SET seq = ?, hash = ?", head)

    def finish(self) -> None:
        execute = self.connection.execute
        broken = execute("PRAGMA foreign_key_check").fetchmany(5)
        if broken:
            raise RuntimeError(f"bench generate: rows without their parent: {broken}")
        for _, sql in self.indexes:
            execute(sql)
        execute("COMMIT")
        execute("PRAGMA locking_mode=NORMAL")
        execute("PRAGMA journal_mode=WAL")
        self.connection.close()


class PostgresLoader:
    """Loads a fresh PostgreSQL database with ``COPY``; plain indexes and foreign keys of the loaded
    tables are dropped first and made again by :meth:`finish`."""

    def __init__(self, connection: Any, tables: Iterable[str]) -> None:
        self.connection = connection  # an asyncpg connection
        self.tables = sorted(tables)
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []

    async def start(self) -> None:
        execute, fetch = self.connection.execute, self.connection.fetch
        await execute("SET TIME ZONE 'UTC'")
        await execute("SET synchronous_commit = off")
        self.indexes = [
            (str(row[0]), str(row[1]))
            for row in await fetch(
                "SELECT i.indexname, i.indexdef FROM pg_indexes AS i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c "
                "WHERE c.conindid = to_regclass(quote_ident(i.indexname)))",
                self.tables,
            )
        ]
        self.foreign_keys = [
            (str(row[0]), str(row[1]), str(row[2]))
            for row in await fetch(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint AS c "
                "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1::text[])",
                self.tables,
            )
        ]
        for table, name, _ in self.foreign_keys:
            await execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            await execute(f'DROP INDEX "{name}"')

    async def audit_head(self) -> tuple[int, str]:
        row = await self.connection.fetchrow("SELECT seq, hash FROM audit_head")
        return int(row[0]), str(row[1])

    async def write(
        self, batches: Mapping[str, bytes], columns: Mapping[str, Sequence[str]], head: tuple[int, str]
    ) -> None:
        """One transaction: these COPY texts per table (parents first) and the audit chain head."""
        from io import BytesIO

        async with self.connection.transaction():
            for table, text in batches.items():
                if text:
                    await self.connection.copy_to_table(
                        table, source=BytesIO(text), columns=list(columns[table]), format="text"
                    )
            await self.connection.execute("UPDATE audit_head SET seq = $1, hash = $2", *head)

    async def finish(self) -> None:
        for _, sql in self.indexes:
            await self.connection.execute(sql)
        for table, name, definition in self.foreign_keys:
            await self.connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
