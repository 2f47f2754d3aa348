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

**Bounds.** At most :data:`MAX_ENTRIES` answers, least recently used out first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from litestar.datastructures import State

from registry.directread import Registerversie

MAX_ENTRIES = 4096
MOMENT_PLACEHOLDER = datetime(1, 1, 1, tzinfo=UTC)
"""The moment an answer *as of now* shows while it is computed; no register holds year 1."""
PLACEHOLDER_TEXT = b"0001-01-01T00:00:00Z"
_STATE_KEY = "read_cache"


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached answer: its body split where the moment goes, its headers, and the moments
    ``[vanaf, tot)`` it holds for (``None``: any moment, for an answer with a fixed peildatum)."""

    parts: tuple[bytes, ...]
    headers: dict[str, str]
    vanaf: datetime | None = None
    tot: datetime | None = None

    def holds_at(self, now: datetime) -> bool:
        return self.vanaf is None or (self.tot is not None and self.vanaf <= now < self.tot)

    def body(self, moment_text: bytes) -> bytes:
        return moment_text.join(self.parts) if len(self.parts) > 1 else self.parts[0]


@dataclass(slots=True)
class ReadCache:
    """The answers of one worker for the register version :attr:`versie`."""

    max_entries: int = MAX_ENTRIES
    versie: Registerversie | None = None
    entries: OrderedDict[tuple[Any, ...], Entry] = field(default_factory=OrderedDict)
    memos: dict[str, Any] = field(default_factory=dict)

    def at(self, versie: Registerversie) -> ReadCache:
        """Move to ``versie``: what was cached for another version is gone."""
        if versie != self.versie:
            self.entries.clear()
            self.memos.clear()
            self.versie = versie
        return self

    def get(self, key: tuple[Any, ...], now: datetime) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or not entry.holds_at(now):
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, versie: Registerversie, key: tuple[Any, ...], entry: Entry) -> None:
        """Keep ``entry``, computed at ``versie``, unless the register has moved on meanwhile."""
        if versie != self.versie:
            return
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

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
