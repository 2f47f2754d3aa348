"""Answers of the read API kept in each worker, valid for one version of the register.

**Validator.** Every write runs in :func:`registry.audit.services.audited_write`, which moves the
audit chain head (``seq``, ``hash``) in the same transaction. Each cached request first reads that
head (:meth:`registry.directread.DirectReader.versie`: on SQLite a primary-key read on this worker's
own ``sqlite3`` connection, about 10 µs; on PostgreSQL one small query). An entry is served only
while the head is the one it was computed at; the first request that sees another head empties the
cache. A committed write, through the API, a page, the command line or another worker, thus
shows in the very next answer of every worker: nothing needs to be told.

**Keys.** The path and the raw query string (so ``peildatum``, filters, paging and even their order,
which the ``_links`` repeat, are part of it), the caller's visibility (anonymous or full lookup
access), and whatever else the answer depends on that the caller passes (see the callers).

**What is cached.** The JSON body as bytes. An answer *as of now* names its moment (``peildatum``);
it is computed with :data:`MOMENT_PLACEHOLDER` as the moment to show, and each hit fills in the
request's moment. It also holds only for ``[computed, next 00:00 Europe/Amsterdam)``: roles,
ondersteuningsrelaties and verklaringen are valid on dates, and a status change never takes effect
later than its write. Signed answers are signed per request from the cached body (``iat``, ``exp``,
``jti`` and the request are their own). Errors are never cached.

**One computation per key.** :meth:`ReadCache.fetch` computes a missing answer once: requests that
miss on the same key (and version) while it is being computed wait for that computation instead of
each running it. Its failure is not kept: the waiters get the same error, and when the computation
was cancelled (its client went away) one of them computes the answer anew.

**Bounds.** At most :data:`MAX_ENTRIES` answers and :data:`MAX_BYTES` bytes of answers (their bodies
and headers, see :attr:`Entry.size`) per worker, least recently used out first; an answer larger
than the whole budget is handed out but not kept. The :meth:`ReadCache.memo` values (the catalogue,
a status list: a few per version) are not counted.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from litestar.datastructures import State

from registry.directread import Registerversie

MAX_ENTRIES = 4096
MAX_BYTES = 32 * 1024 * 1024
"""The bytes of answers one worker keeps: some 150 public pages, or thousands of API answers."""
ENTRY_OVERHEAD = 400
"""What an entry costs besides its body and headers (the key, the objects around the bytes)."""
MOMENT_PLACEHOLDER = datetime(1, 1, 1, tzinfo=UTC)
"""The moment an answer *as of now* shows while it is computed; no register holds year 1."""
PLACEHOLDER_TEXT = b"0001-01-01T00:00:00Z"
_STATE_KEY = "read_cache"

Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached answer: its body split where the moment goes, its headers, and the moments
    ``[vanaf, tot)`` it holds for (``None``: any moment, for an answer with a fixed peildatum).

    An answer with an error ``status_code`` (400 or more) can be shared by :meth:`ReadCache.fetch`
    with the requests waiting for it, but is never kept."""

    parts: tuple[bytes, ...]
    headers: dict[str, str]
    vanaf: datetime | None = None
    tot: datetime | None = None
    status_code: int = 200

    def holds_at(self, now: datetime) -> bool:
        return self.vanaf is None or (self.tot is not None and self.vanaf <= now < self.tot)

    def body(self, moment_text: bytes) -> bytes:
        return moment_text.join(self.parts) if len(self.parts) > 1 else self.parts[0]

    @property
    def size(self) -> int:
        """The bytes this entry is counted for against :data:`MAX_BYTES`."""
        headers = sum(len(name) + len(value) for name, value in self.headers.items())
        return ENTRY_OVERHEAD + sum(len(part) for part in self.parts) + headers

    @property
    def keepable(self) -> bool:
        return self.status_code < 400


@dataclass(slots=True)
class ReadCache:
    """The answers of one worker for the register version :attr:`versie`."""

    max_entries: int = MAX_ENTRIES
    max_bytes: int = MAX_BYTES
    versie: Registerversie | None = None
    entries: OrderedDict[Key, Entry] = field(default_factory=OrderedDict)
    size: int = 0
    """The bytes of :attr:`entries` (:attr:`Entry.size` summed)."""
    memos: dict[str, Any] = field(default_factory=dict)
    flights: dict[tuple[Registerversie, Key], asyncio.Future[Entry | None]] = field(default_factory=dict)
    """The computations under way in :meth:`fetch`; ``None`` as result: cancelled, compute anew."""

    def at(self, versie: Registerversie) -> ReadCache:
        """Move to ``versie``: what was cached for another version is gone."""
        if versie != self.versie:
            self.entries.clear()
            self.size = 0
            self.memos.clear()
            self.versie = versie
        return self

    def get(self, key: Key, now: datetime) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or not entry.holds_at(now):
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, versie: Registerversie, key: Key, entry: Entry) -> None:
        """Keep ``entry``, computed at ``versie``, unless the register has moved on meanwhile, it is an
        error, or it is larger than the whole byte budget."""
        if versie != self.versie or not entry.keepable or entry.size > self.max_bytes:
            return
        self._drop(key)
        self.entries[key] = entry
        self.size += entry.size
        while len(self.entries) > self.max_entries or self.size > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: Key) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= entry.size

    async def fetch(
        self, versie: Registerversie, key: Key, now: datetime, compute: Callable[[], Awaitable[Entry]]
    ) -> Entry:
        """The entry for ``key`` at ``now``: kept, being computed by another request (then wait for
        it), or ``compute``-d here and kept (see the module docstring)."""
        while True:
            entry = self.get(key, now)
            if entry is not None:
                return entry
            flight = self.flights.get((versie, key))
            if flight is None:
                return await self._compute(versie, key, compute)
            # shielded: a waiter that is cancelled must not cancel the computation the others wait for
            entry = await asyncio.shield(flight)
            if entry is not None and entry.holds_at(now):
                return entry

    async def _compute(
        self, versie: Registerversie, key: Key, compute: Callable[[], Awaitable[Entry]]
    ) -> Entry:
        flight: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self.flights[(versie, key)] = flight
        try:
            entry = await compute()
        except Exception as error:
            flight.set_exception(error)
            flight.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        except BaseException:
            flight.set_result(None)
            raise
        finally:
            del self.flights[(versie, key)]
        flight.set_result(entry)
        self.put(versie, key, entry)
        return entry

    async def memo(self, name: str, load: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """A value derived from this version of the register (e.g. the catalogue's role names)."""
        if name in self.memos:
            return self.memos[name]
        versie = self.versie
        value = await load()
        if versie == self.versie:
            self.memos[name] = value
        return value


def read_cache(state: State) -> ReadCache:
    """This worker's cache, made at first use."""
    cache = state.get(_STATE_KEY)
    if not isinstance(cache, ReadCache):
        cache = ReadCache()
        state[_STATE_KEY] = cache
    return cache
