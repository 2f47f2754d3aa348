"""Database setup: the declarative base, the engine for the configured URL, and session factories.

SQLite is the embedded default, PostgreSQL the production database; both run the same code. The
schema is made only by the Alembic history in ``migrations/`` (``create_all`` is for nothing but
the model/migration agreement test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from advanced_alchemy.base import UUIDAuditBase, orm_registry
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_only

from registry.settings import Settings

__all__ = [
    "Base",
    "create_engine",
    "create_session_factory",
    "metadata",
    "session_scope",
    "sqlite_path",
]

# advanced-alchemy's base gives a UUID primary key plus created_at/updated_at (UTC) on every table,
# and a metadata with a constraint naming convention so migrations name constraints predictably.
Base = UUIDAuditBase
metadata = orm_registry.metadata


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers continue while one writer writes; busy_timeout makes writers queue instead
    # of failing; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _checkout_ping(timeout: float) -> Callable[[Any, ConnectionPoolEntry, PoolProxiedConnection], None]:
    """A liveness check on every pool checkout that gives up after ``timeout`` seconds.

    SQLAlchemy's ``pool_pre_ping`` waits as long as any statement may take (``command_timeout``), so
    a database that stops answering (frozen, or unreachable behind a network fault) would hold each
    request that long. Here a ping that times out ends the request at once (``TimeoutError``, which
    :mod:`registry.problems` answers with 503); a ping that fails because the connection died (the
    server restarted) asks the pool for a fresh connection, so service resumes by itself.
    """

    def ping(dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        driver = dbapi_connection.driver_connection  # the asyncpg connection
        try:
            # simple-query protocol: no prepared statement, so poolers in transaction mode are fine
            await_only(driver.execute("SELECT 1", timeout=timeout))
        except TimeoutError:
            driver.terminate()  # no graceful goodbye to a database that does not answer
            raise TimeoutError(f"the database did not answer within {timeout:g} s") from None
        except Exception as exc:
            driver.terminate()
            raise DisconnectionError(f"pooled connection is dead: {exc!r}") from exc
        except BaseException:
            driver.terminate()  # cancelled mid-ping: the connection's state is unknown
            raise

    return ping


def create_engine(settings: Settings, **overrides: Any) -> AsyncEngine:
    """An async engine for the configured database, with per-dialect connection settings."""
    options: dict[str, Any]
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        options = {"connect_args": {"timeout": 15}}
    else:
        timeout = settings.database_timeout_seconds
        statement_timeout = max(timeout * 6, 30)
        options = {
            # _checkout_ping replaces pool_pre_ping (see there)
            "pool_pre_ping": False,
            "pool_size": 10,
            "max_overflow": 10,
            # Waiting for a pooled connection is waiting for other requests (writes queue on the
            # audit chain lock while holding theirs), not for the database: a dead database fails
            # the checkout ping within ``timeout`` instead. So the wait may last as long as a statement.
            "pool_timeout": statement_timeout,
            "connect_args": {"timeout": timeout, "command_timeout": statement_timeout},
        }
    engine = create_async_engine(settings.database_url, **(options | overrides))
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.sync_engine.pool, "checkout", _checkout_ping(settings.database_timeout_seconds))
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for code outside a request (CLI, background work); closed (rolled back) on exit."""
    async with factory() as session:
        yield session


def sqlite_path(settings: Settings) -> Path:
    """The file of a SQLite database URL."""
    return Path(make_url(settings.database_url).database or "")
