"""The public list of dienstverleners: the page (search and filters, paged) and the same list as a
download, ``/dienstverleners.csv`` and ``/dienstverleners.json``, with the filters of the query string.

The list is what the stelsel publishes; the API gives it too (``GET /api/v1/dienstverleners``).

**Kept per worker.** The page as an anonymous visitor sees it, and the downloads, are kept as bytes in
the worker's read cache (:mod:`registry.readcache`) for one version of the register, keyed on path and
raw query string, and until the next 00:00 Europe/Amsterdam (the list is as of today). A page holds
nothing of the request besides its path and query: the navigation of an anonymous visitor is the
public one, its only form is a GET form without CSRF token, and the Content-Security-Policy has no
nonce. A page for a logged-in user (their navigation, the logout form with its CSRF token) or with a
flash message is rendered for that request alone; pages with errors are never kept. Requests that miss
on the same page at once wait for one rendering of it (:meth:`~registry.readcache.ReadCache.fetch`);
the catalogue's role names, the duties and the regios of the filters are read once per version, and
the ids of the dienstverleners that the filters find are kept beside the pages, so that the next page
of the same filters reads only its own twenty. A download is
kept only up to :data:`DOWNLOAD_CACHE_BYTES`; larger ones stream each time.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import principal_of
from registry.accounts.web import page_info, page_links
from registry.api import PageRequest
from registry.dependencies import AppClock, AppSettings, Paging
from registry.directread import Registerversie, direct_reader
from registry.errors import ValidationFailed
from registry.ledenadministratie import schemas, services
from registry.ledenadministratie.catalogus import Catalogusstand, catalogusstand
from registry.ledenadministratie.export import MEDIA_TYPES, csv_regels
from registry.ledenadministratie.peildatum import Peildatum, day_start
from registry.ledenadministratie.services.dienstverleners import dienstverlener_ids, dienstverleners_van
from registry.ledenadministratie.services.regios import regios_van_houders
from registry.ledenadministratie.verklaringcheck import registered_verklaring_check
from registry.ledenadministratie.views.formulieren import form_errors
from registry.readcache import Entry, ReadCache, read_cache
from registry.templating import FLASH_COOKIE, PageTemplate, page

PUBLIC = {"public": True}
ROL_OPTIONS = [("dienstverlener", "Dienstverlener"), ("gtk-beheerder", "GtK Beheerder")]
CSV_KOLOMMEN = (
    "naam", "identificaties", "rollen", "sinds", "verklaringen", "taken", "website",
    "straat", "huisnummer", "postcode", "plaats", "regio", "ondersteunt",
)  # fmt: skip

STANDEN = {True: "geldig", False: "niet geldig", None: "onbekend"}
DOWNLOAD_CACHE_BYTES = 4_000_000
"""The largest download a worker keeps; a larger one is read again for each request."""

Zoek = Annotated[str, QueryParameter(name="zoek", max_length=200)]
Rol = Annotated[str, QueryParameter(name="rol", max_length=80)]
Taak = Annotated[str, QueryParameter(name="taak", max_length=80)]
Regio = Annotated[str, QueryParameter(name="regio", max_length=200)]


def provide_vraag(
    zoek: Zoek = "", rol: Rol = "", taak: Taak = "", regio: Regio = ""
) -> services.Dienstverlenervraag:
    """The filters of the page and the downloads, from the query string."""
    return services.Dienstverlenervraag(zoek=zoek, rol=rol, taak=taak, regio=regio)


VRAAG = {"vraag": Provide(provide_vraag, sync_to_thread=False)}
Vraag = NamedDependency[services.Dienstverlenervraag]


def _today(now: datetime) -> tuple[Peildatum, datetime]:
    """Today as peildatum, and the moment it ends (the next 00:00 Europe/Amsterdam)."""
    vandaag = Peildatum.at(now)
    return vandaag, day_start(vandaag.datum + timedelta(days=1))


async def _taken(session: AsyncSession, cache: ReadCache) -> list[tuple[str, str]]:
    async def load() -> list[tuple[str, str]]:
        return await services.dienstverlening_taken(session)

    taken: list[tuple[str, str]] = await cache.memo("dienstverlening_taken", load)
    return taken


async def _rolnamen(session: AsyncSession, cache: ReadCache) -> dict[str, str]:
    async def load() -> Catalogusstand:
        return await catalogusstand(session)

    stand: Catalogusstand = await cache.memo("dienstverleners.catalogus", load)
    return stand.namen


async def _regios(session: AsyncSession, cache: ReadCache, vandaag: Peildatum) -> list[str]:
    async def load() -> list[str]:
        return await regios_van_houders(session, services.DIENSTVERLENING_ROLLEN, vandaag.datum)

    regios: list[str] = await cache.memo(f"dienstverleners.regios.{vandaag.datum.isoformat()}", load)
    return regios


@dataclass(frozen=True, slots=True)
class _Stand:
    """What a kept page is computed for: this worker's cache at register version ``versie``, and the
    moment ``now`` (read after the version)."""

    cache: ReadCache
    versie: Registerversie
    now: datetime

    @property
    def vandaag(self) -> Peildatum:
        return _today(self.now)[0]

    @property
    def tot(self) -> datetime:
        """Until when a page computed now holds."""
        return _today(self.now)[1]


_ID_BYTES = 16


async def _ids(session: AsyncSession, stand: _Stand, vraag: services.Dienstverlenervraag) -> bytes:
    """The ids of the dienstverleners ``vraag`` finds today, in list order, 16 bytes each: kept in the
    cache, so that the other pages of the same filters skip the search."""
    key = ("dienstverlener-ids", vraag)  # until midnight, as the pages (Entry.tot)

    async def compute() -> Entry:
        ids = await dienstverlener_ids(session, stand.vandaag, vraag)
        return Entry(parts=(b"".join(i.bytes for i in ids),), headers={}, vanaf=stand.now, tot=stand.tot)

    return (await stand.cache.fetch(stand.versie, key, stand.now, compute)).parts[0]


def _slice(ids: bytes, paging: PageRequest) -> list[uuid.UUID]:
    """The ids of this page out of :func:`_ids`."""
    page = ids[paging.offset * _ID_BYTES : (paging.offset + paging.page_size) * _ID_BYTES]
    return [uuid.UUID(bytes=page[i : i + _ID_BYTES]) for i in range(0, len(page), _ID_BYTES)]


async def _page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    stand: _Stand,
    base_url: str,
    paging: PageRequest,
    vraag: services.Dienstverlenervraag,
) -> PageTemplate:
    cache, vandaag = stand.cache, stand.vandaag
    errors: dict[str, list[str]] = {}
    try:
        ids = await _ids(session, stand, vraag)
        rolnamen = await _rolnamen(session, cache)
        items = await dienstverleners_van(
            session, _slice(ids, paging), vandaag, base_url=base_url, rolnamen=rolnamen
        )
        total = len(ids) // _ID_BYTES
    except ValidationFailed as exc:
        items, total, errors = [], 0, form_errors(exc)
    taken = await _taken(session, cache)
    filters = {"zoek": vraag.zoek, "rol": vraag.rol, "taak": vraag.taak, "regio": vraag.regio}
    template = page(
        request,
        "ledenadministratie/dienstverleners.html",
        {
            "dienstverleners": items,
            "filters": filters,
            "download_query": urlencode({name: value for name, value in filters.items() if value}),
            "errors": errors,
            "rollen": ROL_OPTIONS,
            "taken": taken,
            "teksten": dict(taken),
            "regios": await _regios(session, cache, vandaag),
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
        status_code=400 if errors else 200,
    )
    assert isinstance(template, PageTemplate)
    return template


def _rendered(request: Request[Any, Any, Any], template: PageTemplate) -> Entry:
    """The page as bytes, to keep and to share with the requests waiting for it."""
    engine = request.app.template_engine
    assert engine is not None
    assert template.template_name is not None
    body = engine.get_template(template.template_name).render(**template.create_template_context(request))
    return Entry(parts=(body.encode(template.encoding),), headers={}, status_code=template.status_code or 200)


def _key(kind: str, request: Request[Any, Any, Any]) -> tuple[Any, ...]:
    """What a kept page or download is found by: the request target and, as for the API answers,
    the verklaringen domain that judges the verklaringen on it."""
    scope = request.scope
    return (kind, scope["path"], scope["query_string"], id(registered_verklaring_check()))


def _anonymous_without_flash(request: Request[Any, Any, Any]) -> bool:
    """Whether the page holds nothing of this request besides its path and query string."""
    return principal_of(request) is None and FLASH_COOKIE not in request.cookies


@get("/dienstverleners", opt=PUBLIC, dependencies=VRAAG, include_in_schema=False)
async def dienstverleners_page(
    request: Request[Any, Any, Any],
    clock: AppClock,
    settings: AppSettings,
    paging: Paging,
    vraag: Vraag,
) -> Response[Any]:
    """Who can support a deelnemer in taking part in the stelsel, with what, and whom they support now."""
    state = request.app.state
    versie = await direct_reader(state).versie()
    now = clock.now()  # after the version, as for the API answers (see registry.ledenadministratie.antwoord)
    stand = _Stand(read_cache(state).at(versie), versie, now)

    async def template() -> PageTemplate:
        async with state.db_sessionmaker() as session:
            return await _page(request, session, stand, settings.base_url, paging, vraag)

    if not _anonymous_without_flash(request):
        return await template()

    async def compute() -> Entry:
        return replace(_rendered(request, await template()), vanaf=now, tot=stand.tot)

    entry = await stand.cache.fetch(versie, _key("page", request), now, compute)
    return Response(entry.parts[0], media_type=MediaType.HTML, status_code=entry.status_code)


def _csv_cells(item: schemas.Dienstverlener) -> list[object]:
    adres = item.adres
    verklaringen = [
        f"{v.nummer} ({STANDEN[v.geldig]})" for r in item.rollen if (v := r.verklaring) is not None
    ]
    values: dict[str, object] = {
        "naam": item.naam,
        "identificaties": ";".join(i.tekst for i in item.identificaties),
        "rollen": ";".join(r.code for r in item.rollen),
        "sinds": item.dienstverlener_sinds.isoformat(),
        "verklaringen": ";".join(verklaringen),
        "taken": ";".join(item.taken),
        "website": item.website,
        "straat": adres.straat if adres else None,
        "huisnummer": adres.huisnummer if adres else None,
        "postcode": adres.postcode if adres else None,
        "plaats": adres.plaats if adres else None,
        "regio": item.regio,
        "ondersteunt": ";".join(o.deelnemer.naam for o in item.ondersteunt),
    }
    return [values[kolom] for kolom in CSV_KOLOMMEN]


async def _download(
    request: Request[Any, Any, Any],
    vraag: services.Dienstverlenervraag,
    formaat: str,
    base_url: str,
    clock: AppClock,
) -> Response[Any]:
    state = request.app.state
    factory = state.db_sessionmaker
    versie = await direct_reader(state).versie()
    now = clock.now()  # after the version, as for the API answers (see registry.ledenadministratie.antwoord)
    cache = read_cache(state).at(versie)
    vandaag, tot = _today(now)
    headers = {"Content-Disposition": f'attachment; filename="dienstverleners.{formaat}"'}
    key = _key("download", request)
    if (entry := cache.get(key, now)) is not None:
        return Response(entry.parts[0], media_type=MEDIA_TYPES[formaat], headers=headers)
    async with factory() as session:  # refuse bad filters before the download starts
        await services.list_dienstverleners(session, vandaag, PageRequest(page=1, page_size=1), vraag)

    async def chunks() -> AsyncIterator[bytes]:
        async with factory() as session:
            if formaat == "csv":
                yield csv_regels([CSV_KOLOMMEN]).encode()
            separator = b"[\n"
            async for items in services.all_dienstverleners(session, vandaag, vraag, base_url=base_url):
                if formaat == "csv":
                    yield csv_regels(_csv_cells(item) for item in items).encode()
                    continue
                for item in items:
                    yield separator + msgspec.json.encode(item)
                    separator = b",\n"
            if formaat == "json":
                yield b"[]\n" if separator == b"[\n" else b"\n]\n"

    async def kept() -> AsyncIterator[bytes]:
        """The chunks, and the whole body kept once it is complete and small enough."""
        parts: list[bytes] | None = []
        size = 0
        async for chunk in chunks():
            if parts is not None:
                size += len(chunk)
                if size <= DOWNLOAD_CACHE_BYTES:
                    parts.append(chunk)
                else:
                    parts = None
            yield chunk
        if parts is not None:
            cache.put(versie, key, Entry(parts=(b"".join(parts),), headers={}, vanaf=now, tot=tot))

    return Stream(kept(), media_type=MEDIA_TYPES[formaat], headers=headers)


@get("/dienstverleners.csv", opt=PUBLIC, dependencies=VRAAG, include_in_schema=False)
async def dienstverleners_csv(
    request: Request[Any, Any, Any],
    clock: AppClock,
    settings: AppSettings,
    vraag: Vraag,
) -> Response[Any]:
    return await _download(request, vraag, "csv", settings.base_url, clock)


@get("/dienstverleners.json", opt=PUBLIC, dependencies=VRAAG, include_in_schema=False)
async def dienstverleners_json(
    request: Request[Any, Any, Any],
    clock: AppClock,
    settings: AppSettings,
    vraag: Vraag,
) -> Response[Any]:
    return await _download(request, vraag, "json", settings.base_url, clock)


route_handlers = [dienstverleners_page, dienstverleners_csv, dienstverleners_json]
