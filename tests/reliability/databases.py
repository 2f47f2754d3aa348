"""Test helpers that work on whatever tables the app has: read every row of every table, empty a
database completely, and make a throwaway database of one's own."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from registry import migrate
from registry.database import create_engine
from registry.settings import Settings

PG_URL_ENV = "STELSEL_TEST_DATABASE_URL"

TableContents = dict[str, list[tuple[Any, ...]]]


def _table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


async def table_contents(settings: Settings) -> TableContents:
    """Every row of every table, in a stable order, to compare a database before and after."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            contents: TableContents = {}
            for name in await connection.run_sync(_table_names):
                quoted = connection.dialect.identifier_preparer.quote(name)
                rows = (await connection.execute(text(f"SELECT * FROM {quoted}"))).all()
                contents[name] = sorted((tuple(row) for row in rows), key=repr)
            return contents
    finally:
        await engine.dispose()


def _remove_sqlite_files(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


async def wipe_database(settings: Settings) -> None:
    """Remove everything: the SQLite file, or every object in the PostgreSQL schema."""
    if settings.is_sqlite:
        _remove_sqlite_files(Path(make_url(settings.database_url).database or ""))
        return
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def _admin(server_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _database_name() -> str:
    return f"stelsel_rel_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _url_of(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def new_postgres_database(server_url: str) -> AsyncIterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    name = _database_name()
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _url_of(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_database(db_backend: str, directory: Path) -> Iterator[str]:
    """A migrated database of its own, for module-scoped fixtures (which run outside an event loop)."""
    if db_backend == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'stelsel.sqlite3'}"
        migrate.upgrade(Settings(data_dir=directory, database_url=url, secret_key="x" * 40))
        yield url
        return
    server_url = os.environ[PG_URL_ENV]
    name = _database_name()
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        url = _url_of(server_url, name)
        migrate.upgrade(Settings(data_dir=directory, database_url=url, secret_key="x" * 40))
        yield url
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def with_database(settings: Settings, database_url: str, data_dir: Path | None = None) -> Settings:
    """The same settings pointed at another database (and data directory)."""
    return dataclasses.replace(settings, database_url=database_url, data_dir=data_dir or settings.data_dir)
