"""The register in and out as files, for the beheerder (``deelnemers:beheren``).

Import: the upload page names the columns; an uploaded file is first checked (a proef) and its report
shown as a table; only when every regel is in order does the page offer to import it, from the copy
kept by :mod:`registry.ledenadministratie.importbestanden`. The upload route accepts a body up to
``STELSEL_MAX_UPLOAD_BYTES`` rather than the general request limit.

Export: the whole register as CSV or JSON, streamed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import HttpMethod, Litestar, Request, get, post
from litestar.datastructures import UploadFile
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from registry.accounts.views import current_principal
from registry.dependencies import AppClock, AppSettings, DbSession
from registry.ledenadministratie import export, importbestanden
from registry.ledenadministratie.importer import GENEGEERD, KOLOMMEN, aantal, import_deelnemers
from registry.ledenadministratie.schemas import Importverslag
from registry.ledenadministratie.views.formulieren import MANAGE, actor_of, redirect_with
from registry.templating import page

UPLOAD_FIELD = "bestand"


class UploadRoute(HTTPRouteHandler):
    """A route whose body may be as large as ``settings.max_upload_bytes`` (set when the app
    registers the route) instead of the general request limit."""

    def on_registration(self, app: Litestar) -> None:
        self.request_max_body_size = app.state.settings.max_upload_bytes
        super().on_registration(app)


def _import_page(
    request: Request[Any, Any, Any],
    *,
    verslag: Importverslag | None = None,
    bestand: importbestanden.Importbestand | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "ledenadministratie/import.html",
        {
            "kolommen": KOLOMMEN,
            "genegeerd": GENEGEERD,
            "verslag": verslag,
            "bestand": bestand,
            "errors": errors or {},
            "regels": aantal(verslag.regels, "regel", "regels") if verslag else "",
        },
        status_code=status_code,
    )


@get("/beheer/deelnemers/import", opt=MANAGE, include_in_schema=False)
async def import_form(request: Request[Any, Any, Any]) -> Template:
    return _import_page(request)


@UploadRoute(
    "/beheer/deelnemers/import",
    http_method=HttpMethod.POST,
    opt=MANAGE,
    include_in_schema=False,
    status_code=200,
)
async def import_check(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, clock: AppClock
) -> Template:
    """Check the uploaded file, write nothing, and show the report."""
    form = await request.form()
    upload = form.get(UPLOAD_FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, errors={UPLOAD_FIELD: ["Kies een CSV-bestand."]}, status_code=400)
    try:
        bestand = importbestanden.bewaar(
            settings.data_dir, upload.file, bestandsnaam=upload.filename,
            eigenaar=current_principal(request).id, now=clock.now(),
        )  # fmt: skip
    finally:
        await upload.close()
    with bestand.pad.open("rb") as bron:
        verslag = await import_deelnemers(
            db_session,
            bron,
            actor=actor_of(request),
            clock=clock,
            bestandsnaam=bestand.bestandsnaam,
            proef=True,
        )
    if not verslag.in_orde:
        importbestanden.verwijder(bestand)
        return _import_page(request, verslag=verslag, status_code=400)
    return _import_page(request, verslag=verslag, bestand=bestand)


@post("/beheer/deelnemers/import/{token:str}", opt=MANAGE, include_in_schema=False, status_code=200)
async def import_run(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    token: FromPath[str],
) -> Template | Redirect:
    """Import a file that passed its check; all or nothing, checked again as it is written."""
    bestand = importbestanden.haal(
        settings.data_dir, token, eigenaar=current_principal(request).id, now=clock.now()
    )
    with bestand.pad.open("rb") as bron:
        verslag = await import_deelnemers(
            db_session, bron, actor=actor_of(request), clock=clock, bestandsnaam=bestand.bestandsnaam
        )
    importbestanden.verwijder(bestand)
    if not verslag.in_orde:
        return _import_page(request, verslag=verslag, status_code=409)
    melding = f"{aantal(verslag.aangemeld, 'deelnemer', 'deelnemers')} uit {bestand.bestandsnaam} aangemeld."
    return redirect_with(request, "/beheer/deelnemers?status=aangemeld", melding)


def _export(request: Request[Any, Any, Any], formaat: str) -> Stream:
    factory = request.app.state.db_sessionmaker

    async def chunks() -> AsyncIterator[bytes]:
        # A session of its own: the request's session is closed when the handler returns, while
        # the export is still being streamed.
        async with factory() as session:
            async for chunk in export.export_deelnemers(session, formaat):
                yield chunk.encode("utf-8")

    return Stream(
        chunks(),
        media_type=export.MEDIA_TYPES[formaat],
        headers={
            "Content-Disposition": f'attachment; filename="deelnemers.{formaat}"',
            "Cache-Control": "no-store",
        },
    )


@get("/beheer/deelnemers/export.csv", opt=MANAGE, include_in_schema=False)
async def export_csv(request: Request[Any, Any, Any]) -> Stream:
    return _export(request, "csv")


@get("/beheer/deelnemers/export.json", opt=MANAGE, include_in_schema=False)
async def export_json(request: Request[Any, Any, Any]) -> Stream:
    return _export(request, "json")


route_handlers = [import_form, import_check, import_run, export_csv, export_json]
