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

**Many verklaringen at once.** :func:`verklaringen_check` answers a list of questions of the
ledenadministratie (a page of dienstverleners names dozens of verklaringen) exactly as
:func:`~verklaringen.services.verklaringcheck.verklaring_check` answers each, in two statements:
the verklaringen by nummer, and the lifted schorsingen of those that are otherwise valid. Importing
this module registers it for that check
(:func:`~registry.ledenadministratie.verklaringcheck.register_batch_check`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import direct_reader
from registry.errors import RateLimited
from registry.ledenadministratie.ratelimit import SlidingWindowLimiter
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    register_batch_check,
)
from registry.readcache import read_cache
from verklaringen.attestation import StatusUnavailable
from verklaringen.models import Schorsing, Verklaring
from verklaringen.pdf import PdfRenderer, WeasyPrintRenderer
from verklaringen.services.statuslijsten import (
    STATUSLIJST,
    StatusListTokens,
    current_status_list,
    statuslijst_uri,
)
from verklaringen.services.verklaringcheck import verklaring_check
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


# --- many verklaringen at once ---------------------------------------------------------------------

_IN_CHUNK = 500
"""Values per ``IN (…)``: far below the parameter limits of SQLite and PostgreSQL."""


class _Stand(NamedTuple):
    """The columns of a verklaring that decide whether it vouches for a rolvervulling."""

    id: uuid.UUID
    nummer: str
    fase: str
    deelnemer_id: uuid.UUID
    rol_code: str
    rol_naam: str
    geldig_van: date
    geldig_tot: date
    geschorst_op: datetime | None
    ingetrokken_op: datetime | None


class _Periode(NamedTuple):
    van: datetime
    tot: datetime


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _nummer(vraag: Verklaringvraag) -> str:
    return vraag.referentie.strip().upper()


def _tijdstip(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _standen(session: AsyncSession, nummers: Sequence[str]) -> dict[str, _Stand]:
    columns = [getattr(Verklaring, name) for name in _Stand._fields]
    standen: dict[str, _Stand] = {}
    for chunk in _chunks(nummers):
        for row in await session.execute(select(*columns).where(Verklaring.nummer.in_(chunk))):
            stand = _Stand(*row)
            standen[stand.nummer] = stand
    return standen


async def _opgeheven(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[_Periode]]:
    """The lifted schorsingen of these verklaringen, each verklaring's by ``van``."""
    perioden: dict[uuid.UUID, list[_Periode]] = defaultdict(list)
    for chunk in _chunks(ids):
        statement = (
            select(Schorsing.verklaring_id, Schorsing.van, Schorsing.tot)
            .where(Schorsing.verklaring_id.in_(chunk), Schorsing.tot.is_not(None))
            .order_by(Schorsing.verklaring_id, Schorsing.van)
        )
        for verklaring_id, van, tot in await session.execute(statement):
            perioden[verklaring_id].append(_Periode(van, tot))
    return perioden


def _vooroordeel(vraag: Verklaringvraag, stand: _Stand | None) -> Verklaringoordeel | None:
    """The answer from the verklaring itself, or ``None`` when its lifted schorsingen decide."""
    if stand is None or stand.fase != "afgegeven":
        return Verklaringoordeel.nee(f"Er is geen afgegeven verklaring {vraag.referentie}.")
    nummer = stand.nummer
    if stand.deelnemer_id != vraag.deelnemer_id:
        return Verklaringoordeel.nee(f"Verklaring {nummer} is van een andere deelnemer.")
    if stand.rol_code != vraag.rol_code:
        return Verklaringoordeel.nee(f"Verklaring {nummer} is voor de rol {stand.rol_naam}.")
    if stand.ingetrokken_op is not None and stand.ingetrokken_op <= vraag.op:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} is ingetrokken sinds {_tijdstip(stand.ingetrokken_op)}."
        )
    if stand.geschorst_op is not None and stand.geschorst_op <= vraag.op:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} is geschorst sinds {_tijdstip(stand.geschorst_op)}."
        )
    return None


def _eindoordeel(vraag: Verklaringvraag, stand: _Stand, opgeheven: Sequence[_Periode]) -> Verklaringoordeel:
    """The answer for a verklaring neither ingetrokken nor geschorst at ``vraag.op``: a lifted
    schorsing that contained that moment, else its period of validity."""
    nummer = stand.nummer
    for periode in opgeheven:  # by van: the first that contains the moment, as the check names it
        if periode.van <= vraag.op < periode.tot:
            van, tot = _tijdstip(periode.van), _tijdstip(periode.tot)
            return Verklaringoordeel.nee(f"Verklaring {nummer} was geschorst van {van} tot {tot}.")
    if not stand.geldig_van <= vraag.geldig_van < stand.geldig_tot:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} geldt van {stand.geldig_van.isoformat()} "
            f"tot {stand.geldig_tot.isoformat()}; {vraag.geldig_van.isoformat()} valt daarbuiten."
        )
    return Verklaringoordeel.ja()


async def verklaringen_check(
    session: AsyncSession, vragen: Sequence[Verklaringvraag]
) -> list[Verklaringoordeel]:
    """The answers of :func:`~verklaringen.services.verklaringcheck.verklaring_check` to ``vragen``,
    in order, in two statements (see the module docstring)."""
    standen = await _standen(session, sorted({_nummer(vraag) for vraag in vragen}))
    voor = [_vooroordeel(vraag, standen.get(_nummer(vraag))) for vraag in vragen]
    open_ids = sorted(
        {standen[_nummer(v)].id for v, oordeel in zip(vragen, voor, strict=True) if oordeel is None}
    )
    opgeheven = await _opgeheven(session, open_ids) if open_ids else {}
    return [
        oordeel
        if oordeel is not None
        else _eindoordeel(vraag, stand := standen[_nummer(vraag)], opgeheven.get(stand.id, []))
        for vraag, oordeel in zip(vragen, voor, strict=True)
    ]


register_batch_check(verklaring_check, verklaringen_check)
