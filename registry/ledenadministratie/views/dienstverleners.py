"""The public list of dienstverleners: the page (search and filters, paged) and the same list as a
download, ``/dienstverleners.csv`` and ``/dienstverleners.json``, with the filters of the query string.

The list is what the stelsel publishes; the API gives it too (``GET /api/v1/dienstverleners``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from registry.accounts.web import page_info, page_links
from registry.api import PageRequest
from registry.dependencies import AppClock, AppSettings, DbSession, Paging
from registry.errors import ValidationFailed
from registry.ledenadministratie import schemas, services
from registry.ledenadministratie.export import MEDIA_TYPES, csv_regels
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.regios import regios_van_houders
from registry.ledenadministratie.views.formulieren import form_errors
from registry.templating import page

PUBLIC = {"public": True}
ROL_OPTIONS = [("dienstverlener", "Dienstverlener"), ("gtk-beheerder", "GtK Beheerder")]
CSV_KOLOMMEN = (
    "naam", "identificaties", "rollen", "sinds", "verklaringen", "taken", "website",
    "straat", "huisnummer", "postcode", "plaats", "regio", "ondersteunt",
)  # fmt: skip

STANDEN = {True: "geldig", False: "niet geldig", None: "onbekend"}

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


@get("/dienstverleners", opt=PUBLIC, dependencies=VRAAG, include_in_schema=False)
async def dienstverleners_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    paging: Paging,
    vraag: Vraag,
) -> Template:
    """Who can support a deelnemer in taking part in the stelsel, with what, and whom they support now."""
    vandaag = Peildatum.at(clock.now())
    errors: dict[str, list[str]] = {}
    try:
        items, total = await services.list_dienstverleners(
            db_session, vandaag, paging, vraag, base_url=settings.base_url
        )
    except ValidationFailed as exc:
        items, total, errors = [], 0, form_errors(exc)
    taken = await services.dienstverlening_taken(db_session)
    filters = {"zoek": vraag.zoek, "rol": vraag.rol, "taak": vraag.taak, "regio": vraag.regio}
    return page(
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
            "regios": await regios_van_houders(db_session, services.DIENSTVERLENING_ROLLEN, vandaag.datum),
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
        status_code=400 if errors else 200,
    )


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
) -> Stream:
    factory = request.app.state.db_sessionmaker
    vandaag = Peildatum.at(clock.now())
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

    return Stream(
        chunks(),
        media_type=MEDIA_TYPES[formaat],
        headers={"Content-Disposition": f'attachment; filename="dienstverleners.{formaat}"'},
    )


@get("/dienstverleners.csv", opt=PUBLIC, dependencies=VRAAG, include_in_schema=False)
async def dienstverleners_csv(
    request: Request[Any, Any, Any],
    clock: AppClock,
    settings: AppSettings,
    vraag: Vraag,
) -> Stream:
    return await _download(request, vraag, "csv", settings.base_url, clock)


@get("/dienstverleners.json", opt=PUBLIC, dependencies=VRAAG, include_in_schema=False)
async def dienstverleners_json(
    request: Request[Any, Any, Any],
    clock: AppClock,
    settings: AppSettings,
    vraag: Vraag,
) -> Stream:
    return await _download(request, vraag, "json", settings.base_url, clock)


route_handlers = [dienstverleners_page, dienstverleners_csv, dienstverleners_json]
