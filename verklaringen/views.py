"""The pages of the verklaring process.

Public: ``/aanmelden`` (the form, CSRF-protected, with a honeypot field, a per-address limit and a
one-time form key against double submission), the applicant's status page, ``/verifieer`` (paste
a token or upload a PDF) and ``/verifieer/{nummer}`` (what the QR code on a verklaring opens).

Deelnemer contact: ``/verklaringen/te-ondertekenen`` and the signing page of one verklaring.

Admin (``/beheer/aanmeldingen``, ``/beheer/intakes``, ``/beheer/verklaringen``): the casemanager's
queue, toewijzen, the intake, voorstel and besluit, the stelsel's signature (afgifte), intrekken,
schorsen, herstellen (``/beheer/verklaringen/{nummer}/acties/{actie}``, with a confirmation step)
and vernieuwen. Each POST answers with a redirect and a message (303), or with
the same page and the problems next to the fields (400).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Permission, Principal
from registry.accounts.views import NO_STORE, current_principal
from registry.accounts.web import field_errors, page_info, page_links, read_form
from registry.audit.services import Actor
from registry.clock import Clock
from registry.dependencies import AppClock, AppKeyRing, AppSettings, DbSession, Paging
from registry.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie.identifiers import IdentificatieSoort
from registry.ledenadministratie.models import DeelnemerSoort
from registry.settings import Settings
from registry.templating import flash, page
from verklaringen import redenen, schemas
from verklaringen.embedded_files import MAX_PDF_BYTES
from verklaringen.models import AANMELDINGSTATUSSEN
from verklaringen.providers import DEPENDENCIES, Renderer, limit_aanmeldingen
from verklaringen.services import (
    aanmeldingen,
    afgifte,
    besluiten,
    intakes,
    levenscyclus,
    queries,
    verificatie,
)
from verklaringen.services.rollen import verklaringsrollen
from verklaringen.services.statuslijsten import DatabaseStatusSource
from verklaringen.services.toegang import actor_of, require_deelnemer_contact

PUBLIC = {"public": True}
LEZEN = {"permission": Permission.AANMELDINGEN_LEZEN}
VERKLARINGEN_LEZEN = {"permission": Permission.VERKLARINGEN_LEZEN}
BEHEREN = {"permission": Permission.VERKLARINGEN_BEHEREN}
ONDERTEKENEN_DEELNEMER = {"permission": Permission.VERKLARINGEN_ONDERTEKENEN_DEELNEMER}

SOORT_LABELS = {
    "gemeente": "Gemeente",
    "zorgaanbieder": "Zorgaanbieder",
    "jeugdhulpaanbieder": "Jeugdhulpaanbieder",
    "politie": "Politie",
    "veilig-thuis": "Veilig Thuis",
    "gecertificeerde-instelling": "Gecertificeerde instelling",
    "onderwijs": "Onderwijs",
    "softwareleverancier": "Softwareleverancier of dienstverlener",
    "overig": "Andere organisatie",
}
IDENTIFICATIE_LABELS = {
    "oin": "OIN",
    "rsin": "RSIN",
    "vestigingsnummer": "KvK-vestigingsnummer",
    "ura": "URA (UZI-register)",
    "agb": "AGB-code",
}
AANMELDING_LABELS = {
    "ingediend": "Ingediend",
    "in_behandeling": "In behandeling",
    "intake_afgerond": "Intake afgerond",
    "voorgesteld": "Besluit voorgesteld",
    "toegekend": "Toegekend, wacht op ondertekening",
    "afgewezen": "Afgewezen",
    "afgerond": "Verklaring afgegeven",
}
VERKLARING_LABELS = {
    "in_voorbereiding": "In voorbereiding",
    "nog_niet_geldig": "Nog niet geldig",
    "geldig": "Geldig",
    "verlopen": "Verlopen",
    "geschorst": "Geschorst",
    "ingetrokken": "Ingetrokken",
}
LABELS = {"aanmelding": AANMELDING_LABELS, "verklaring": VERKLARING_LABELS}


def _redirect(request: Request[Any, Any, Any], url: str, message: str, category: str = "success") -> Redirect:
    response = Redirect(url, status_code=303)
    flash(request, response, message, category)
    return response


def _page(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any], status_code: int = 200
) -> Template:
    return page(request, f"verklaringen/{template}", {"labels": LABELS, **context}, status_code=status_code)


# --- aanmelden (public) ---------------------------------------------------------------------------


async def _aanmeld_context(db_session: DbSession) -> dict[str, Any]:
    return {
        "rollen": await verklaringsrollen(db_session),
        "soorten": [(soort.value, SOORT_LABELS.get(soort.value, soort.value)) for soort in DeelnemerSoort],
        "identificatiesoorten": [
            (soort.value, IDENTIFICATIE_LABELS[soort.value])
            for soort in IdentificatieSoort
            if soort.value in IDENTIFICATIE_LABELS
        ],
    }


def _aanmelding_invoer(form: schemas.AanmeldFormulier) -> tuple[schemas.AanmeldingInvoer, list[str]]:
    """The API input for a form, and which form field each identificatie came from."""
    identificaties: list[schemas.IdentificatieInvoer] = []
    velden: list[str] = []
    if form.kvk.strip() or not form.andere_waarde.strip():
        identificaties.append(schemas.IdentificatieInvoer(soort="kvk", waarde=form.kvk))
        velden.append("kvk")
    if form.andere_waarde.strip():
        identificaties.append(schemas.IdentificatieInvoer(soort=form.andere_soort, waarde=form.andere_waarde))
        velden.append("andereWaarde")
    invoer = schemas.AanmeldingInvoer(
        organisatie=form.organisatie,
        identificaties=identificaties,
        rol=form.rol,
        contactpersoon=schemas.ContactpersoonInvoer(
            naam=form.contact_naam, email=form.contact_email, telefoon=form.contact_telefoon
        ),
        soort=form.soort or "overig",
        motivatie=form.motivatie,
    )
    return invoer, velden


def _form_errors(exc: ValidationFailed, velden: list[str]) -> dict[str, list[str]]:
    """Service field names (``identificaties[0].waarde``, ``contactpersoon.email``) as form field ids."""
    renamed: dict[str, list[str]] = {}
    for name, reasons in field_errors(exc).items():
        target = name
        if name.startswith("identificaties[") and velden:
            index = int(name.split("[", 1)[1].split("]", 1)[0])
            target = velden[min(index, len(velden) - 1)]
        elif name == "identificaties":
            target = "kvk"
        elif name.startswith("contactpersoon."):
            target = "contact" + name.split(".", 1)[1].title()
        renamed.setdefault(target, []).extend(reasons)
    return renamed


@get("/aanmelden", opt=PUBLIC, include_in_schema=False)
async def aanmelden_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    form = schemas.AanmeldFormulier(formulier_sleutel=secrets.token_urlsafe(24))
    return _page(
        request, "aanmelden.html", {"form": form, "errors": {}, **await _aanmeld_context(db_session)}
    )


@post("/aanmelden", opt=PUBLIC, include_in_schema=False, status_code=303)
async def aanmelden(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, clock: AppClock
) -> Response[Any]:
    form = await read_form(request, schemas.AanmeldFormulier)
    limit_aanmeldingen(request)
    if form.website.strip():
        # The honeypot was filled in: answer like a success, store nothing.
        return _page(request, "aanmelden_ontvangen.html", {"ontvangen": None})
    invoer, velden = _aanmelding_invoer(form)
    try:
        ontvangen = await aanmeldingen.dien_in(
            db_session,
            invoer,
            actor=Actor.anonymous("aanmeldformulier"),
            clock=clock,
            secret=settings.secret_key,
            idempotentiesleutel=form.formulier_sleutel or None,
        )
    except ValidationFailed as exc:
        context = {"form": form, "errors": _form_errors(exc, velden), **await _aanmeld_context(db_session)}
        return _page(request, "aanmelden.html", context, status_code=400)
    if ontvangen.status_url is None:
        return _page(request, "aanmelden_ontvangen.html", {"ontvangen": ontvangen})
    return _redirect(
        request,
        ontvangen.status_url,
        f"Uw aanmelding is ontvangen onder referentie {ontvangen.referentie}. "
        "Bewaar de link van deze pagina: daarmee volgt u de aanmelding.",
    )


@get("/aanmelden/status/{referentie:str}", opt=PUBLIC, include_in_schema=False)
async def aanmelding_status(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    referentie: FromPath[str],
    token: Annotated[str, QueryParameter(name="token", max_length=100)] = "",
) -> Template:
    status = await aanmeldingen.aanmelding_status(db_session, referentie, token, secret=settings.secret_key)
    response = _page(request, "aanmelding_status.html", {"status": status})
    response.headers.update({**NO_STORE, "Referrer-Policy": "no-referrer"})
    return response


# --- verifiëren (public) --------------------------------------------------------------------------


@get("/verifieer", opt=PUBLIC, include_in_schema=False)
async def verifieer_form(request: Request[Any, Any, Any]) -> Template:
    return _page(request, "verifieer.html", {"resultaat": None, "token": ""})


@post("/verifieer", opt=PUBLIC, include_in_schema=False, status_code=200)
async def verifieer(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    keyring: AppKeyRing,
) -> Template:
    form = await request.form()
    upload = form.get("pdf")
    token = str(form.get("token") or "")
    bron = DatabaseStatusSource(db_session, settings.base_url)
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_PDF_BYTES + 1)
        resultaat = await verificatie.verifieer_pdf(
            data, keyring=keyring, base_url=settings.base_url, now=clock.now(), status_source=bron
        )
    elif token.strip():
        resultaat = await verificatie.verifieer_token(
            token, keyring=keyring, base_url=settings.base_url, now=clock.now(), status_source=bron
        )
    else:
        errors = {"token": ["Plak de verklaring (de tekst die met eyJ begint) of kies een PDF."]}
        return _page(request, "verifieer.html", {"resultaat": None, "token": "", "errors": errors}, 400)
    return _page(
        request,
        "verifieer.html",
        {"resultaat": resultaat, "redenen": redenen.van_verificatie(resultaat), "token": token},
    )


@get("/verifieer/{nummer:str}", opt=PUBLIC, include_in_schema=False)
async def verifieer_nummer(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    keyring: AppKeyRing,
    nummer: FromPath[str],
) -> Template:
    detail = await queries.get_verklaring_detail(
        db_session, nummer, today=queries.today_of(clock.now()), base_url=settings.base_url
    )
    attestatie = await queries.verklaring_attestatie(db_session, nummer)
    controle = await verificatie.verifieer_token(
        attestatie,
        keyring=keyring,
        base_url=settings.base_url,
        now=clock.now(),
        status_source=DatabaseStatusSource(db_session, settings.base_url),
    )
    return _page(request, "verifieer_nummer.html", {"detail": detail, "controle": controle})


# --- ondertekenen door de deelnemer ------------------------------------------------------------------


@get("/verklaringen/te-ondertekenen", opt=ONDERTEKENEN_DEELNEMER, include_in_schema=False)
async def te_ondertekenen(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, clock: AppClock
) -> Template:
    me = current_principal(request)
    items = (
        await queries.verklaringen_van_deelnemer(
            db_session,
            uuid.UUID(me.deelnemer_id),
            today=queries.today_of(clock.now()),
            base_url=settings.base_url,
        )
        if me.deelnemer_id
        else []
    )
    return _page(request, "te_ondertekenen.html", {"verklaringen": items})


async def _signing_context(
    db_session: DbSession, nummer: str, me: Principal, clock: AppClock
) -> dict[str, Any]:
    verklaring = await queries.find_verklaring(db_session, nummer)
    require_deelnemer_contact(me, verklaring)
    detail = await queries.get_verklaring_detail(
        db_session, nummer, today=queries.today_of(clock.now()), base_url="", include_voorbereiding=True
    )
    return {"detail": detail, "verklaringstekst": afgifte.verklaringstekst(verklaring), "errors": {}}


@get("/verklaringen/{nummer:str}/ondertekenen", opt=ONDERTEKENEN_DEELNEMER, include_in_schema=False)
async def ondertekenen_form(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, nummer: FromPath[str]
) -> Template:
    context = await _signing_context(db_session, nummer, current_principal(request), clock)
    return _page(request, "ondertekenen.html", context)


@post(
    "/verklaringen/{nummer:str}/ondertekenen",
    opt=ONDERTEKENEN_DEELNEMER,
    include_in_schema=False,
    status_code=303,
)
async def ondertekenen(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, nummer: FromPath[str]
) -> Response[Any]:
    me = current_principal(request)
    form = await read_form(request, schemas.OndertekenFormulier)
    try:
        await afgifte.onderteken_als_deelnemer(
            db_session,
            nummer,
            akkoord=form.akkoord == "ja",
            document_hash=form.document_hash,
            principal=me,
            clock=clock,
        )
    except ValidationFailed as exc:
        context = await _signing_context(db_session, nummer, me, clock)
        return _page(request, "ondertekenen.html", {**context, "errors": field_errors(exc)}, status_code=400)
    return _redirect(
        request,
        "/verklaringen/te-ondertekenen",
        f"U heeft verklaring {nummer} ondertekend. De stelselorganisatie ondertekent nu ook; daarna is de "
        "verklaring afgegeven.",
    )


# --- beheer: aanmeldingen, intake, besluit -------------------------------------------------------------


@get("/beheer/aanmeldingen", opt=LEZEN, include_in_schema=False)
async def beheer_aanmeldingen(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    paging: Paging,
    status: Annotated[str, QueryParameter(name="status", max_length=30)] = "",
    wie: Annotated[str, QueryParameter(name="wie", pattern="^(alle|mij)$")] = "alle",
) -> Template:
    me = current_principal(request)
    items, total = await queries.list_aanmeldingen(
        db_session,
        paging,
        status=status if status in AANMELDINGSTATUSSEN else None,
        casemanager=uuid.UUID(me.id) if wie == "mij" and me.kind == "user" else None,
        open_only=not status,
    )
    return _page(
        request,
        "beheer_aanmeldingen.html",
        {
            "aanmeldingen": items,
            "status": status,
            "wie": wie,
            "statussen": [(s, AANMELDING_LABELS[s]) for s in AANMELDINGSTATUSSEN],
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
    )


async def _aanmelding_context(
    db_session: DbSession, settings: AppSettings, me: Principal, referentie: str
) -> dict[str, Any]:
    aanmelding = await queries.get_aanmelding(db_session, referentie)
    besluit = None
    try:
        besluit = await queries.get_besluit(db_session, referentie)
    except NotFound:
        besluit = None
    intake = await queries.get_intake(db_session, aanmelding.intake_id) if aanmelding.intake_id else None
    return {
        "aanmelding": aanmelding,
        "besluit": besluit,
        "intake": intake,
        "casemanagers": [(str(p.id), p.naam) for p in await aanmeldingen.casemanagers(db_session)],
        "status_link": settings.base_url
        + aanmeldingen.status_path(settings.secret_key, aanmelding.referentie),
        "mag_toewijzen": me.can(Permission.AANMELDINGEN_TOEWIJZEN),
        "mag_behandelen": me.can(Permission.INTAKES_UITVOEREN)
        and (
            me.can(Permission.BESLUITEN_NEMEN)
            or (aanmelding.casemanager and str(aanmelding.casemanager.id) == me.id)
        ),
        "mag_besluiten": me.can(Permission.BESLUITEN_NEMEN),
        "errors": {},
    }


@get("/beheer/aanmeldingen/{referentie:str}", opt=LEZEN, include_in_schema=False)
async def beheer_aanmelding(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, referentie: FromPath[str]
) -> Template:
    context = await _aanmelding_context(db_session, settings, current_principal(request), referentie)
    return _page(request, "beheer_aanmelding.html", context)


def _aanmelding_form_post(naam: str, permission: Permission) -> post:
    """The route of a form on the aanmelding page: ``/beheer/aanmeldingen/{referentie}/<naam>``."""
    return post(
        f"/beheer/aanmeldingen/{{referentie:str}}/{naam}",
        opt={"permission": permission},
        include_in_schema=False,
        status_code=303,
    )


async def _aanmelding_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    referentie: str,
    change: Callable[[], Awaitable[Response[Any]]],
) -> Response[Any]:
    """Run one change from a form of the aanmelding page: its answer, or the page again with the
    problems next to the fields."""
    try:
        return await change()
    except ValidationFailed as exc:
        context = await _aanmelding_context(db_session, settings, current_principal(request), referentie)
        errors = field_errors(exc)
        return _page(request, "beheer_aanmelding.html", {**context, "errors": errors}, status_code=400)


@_aanmelding_form_post("toewijzing", Permission.AANMELDINGEN_TOEWIJZEN)
async def toewijzen(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    referentie: FromPath[str],
) -> Response[Any]:
    form = await read_form(request, schemas.ToewijzingFormulier)

    async def wijs_toe() -> Response[Any]:
        try:
            casemanager = uuid.UUID(form.casemanager)
        except ValueError:
            raise ValidationFailed.single("casemanager", "Kies een casemanager.", "required") from None
        aanmelding = await aanmeldingen.wijs_toe(
            db_session, referentie, casemanager, actor=actor_of(current_principal(request)), clock=clock
        )
        naam = aanmelding.casemanager.naam if aanmelding.casemanager else ""
        return _redirect(request, f"/beheer/aanmeldingen/{aanmelding.referentie}", f"Toegewezen aan {naam}.")

    return await _aanmelding_form(request, db_session, settings, referentie, wijs_toe)


@_aanmelding_form_post("intake", Permission.INTAKES_UITVOEREN)
async def intake_starten(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, referentie: FromPath[str]
) -> Redirect:
    intake = await intakes.start_intake(
        db_session, referentie, principal=current_principal(request), clock=clock
    )
    return _redirect(request, f"/beheer/intakes/{intake.id}", f"De intake van {referentie} is begonnen.")


@get("/beheer/intakes/{intake_id:uuid}", opt=LEZEN, include_in_schema=False)
async def beheer_intake(
    request: Request[Any, Any, Any], db_session: DbSession, intake_id: FromPath[uuid.UUID]
) -> Template:
    intake = await queries.get_intake(db_session, intake_id)
    return _page(request, "beheer_intake.html", {"intake": intake, "errors": {}})


def _intake_invoer(form: Any, intake: schemas.Intake) -> schemas.IntakeInvoer:
    antwoorden = []
    for antwoord in intake.antwoorden:
        code = antwoord.duty_code
        ondersteund = str(form.get(f"ondersteund-{code}") or "") or None
        antwoorden.append(
            schemas.IntakeantwoordInvoer(
                duty_code=code,
                ondersteund=ondersteund,
                toelichting=str(form.get(f"toelichting-{code}") or ""),
                afspraken=str(form.get(f"afspraken-{code}") or ""),
            )
        )
    return schemas.IntakeInvoer(antwoorden=antwoorden)


def _intake_errors(exc: ValidationFailed, invoer: schemas.IntakeInvoer) -> dict[str, list[str]]:
    """Service field names (``antwoorden.CODE``, ``antwoorden.CODE.afspraken``,
    ``antwoorden[0].toelichting``) as the ids of the intake form's fields (``ondersteund-CODE``, …)."""
    renamed: dict[str, list[str]] = {}
    for name, reasons in field_errors(exc).items():
        target = name
        if name.startswith("antwoorden["):
            index = int(name.split("[", 1)[1].split("]", 1)[0])
            veld = name.rsplit(".", 1)[1]
            if index < len(invoer.antwoorden) and veld in ("ondersteund", "toelichting", "afspraken"):
                target = f"{veld}-{invoer.antwoorden[index].duty_code}"
        elif name.startswith("antwoorden."):
            code, _, veld = name.removeprefix("antwoorden.").partition(".")
            target = f"{veld or 'ondersteund'}-{code}"
        renamed.setdefault(target, []).extend(reasons)
    return renamed


