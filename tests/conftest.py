"""Shared fixtures: a clean, migrated database per test (SQLite always, PostgreSQL when
``STELSEL_TEST_DATABASE_URL`` is set), the app, an HTTP client, and logged-in users.

The schema is built once per run by the Alembic migrations (never ``create_all``); each test then
gets a fresh copy (SQLite) or emptied tables (PostgreSQL), so tests are independent and can run in
any order.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from registry import migrate
from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.models import User
from registry.accounts.services import create_api_client, create_user, start_session
from registry.app import create_app
from registry.audit.services import Actor
from registry.clock import Clock, SystemClock
from registry.database import create_engine, create_session_factory
from registry.settings import Settings
from registry.signing.keys import KeyRing

PG_URL_ENV = "STELSEL_TEST_DATABASE_URL"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
DEFAULT_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with the production cost takes ~60 ms a hash; tests use the same algorithm at the
    lowest cost, so creating users does not dominate the suite. Production code is unchanged."""
    from argon2 import PasswordHasher

    from registry.accounts import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = production


def _settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, secret_key=TEST_SECRET)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgresql"] if os.environ.get(PG_URL_ENV) else [])
        metafunc.parametrize("db_backend", backends, scope="session")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "template.sqlite3"
    migrate.upgrade(_settings(directory, f"sqlite+aiosqlite:///{path}"))
    return path


async def _admin_execute(server_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, so parallel runs on one server do not collide."""
    server_url = os.environ[PG_URL_ENV]
    name = f"stelsel_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(_settings(Path("."), url))
    try:
        yield url
    finally:
        asyncio.run(_admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _empty_postgres(url: str) -> None:
    settings = _settings(Path("."), url)
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            tables = (
                (
                    await connection.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "AND tablename NOT IN ('alembic_version', 'audit_head')"
                        )
                    )
                )
                .scalars()
                .all()
            )
            # replica mode skips the append-only trigger for this maintenance statement only
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            if tables:
                await connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            await connection.execute(text("UPDATE audit_head SET seq = 0, hash = repeat('0', 64)"))
    finally:
        await engine.dispose()


@dataclass
class Backend:
    """One database backend for the whole run: a fixed database and data directory, and one app.

    Building the app costs about a second (Litestar inspects every handler), so tests share one
    app per backend; each test gets the database emptied, the data directory cleared and the
    app's per-run state reset instead.
    """

    name: str
    settings: Settings
    template: Path | None = None
    app: Litestar | None = None
    initial_state_keys: frozenset[str] = frozenset()

    def reset(self) -> None:
        data_dir = self.settings.data_dir
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        if self.name == "sqlite":
            assert self.template is not None
            database = Path(make_url(self.settings.database_url).database or "")
            for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(self.template, database)
        else:
            asyncio.run(_empty_postgres(self.settings.database_url))

    def shared_app(self, clock: Clock) -> Litestar:
        if self.app is None:
            self.app = create_app(self.settings, clock=clock)
            self.initial_state_keys = frozenset(self.app.state.keys())
        state = self.app.state
        for key in list(state.keys()):
            if key not in self.initial_state_keys:
                del state[key]
        state.clock = clock
        state.keyring = KeyRing(self.settings.keys_dir, clock=clock)
        return self.app


@pytest.fixture(scope="session")
def backend(
    db_backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Backend:
    root = tmp_path_factory.mktemp(f"backend-{db_backend}")
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        url = f"sqlite+aiosqlite:///{root / 'stelsel.sqlite3'}"
        return Backend("sqlite", _settings(root / "data", url), template=template)
    return Backend("postgresql", _settings(root / "data", request.getfixturevalue("postgres_database")))


@pytest.fixture
def database_url(backend: Backend) -> str:
    """A clean, migrated database for this test (the backend's, emptied)."""
    backend.reset()
    return backend.settings.database_url


@pytest.fixture
def settings(database_url: str, backend: Backend) -> Settings:
    return backend.settings


class MovableClock:
    """A clock tests can set and advance."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def app(settings: Settings, backend: Backend, clock: Clock) -> Litestar:
    """The portal on this test's clean database (shared per backend; see :class:`Backend`)."""
    return backend.shared_app(clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on the test database, in the test's own event loop, for arranging and asserting."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


@contextmanager
def statements(db: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements ``db`` runs within the block (also those of a
    :func:`~registry.directread.session_snapshot` of it)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = db.bind.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


UserFactory = Callable[..., Awaitable[User]]
LoginAs = Callable[..., Awaitable[User]]


@pytest.fixture
def make_user(db: AsyncSession, clock: Clock) -> UserFactory:
    async def factory(
        role: str = "stelselbeheerder",
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        deelnemer_id: uuid.UUID | None = None,
        display_name: str | None = None,
    ) -> User:
        return await create_user(
            db,
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.nl",
            display_name=display_name or f"Test {role}",
            role=role,
            password=password,
            deelnemer_id=deelnemer_id,
            actor=Actor.system("test"),
            clock=clock,
        )

    return factory


@pytest.fixture
def login_as(
    client: AsyncTestClient[Litestar], db: AsyncSession, make_user: UserFactory, clock: Clock
) -> LoginAs:
    """Create a user with this account role and give the test client its session cookie."""

    async def log_in(role: str = "stelselbeheerder", **user_options: Any) -> User:
        user = await make_user(role, **user_options)
        token = await start_session(db, user, clock=clock, lifetime=timedelta(hours=1))
        client.cookies.set(SESSION_COOKIE, token)
        return user

    return log_in


@pytest.fixture
def api_token(db: AsyncSession, clock: Clock) -> Callable[..., Awaitable[str]]:
    """A bearer token of a new API client with these scopes."""

    async def make(*scopes: str, name: str = "Testsysteem") -> str:
        created = await create_api_client(
            db, name=name, scopes=list(scopes), actor=Actor.system("test"), clock=clock
        )
        return created.bearer_token

    return make


@pytest.fixture
def system_clock() -> Clock:
    return SystemClock()
