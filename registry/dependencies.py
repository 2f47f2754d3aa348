"""What route handlers can ask for by name, with the providers that supply it.

Annotate handler parameters with these aliases (``db_session: DbSession``) so Litestar knows they
are dependencies, not query parameters.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest, provide_page_request
from registry.clock import Clock
from registry.settings import Settings
from registry.signing.keys import KeyRing

DbSession = NamedDependency[AsyncSession]
AppSettings = NamedDependency[Settings]
# A protocol: the signature model would check it with a slow ``isinstance`` on every request.
AppClock = NamedDependency[SkipValidation[Clock]]
AppKeyRing = NamedDependency[KeyRing]
Paging = NamedDependency[PageRequest]


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One session per request; whatever a service did not commit is rolled back on close."""
    async with state.db_sessionmaker() as session:
        yield session


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_clock(state: State) -> Clock:
    clock: Clock = state.clock
    return clock


def provide_keyring(state: State) -> KeyRing:
    keyring: KeyRing = state.keyring
    return keyring


def app_dependencies() -> dict[str, Provide]:
    return {
        "db_session": Provide(provide_db_session),
        "settings": Provide(provide_settings, sync_to_thread=False),
        "clock": Provide(provide_clock, sync_to_thread=False),
        "keyring": Provide(provide_keyring, sync_to_thread=False),
        "paging": Provide(provide_page_request, sync_to_thread=False),
    }