@post(
    "/beheer/intakes/{intake_id:uuid}",
    opt={"permission": Permission.INTAKES_UITVOEREN},
    include_in_schema=False,
    status_code=303,
    dependencies=DEPENDENCIES,
)
async def intake_bewaren(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    renderer: Renderer,
    intake_id: FromPath[uuid.UUID],
) -> Response[Any]:
    me = current_principal(request)
    form = await request.form()
    intake = await queries.get_intake(db_session, intake_id)
    invoer = _intake_invoer(form, intake)
    try:
        saved = await intakes.bewaar_intake(db_session, intake_id, invoer, principal=me, clock=clock)
        if form.get("actie") == "afronden":
            await intakes.rond_intake_af(db_session, intake_id, principal=me, clock=clock, renderer=renderer)
            return _redirect(
                request, f"/beheer/aanmeldingen/{saved.aanmelding}", "De intake is afgerond en vastgelegd."
            )
    except ValidationFailed as exc:
        current = await queries.get_intake(db_session, intake_id)
        errors = _intake_errors(exc, invoer)
        return _page(request, "beheer_intake.html", {"intake": current, "errors": errors}, 400)
    return _redirect(request, f"/beheer/intakes/{intake_id}", "De intake is bewaard.")


@get("/beheer/intakes/{intake_id:uuid}/intakeformulier", opt=LEZEN, include_in_schema=False)
async def intakeformulier(db_session: DbSession, intake_id: FromPath[uuid.UUID]) -> Response[bytes]:
    document = await queries.intake_document(db_session, intake_id)
    return Response(
        document.inhoud,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.bestandsnaam}"', **NO_STORE},
    )


