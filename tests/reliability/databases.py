"""What the reliability tests share, for whatever tables the app has: every row of every table to
compare, a database emptied completely, throwaway databases, and a demo register built once per run."""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from registry import migrate
from registry.database import create_engine, create_session_factory
from registry.settings import Settings

PG_URL_ENV = "STELSEL_TEST_DATABASE_URL"

TableContents = dict[str, list[tuple[Any, ...]]]
T = TypeVar("T")


def in_own_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work that starts an event loop of its own (``asyncio.run``, migrations) in a
    thread of its own: the test's thread may already have a running loop (a sync browser session
    keeps one for the whole run)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    return in_own_thread(asyncio.run, coroutine)


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


async def model_contents(settings: Settings) -> TableContents:
    """Every row of every table the models know, read through the models' column types: comparable
    between SQLite and PostgreSQL."""
    from registry.models_index import load_all_models

    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return {
                table.name: sorted(
                    (tuple(row) for row in (await connection.execute(table.select())).all()), key=repr
                )
                for table in load_all_models().sorted_tables
            }
    finally:
        await engine.dispose()


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
        in_own_thread(migrate.upgrade, Settings(data_dir=directory, database_url=url, secret_key="x" * 40))
        yield url
        return
    server_url = os.environ[PG_URL_ENV]
    name = _database_name()
    run_coroutine(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        url = _url_of(server_url, name)
        in_own_thread(migrate.upgrade, Settings(data_dir=directory, database_url=url, secret_key="x" * 40))
        yield url
    finally:
        run_coroutine(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass(frozen=True, slots=True)
class DemoTemplate:
    """A migrated database with every domain's demo data, and its data directory."""

    backend: str
    database: str  # the SQLite file, or the PostgreSQL database name
    data_dir: Path


_DEMO_TEMPLATES: dict[str, DemoTemplate] = {}


def _settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=url, secret_key="x" * 40)


async def _load_demo(settings: Settings) -> None:
    from registry.clock import SystemClock
    from registry.demo import DemoContext, load_demo
    from registry.signing.keys import KeyRing

    KeyRing(settings.keys_dir).generate()
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            await load_demo(DemoContext(session=session, settings=settings, clock=SystemClock()))
    finally:
        await engine.dispose()


def _drop_at_exit(server_url: str, database: str) -> None:
    # Not through :func:`run_coroutine`: once the interpreter shuts down, a thread pool takes no more
    # work, and no event loop runs in this thread any more.
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def demo_template(db_backend: str) -> DemoTemplate:
    """Built once per test run and backend (loading the demo data takes seconds), removed at exit;
    tests work on clones (:func:`demo_clone`)."""
    if db_backend in _DEMO_TEMPLATES:
        return _DEMO_TEMPLATES[db_backend]
    root = Path(tempfile.mkdtemp(prefix="stelsel-demo-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    data_dir = root / "data"
    data_dir.mkdir()
    if db_backend == "sqlite":
        database = str(root / "demo.sqlite3")
        url = f"sqlite+aiosqlite:///{database}"
    else:
        server_url = os.environ[PG_URL_ENV]
        database = _database_name()
        run_coroutine(_admin(server_url, f'CREATE DATABASE "{database}"'))
        atexit.register(_drop_at_exit, server_url, database)
        url = _url_of(server_url, database)
    in_own_thread(migrate.upgrade, _settings_for(url, data_dir))
    run_coroutine(_load_demo(_settings_for(url, data_dir)))
    _DEMO_TEMPLATES[db_backend] = DemoTemplate(db_backend, database, data_dir)
    return _DEMO_TEMPLATES[db_backend]


@contextmanager
def demo_clone(db_backend: str, directory: Path) -> Iterator[tuple[str, Path]]:
    """A database and data directory of their own with the demo data: ``(database_url, data_dir)``.
    Synchronous; async fixtures enter it through ``asyncio.to_thread``."""
    template = demo_template(db_backend)
    data_dir = directory / "data"
    shutil.copytree(template.data_dir, data_dir)
    if db_backend == "sqlite":
        target = directory / "stelsel.sqlite3"
        shutil.copyfile(template.database, target)
        yield f"sqlite+aiosqlite:///{target}", data_dir
        return
    server_url = os.environ[PG_URL_ENV]
    name = _database_name()
    run_coroutine(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
    try:
        yield _url_of(server_url, name), data_dir
    finally:
        run_coroutine(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def with_database(settings: Settings, database_url: str, data_dir: Path | None = None) -> Settings:
    """The same settings pointed at another database (and data directory)."""
    return dataclasses.replace(settings, database_url=database_url, data_dir=data_dir or settings.data_dir)
