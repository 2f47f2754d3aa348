"""What the verklaringen routes get injected: the PDF renderer, the status list signer cache, the
status list as kept per register version, and the submission limit of the public aanmelding.

Each lives on the app's state, made on first use, so a test (or a deployment) can put another one
there: ``app.state.pdf_renderer = …``.

**The kept status list.** Building the status list reads every issued verklaring; the status list
endpoint and every verification need it. :class:`StatusLists` keeps it in this worker's read cache
(:mod:`registry.readcache`), valid for one version of the register: every change of a verklaring's
status (afgifte, intrekken, schorsen, herstel) is an audited write, which moves the audit chain head
in its own transaction. Each request reads that head first (:func:`registry.directread.direct_reader`,
microseconds on SQLite) and only then, when the head has moved, the list; so a list read just after
a change is never kept under the head before it, and a change committed by any worker or command
shows in the very next request of every worker.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import direct_reader
from registry.errors import RateLimited
from registry.ledenadministratie.ratelimit import SlidingWindowLimiter
from registry.readcache import read_cache
from verklaringen.attestation import StatusUnavailable
from verklaringen.pdf import PdfRenderer, WeasyPrintRenderer
from verklaringen.services.statuslijsten import (
    STATUSLIJST,
    StatusListTokens,
    current_status_list,
    statuslijst_uri,
)
from verklaringen.statuslist import StatusList

AANMELDINGEN_PER_UUR = 10
"""How many aanmeldingen one address may send per hour (spam protection of the public form and API)."""


class StatusLists:
    """The status lists as the register says they are now, kept per register version (see above).

    A kept :class:`~verklaringen.statuslist.StatusList` is shared by every request of this version:
    read it, never change it.
    """

    def __init__(self, state: State) -> None:
        self._state = state

    async def current(self, nummer: int = STATUSLIJST) -> StatusList:
        """Status list ``nummer`` now; a database session is only opened when the register has changed."""
        versie = await direct_reader(self._state).versie()
        cache = read_cache(self._state).at(versie)

        async def load() -> StatusList:
            session: AsyncSession
            async with self._state.db_sessionmaker() as session:
                return await current_status_list(session, nummer)

        status_list: StatusList = await cache.memo(f"verklaringen.statuslijst.{nummer}", load)
        return status_list

    def source(self, base_url: str) -> KeptStatusSource:
        """The portal's own status list for a verification, as :class:`StatusListSource` wants it."""
        return KeptStatusSource(self, base_url)


class KeptStatusSource:
    """The portal's status list for :func:`~verklaringen.attestation.verify_attestation`; any other
    URI is ``status_list:unknown_uri`` (the portal does not fetch lists from elsewhere)."""

    def __init__(self, lists: StatusLists, base_url: str) -> None:
        self._lists = lists
        self._base_url = base_url

    async def status_list(self, uri: str) -> StatusList:
        if uri != statuslijst_uri(self._base_url):
            raise StatusUnavailable(["status_list:unknown_uri"])
        return await self._lists.current()


# The renderer is an interface (a Protocol), which the signature model cannot validate: skip that.
Renderer = NamedDependency[SkipValidation[PdfRenderer]]
StatusTokens = NamedDependency[StatusListTokens]
KeptStatusLists = NamedDependency[StatusLists]


def _state_value(state: State, name: str, factory: type[Any]) -> Any:
    value = getattr(state, name, None)
    if value is None:
        value = factory()
        setattr(state, name, value)
    return value


def provide_renderer(state: State) -> PdfRenderer:
    renderer: PdfRenderer = _state_value(state, "pdf_renderer", WeasyPrintRenderer)
    return renderer


def provide_status_tokens(state: State) -> StatusListTokens:
    tokens: StatusListTokens = _state_value(state, "status_list_tokens", StatusListTokens)
    return tokens


def provide_status_lists(state: State) -> StatusLists:
    return StatusLists(state)


DEPENDENCIES = {
    "renderer": Provide(provide_renderer, sync_to_thread=False),
    "status_tokens": Provide(provide_status_tokens, sync_to_thread=False),
    "status_lists": Provide(provide_status_lists, sync_to_thread=False),
}


class _HourlyLimiter(SlidingWindowLimiter):
    def __init__(self) -> None:
        super().__init__(window=3600.0)


def limit_aanmeldingen(request: Request[Any, Any, Any]) -> None:
    """Count one aanmelding for the caller's address; :class:`RateLimited` beyond the hourly limit."""
    limiter: SlidingWindowLimiter = _state_value(request.app.state, "aanmelding_limiter", _HourlyLimiter)
    address = request.client.host if request.client else "onbekend"
    wait = limiter.hit(address, AANMELDINGEN_PER_UUR)
    if wait is not None:
        raise RateLimited(
            "Er zijn vanaf dit adres te veel aanmeldingen verstuurd. Probeer het later opnieuw.",
            retry_after=max(1, int(wait) + 1),
        )