@_aanmelding_form_post("voorstel", Permission.INTAKES_UITVOEREN)
async def voorstellen(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    referentie: FromPath[str],
) -> Response[Any]:
    form = await read_form(request, schemas.VoorstelFormulier)
    try:
        maanden = int(form.geldigheid_maanden or "24")
    except ValueError:
        maanden = 0
    invoer = schemas.VoorstelInvoer(
        voorstel=form.voorstel, motivering=form.motivering, geldigheid_maanden=maanden
    )

    async def stel_voor() -> Response[Any]:
        await besluiten.stel_voor(
            db_session, referentie, invoer, principal=current_principal(request), clock=clock
        )
        return _redirect(request, f"/beheer/aanmeldingen/{referentie}", "Het voorstel is vastgelegd.")

    return await _aanmelding_form(request, db_session, settings, referentie, stel_voor)


@_aanmelding_form_post("besluit", Permission.BESLUITEN_NEMEN)
async def besluiten_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    referentie: FromPath[str],
) -> Response[Any]:
    form = await read_form(request, schemas.BesluitFormulier)
    invoer = schemas.BesluitInvoer(uitkomst=form.uitkomst, reden=form.reden)

    async def besluit() -> Response[Any]:
        genomen = await besluiten.besluit(
            db_session, referentie, invoer, principal=current_principal(request), clock=clock
        )
        if genomen.verklaring:
            return _redirect(
                request,
                f"/beheer/verklaringen/{genomen.verklaring}",
                f"Toegekend. Verklaring {genomen.verklaring} wacht op de ondertekening door de organisatie.",
            )
        return _redirect(request, f"/beheer/aanmeldingen/{referentie}", "De aanmelding is afgewezen.")

    return await _aanmelding_form(request, db_session, settings, referentie, besluit)


# --- beheer: verklaringen -----------------------------------------------------------------------------


@get("/beheer/verklaringen", opt=VERKLARINGEN_LEZEN, include_in_schema=False)
async def beheer_verklaringen(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    paging: Paging,
    status: Annotated[str, QueryParameter(name="status", max_length=30)] = "",
    deelnemer: Annotated[str, QueryParameter(name="deelnemer", max_length=80)] = "",
) -> Template:
    errors: dict[str, list[str]] = {}
    try:
        items, total = await queries.list_verklaringen(
            db_session,
            paging,
            today=queries.today_of(clock.now()),
            base_url=settings.base_url,
            status=status if status in queries.VERKLARINGSTATUSSEN else None,
            deelnemer=deelnemer or None,
            include_voorbereiding=True,
        )
    except ValidationFailed as exc:
        # A deelnemer that is neither an id nor an identificatie: the filter form says so.
        items, total, errors = [], 0, field_errors(exc)
    return _page(
        request,
        "beheer_verklaringen.html",
        {
            "verklaringen": items,
            "status": status,
            "deelnemer": deelnemer,
            "statussen": list(VERKLARING_LABELS.items()),
            "errors": errors,
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
        status_code=400 if errors else 200,
    )


@get("/beheer/verklaringen/{nummer:str}", opt=VERKLARINGEN_LEZEN, include_in_schema=False)
async def beheer_verklaring(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    nummer: FromPath[str],
) -> Template:
    me = current_principal(request)
    detail = await queries.get_verklaring_detail(
        db_session,
        nummer,
        today=queries.today_of(clock.now()),
        base_url=settings.base_url,
        include_voorbereiding=True,
    )
    mag_beheren = me.can(Permission.VERKLARINGEN_BEHEREN)
    # Only the actions the service will take now are offered (levenscyclus.waarom_niet).
    belemmeringen = await levenscyclus.belemmeringen(db_session, detail.verklaring) if mag_beheren else {}
    vernieuwen = belemmeringen.get("vernieuwen")
    return _page(
        request,
        "beheer_verklaring.html",
        {
            "detail": detail,
            "mag_ondertekenen": me.can(Permission.VERKLARINGEN_ONDERTEKENEN_STELSEL),
            "mag_beheren": mag_beheren,
            "mogelijk": {
                actie: actie in belemmeringen and belemmeringen[actie] is None
                for actie in levenscyclus.ACTIES
            },
            # Renewing is expected of a verklaring in force: the page says why it is not offered.
            "vernieuwing_loopt": vernieuwen if vernieuwen and vernieuwen.lopende_aanmelding else None,
        },
    )


@post(
    "/beheer/verklaringen/{nummer:str}/ondertekenen",
    opt={"permission": Permission.VERKLARINGEN_ONDERTEKENEN_STELSEL},
    include_in_schema=False,
    status_code=303,
    dependencies=DEPENDENCIES,
)
async def afgeven(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    keyring: AppKeyRing,
    renderer: Renderer,
    nummer: FromPath[str],
) -> Redirect:
    form = await read_form(request, schemas.OndertekenFormulier)
    if form.akkoord != "ja":
        return _redirect(
            request, f"/beheer/verklaringen/{nummer}", "Bevestig de afgifte om te ondertekenen.", "error"
        )
    verklaring = await afgifte.geef_af(
        db_session,
        nummer,
        document_hash=form.document_hash,
        principal=current_principal(request),
        clock=clock,
        signer=keyring.active_signer(),
        base_url=settings.base_url,
        renderer=renderer,
    )
    return _redirect(
        request,
        f"/beheer/verklaringen/{verklaring.nummer}",
        f"Verklaring {verklaring.nummer} is ondertekend en afgegeven.",
    )


_ACTIONS = {
    "intrekken": (
        "intrekken",
        "Verklaring {nummer} intrekken",
        [
            "De verklaring is daarna definitief ongeldig; dat staat direct in de statuslijst.",
            "De rolvervulling op basis van deze verklaring eindigt vandaag.",
        ],
    ),
    "schorsen": (
        "schorsen",
        "Verklaring {nummer} schorsen",
        ["De verklaring is ongeldig tot zij wordt hersteld; dat staat direct in de statuslijst."],
    ),
    "herstellen": (
        "herstellen",
        "Schorsing van verklaring {nummer} opheffen",
        ["De verklaring is daarna weer geldig (binnen haar geldigheidsduur)."],
    ),
}


def _waarom_niet(verklaring: schemas.Verklaring, actie: str) -> str | None:
    belemmering = levenscyclus.waarom_niet(verklaring, actie)
    return None if belemmering is None else belemmering.reden


def _actie_page(
    request: Request[Any, Any, Any],
    verklaring: schemas.Verklaring,
    actie: str,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    *,
    niet_mogelijk: str | None = None,
) -> Template:
    """The confirmation page of an action: what it does and a field for the reason, or, when the
    action is not possible for the verklaring as it is now, why not (and no button)."""
    _name, title, consequences = _ACTIONS[actie]
    context = {
        "nummer": verklaring.nummer,
        "actie": actie,
        "titel": title.format(nummer=verklaring.nummer),
        "gevolgen": consequences,
        "niet_mogelijk": niet_mogelijk or _waarom_niet(verklaring, actie),
        "errors": errors or {},
    }
    return _page(request, "beheer_bevestigen.html", context, status_code=status_code)


async def _verklaring_voor_actie(
    db_session: AsyncSession, settings: Settings, clock: Clock, nummer: str
) -> schemas.Verklaring:
    return await queries.get_verklaring(
        db_session,
        nummer,
        today=queries.today_of(clock.now()),
        base_url=settings.base_url,
        include_voorbereiding=True,
    )


@get("/beheer/verklaringen/{nummer:str}/acties/{actie:str}", opt=BEHEREN, include_in_schema=False)
async def actie_bevestigen(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    nummer: FromPath[str],
    actie: FromPath[str],
) -> Template:
    if actie not in _ACTIONS:
        raise NotFound("Deze pagina bestaat niet.")
    verklaring = await _verklaring_voor_actie(db_session, settings, clock, nummer)
    return _actie_page(request, verklaring, actie)


@post(
    "/beheer/verklaringen/{nummer:str}/acties/{actie:str}",
    opt=BEHEREN,
    include_in_schema=False,
    status_code=303,
)
async def actie_uitvoeren(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    clock: AppClock,
    nummer: FromPath[str],
    actie: FromPath[str],
) -> Response[Any]:
    me = current_principal(request)
    if actie == "vernieuwen":
        try:
            aanmelding = await levenscyclus.vernieuw(db_session, nummer, principal=me, clock=clock)
        except (Conflict, InvalidTransition) as exc:
            return _redirect(request, f"/beheer/verklaringen/{nummer}", exc.detail, "error")
        return _redirect(
            request,
            f"/beheer/aanmeldingen/{aanmelding.referentie}",
            f"Vernieuwing geopend als aanmelding {aanmelding.referentie}; wijs een casemanager toe.",
        )
    if actie not in _ACTIONS:
        raise NotFound("Deze pagina bestaat niet.")
    form = await read_form(request, schemas.RedenFormulier)
    operation = {
        "intrekken": levenscyclus.trek_in,
        "schorsen": levenscyclus.schors,
        "herstellen": levenscyclus.herstel,
    }[actie]
    try:
        await operation(db_session, nummer, form.reden, principal=me, clock=clock, base_url=settings.base_url)
    except ValidationFailed as exc:
        verklaring = await _verklaring_voor_actie(db_session, settings, clock, nummer)
        return _actie_page(request, verklaring, actie, field_errors(exc), status_code=400)
    except InvalidTransition as exc:
        verklaring = await _verklaring_voor_actie(db_session, settings, clock, nummer)
        return _actie_page(request, verklaring, actie, status_code=409, niet_mogelijk=exc.detail)
    done = {"intrekken": "ingetrokken", "schorsen": "geschorst", "herstellen": "hersteld"}[actie]
    return _redirect(request, f"/beheer/verklaringen/{nummer}", f"Verklaring {nummer} is {done}.")


route_handlers = [
    aanmelden_form,
    aanmelden,
    aanmelding_status,
    verifieer_form,
    verifieer,
    verifieer_nummer,
    te_ondertekenen,
    ondertekenen_form,
    ondertekenen,
    beheer_aanmeldingen,
    beheer_aanmelding,
    toewijzen,
    intake_starten,
    beheer_intake,
    intake_bewaren,
    intakeformulier,
    voorstellen,
    besluiten_page,
    beheer_verklaringen,
    beheer_verklaring,
    afgeven,
    actie_bevestigen,
    actie_uitvoeren,
]
