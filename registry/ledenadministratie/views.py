"""Beheer screens of the ledenadministratie: the list of deelnemers, a deelnemer's page with its roles,
relations and history, registering and editing a deelnemer, and changing its status.

Forms post flat fields; :class:`DeelnemerForm` turns them into the service input, and the services'
field names (``adres.postcode``, ``identificaties[1].waarde``) are mapped back onto the form's fields
so that every problem shows next to the field it concerns.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from registry.accounts.permissions import Permission, principal_of
from registry.accounts.services import actor_for
from registry.accounts.views import current_principal
from registry.accounts.web import page_info, page_links, read_form
from registry.audit.services import Actor
from registry.dependencies import AppClock, DbSession, Paging
from registry.errors import DomainError, InvalidParam, InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.catalogus import (
    DIENSTVERLENER,
    CatalogusOntbreekt,
    catalogus_rol,
    catalogus_rollen,
)
from registry.ledenadministratie.models import (
    STATUS_TRANSITIONS,
    Deelnemer,
    DeelnemerSoort,
    DeelnemerStatus,
    Rolvervulling,
)
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import (
    AdresInvoer,
    BasisInvoer,
    Beeindiging,
    ContactpersoonInvoer,
    DeelnemerCreate,
    DeelnemerUpdate,
    IdentificatieInvoer,
    RolvervullingCreate,
)
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from registry.templating import flash, page

READ = {"permission": Permission.DEELNEMERS_LEZEN}
MANAGE = {"permission": Permission.DEELNEMERS_BEHEREN}
CONTACT_ROWS = 3
SOORT_OPTIONS = [(soort.value, soort.label) for soort in DeelnemerSoort]
STATUS_OPTIONS = [(status.value, status.label) for status in DeelnemerStatus]
COLUMNS = [
    {"key": "naam", "label": "Naam"},
    {"key": "soort", "label": "Soort"},
    {"key": "identificaties", "label": "Identificaties"},
    {"key": "regio", "label": "Regio"},
    {"key": "status", "label": "Status"},
]


class DeelnemerForm(msgspec.Struct, kw_only=True, rename="camel"):
    """The deelnemer form as posted: identificaties one per line (``kvk:12345678``), up to
    :data:`CONTACT_ROWS` contactpersonen as parallel lists."""

    naam: str = ""
    soort: str = ""
    identificaties: str = ""
    regio: str = ""
    website: str = ""
    adres_straat: str = ""
    adres_huisnummer: str = ""
    adres_postcode: str = ""
    adres_plaats: str = ""
    contact_naam: list[str] = msgspec.field(default_factory=list)
    contact_functie: list[str] = msgspec.field(default_factory=list)
    contact_email: list[str] = msgspec.field(default_factory=list)
    contact_telefoon: list[str] = msgspec.field(default_factory=list)

    def identificatie_invoer(self) -> list[IdentificatieInvoer]:
        lines = [line.strip() for line in self.identificaties.splitlines()]
        return [
            IdentificatieInvoer(soort=soort.strip(), waarde=waarde.strip())
            for soort, _, waarde in (line.partition(":") for line in lines if line)
        ]

    def adres_invoer(self) -> AdresInvoer:
        return AdresInvoer(
            straat=self.adres_straat, huisnummer=self.adres_huisnummer,
            postcode=self.adres_postcode, plaats=self.adres_plaats,
        )  # fmt: skip

    def contact_invoer(self) -> list[ContactpersoonInvoer]:
        rows = []
        for index in range(max(len(self.contact_naam), len(self.contact_email), len(self.contact_functie))):
            values = [
                column[index] if index < len(column) else ""
                for column in (
                    self.contact_naam,
                    self.contact_functie,
                    self.contact_email,
                    self.contact_telefoon,
                )
            ]
            if any(value.strip() for value in values):
                naam, functie, email, telefoon = values
                rows.append(ContactpersoonInvoer(naam=naam, functie=functie, email=email, telefoon=telefoon))
        return rows

    def create(self) -> DeelnemerCreate:
        return DeelnemerCreate(
            naam=self.naam, soort=self.soort, identificaties=self.identificatie_invoer(),
            adres=self.adres_invoer(), regio=self.regio, website=self.website,
            contactpersonen=self.contact_invoer(),
        )  # fmt: skip

    def update(self) -> DeelnemerUpdate:
        return DeelnemerUpdate(
            naam=self.naam, soort=self.soort, identificaties=self.identificatie_invoer(),
            adres=self.adres_invoer(), regio=self.regio, website=self.website,
            contactpersonen=self.contact_invoer(),
        )  # fmt: skip

    @classmethod
    def of(cls, deelnemer: Deelnemer) -> DeelnemerForm:
        contacts = deelnemer.contactpersonen
        return cls(
            naam=deelnemer.naam,
            soort=deelnemer.soort,
            identificaties="\n".join(f"{i.soort}:{i.waarde}" for i in deelnemer.identificaties),
            regio=deelnemer.regio or "",
            website=deelnemer.website or "",
            adres_straat=deelnemer.adres_straat or "",
            adres_huisnummer=deelnemer.adres_huisnummer or "",
            adres_postcode=deelnemer.adres_postcode or "",
            adres_plaats=deelnemer.adres_plaats or "",
            contact_naam=[c.naam for c in contacts],
            contact_functie=[c.functie for c in contacts],
            contact_email=[c.email for c in contacts],
            contact_telefoon=[c.telefoon or "" for c in contacts],
        )


_INDEXED = re.compile(r"^(identificaties|contactpersonen)\[(\d+)\](?:\.(\w+))?$")


def form_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """The service's problems keyed by the id of the form field they belong to."""
    errors: dict[str, list[str]] = {}
    for param in exc.invalid_params:
        name, reason = param.name, param.reason
        if match := _INDEXED.match(name):
            lijst, index, veld = match.group(1), int(match.group(2)), match.group(3) or "naam"
            if lijst == "identificaties":
                name, reason = "identificaties", f"Regel {index + 1}: {reason}"
            else:
                name = f"contact{veld.capitalize()}-{index}"
        elif name.startswith("adres."):
            name = "adres" + name.removeprefix("adres.").capitalize()
        errors.setdefault(name, []).append(reason)
    return errors


def _actor(request: Request[Any, Any, Any]) -> Actor:
    return actor_for(current_principal(request))


def _redirect(request: Request[Any, Any, Any], url: str, message: str) -> Redirect:
    response = Redirect(url, status_code=303)
    flash(request, response, message)
    return response


# --- list ----------------------------------------------------------------------------------------------


@get("/beheer/deelnemers", opt=READ, include_in_schema=False)
async def deelnemer_list(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    paging: Paging,
    zoek: Annotated[str, QueryParameter(name="zoek", max_length=200)] = "",
    status: Annotated[str, QueryParameter(name="status", max_length=20)] = "",
    soort: Annotated[str, QueryParameter(name="soort", max_length=40)] = "",
) -> Template:
    vraag = services.Zoekvraag(zoek=zoek, status=status, soort=soort)
    errors: dict[str, list[str]] = {}
    try:
        items, total = await services.search_deelnemers(db_session, vraag, Peildatum.at(clock.now()), paging)
    except ValidationFailed as exc:
        items, total, errors = [], 0, form_errors(exc)
    principal = principal_of(request)
    return page(
        request,
        "ledenadministratie/deelnemers.html",
        {
            "deelnemers": items,
            "columns": COLUMNS,
            "filters": {"zoek": zoek, "status": status, "soort": soort},
            "errors": errors,
            "soorten": SOORT_OPTIONS,
            "statussen": STATUS_OPTIONS,
            "soort_labels": dict(SOORT_OPTIONS),
            "may_manage": principal is not None and principal.can(Permission.DEELNEMERS_BEHEREN),
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
        status_code=400 if errors else 200,
    )


# --- detail and status -----------------------------------------------------------------------------------


async def _detail_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    deelnemer_id: uuid.UUID,
    status_errors: dict[str, list[str]] | None = None,
    status_form: dict[str, str] | None = None,
    status_code: int = 200,
    rol_form: RolForm | None = None,
    rol_errors: dict[str, list[str]] | None = None,
) -> Template:
    deelnemer = await services.get_deelnemer(
        db_session, str(deelnemer_id), Peildatum.at(clock.now()), volledig=True
    )
    principal = principal_of(request)
    current = DeelnemerStatus(deelnemer.status)
    return page(
        request,
        "ledenadministratie/deelnemer.html",
        {
            "deelnemer": deelnemer,
            "soort_label": DeelnemerSoort(deelnemer.soort).label,
            "rolvervullingen": await services.all_rolvervullingen(db_session, deelnemer_id),
            "vandaag": Peildatum.at(clock.now()).datum,
            "may_manage": principal is not None and principal.can(Permission.DEELNEMERS_BEHEREN),
            "transitions": [(s.value, s.label) for s in DeelnemerStatus if s in STATUS_TRANSITIONS[current]],
            "status_errors": status_errors or {},
            "status_form": status_form or {},
            "may_grant": principal is not None and principal.can(Permission.ROLVERVULLINGEN_BEHEREN),
            "rollen": await catalogus_rollen(db_session),
            "basissen": BASIS_OPTIONS,
            "rol_form": rol_form or RolForm(),
            "rol_errors": rol_errors or {},
        },
        status_code=status_code,
    )


@get("/beheer/deelnemers/{deelnemer_id:uuid}", opt=READ, include_in_schema=False)
async def deelnemer_detail(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: uuid.UUID
) -> Template:
    return await _detail_page(request, db_session, clock, deelnemer_id)


class StatusForm(msgspec.Struct, kw_only=True):
    status: str = ""
    reden: str = ""


@post("/beheer/deelnemers/{deelnemer_id:uuid}/status", opt=MANAGE, include_in_schema=False)
async def deelnemer_status(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: uuid.UUID
) -> Template | Redirect:
    form = await read_form(request, StatusForm)
    filled = {"status": form.status, "reden": form.reden}
    try:
        await services.change_deelnemer_status(
            db_session, deelnemer_id, form.status, form.reden, actor=_actor(request), clock=clock
        )
    except ValidationFailed as exc:
        return await _detail_page(request, db_session, clock, deelnemer_id, form_errors(exc), filled, 400)
    except InvalidTransition as exc:
        return await _detail_page(
            request, db_session, clock, deelnemer_id, {"status": [exc.detail]}, filled, 409
        )
    label = DeelnemerStatus(form.status.strip().lower().replace("ë", "e")).label.lower()
    return _redirect(request, f"/beheer/deelnemers/{deelnemer_id}", f"De status is nu {label}.")


# --- registering and editing ----------------------------------------------------------------------------


def _form_page(
    request: Request[Any, Any, Any],
    form: DeelnemerForm,
    *,
    deelnemer_id: uuid.UUID | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    rows = max(CONTACT_ROWS, len(form.contact_naam) + 1)
    contacts = [
        {
            field: (values[index] if index < len(values) else "")
            for field, values in (
                ("naam", form.contact_naam),
                ("functie", form.contact_functie),
                ("email", form.contact_email),
                ("telefoon", form.contact_telefoon),
            )
        }
        for index in range(rows)
    ]
    return page(
        request,
        "ledenadministratie/deelnemer_form.html",
        {
            "form": form,
            "contacts": contacts,
            "deelnemer_id": deelnemer_id,
            "errors": errors or {},
            "soorten": SOORT_OPTIONS,
        },
        status_code=status_code,
    )


@get("/beheer/deelnemers/nieuw", opt=MANAGE, include_in_schema=False)
async def deelnemer_new(request: Request[Any, Any, Any]) -> Template:
    return _form_page(request, DeelnemerForm())


@post("/beheer/deelnemers", opt=MANAGE, include_in_schema=False)
async def deelnemer_create(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock
) -> Template | Redirect:
    form = await read_form(request, DeelnemerForm)
    try:
        deelnemer = await services.create_deelnemer(
            db_session, form.create(), actor=_actor(request), clock=clock
        )
    except ValidationFailed as exc:
        return _form_page(request, form, errors=form_errors(exc), status_code=exc.status)
    return _redirect(request, f"/beheer/deelnemers/{deelnemer.id}", f"{deelnemer.naam} is aangemeld.")


@get("/beheer/deelnemers/{deelnemer_id:uuid}/bewerken", opt=MANAGE, include_in_schema=False)
async def deelnemer_edit(
    request: Request[Any, Any, Any], db_session: DbSession, deelnemer_id: uuid.UUID
) -> Template:
    deelnemer = await get_deelnemer_by_id(db_session, deelnemer_id)
    return _form_page(request, DeelnemerForm.of(deelnemer), deelnemer_id=deelnemer_id)


@post("/beheer/deelnemers/{deelnemer_id:uuid}/bewerken", opt=MANAGE, include_in_schema=False)
async def deelnemer_update(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: uuid.UUID
) -> Template | Redirect:
    form = await read_form(request, DeelnemerForm)
    try:
        deelnemer = await services.update_deelnemer(
            db_session, deelnemer_id, form.update(), actor=_actor(request), clock=clock
        )
    except ValidationFailed as exc:
        return _form_page(
            request, form, deelnemer_id=deelnemer_id, errors=form_errors(exc), status_code=exc.status
        )
    except InvalidTransition as exc:
        response = Redirect(f"/beheer/deelnemers/{deelnemer_id}", status_code=303)
        flash(request, response, exc.detail, "error")
        return response
    return _redirect(
        request, f"/beheer/deelnemers/{deelnemer_id}", f"De gegevens van {deelnemer.naam} zijn opgeslagen."
    )


# --- granting and ending roles ----------------------------------------------------------------------------

ROLES = {"permission": Permission.ROLVERVULLINGEN_BEHEREN}
BASIS_OPTIONS = [("besluit", "Besluit (kenmerk)"), ("verklaring", "Verklaring (nummer)")]


class RolForm(msgspec.Struct, kw_only=True, rename="camel"):
    """A role to grant, as posted from the deelnemer page."""

    rol_code: str = ""
    geldig_van: str = ""
    geldig_tot: str = ""
    basis_soort: str = "besluit"
    basis_referentie: str = ""
    toelichting: str = ""

    def invoer(self) -> RolvervullingCreate:
        """The service input; an unreadable date is reported under its field name."""
        problems: list[InvalidParam] = []
        van = _date(self.geldig_van, "geldigVan", problems, required=True)
        tot = _date(self.geldig_tot, "geldigTot", problems, required=False)
        if problems:
            raise ValidationFailed(problems)
        assert van is not None
        return RolvervullingCreate(
            rol_code=self.rol_code, geldig_van=van, geldig_tot=tot,
            basis=BasisInvoer(soort=self.basis_soort, referentie=self.basis_referentie),
            toelichting=self.toelichting,
        )  # fmt: skip


def _date(text: str, field: str, problems: list[InvalidParam], *, required: bool) -> date | None:
    if not text.strip():
        if required:
            problems.append(InvalidParam(field, "Vul een datum in.", "required"))
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(InvalidParam(field, f"'{text.strip()}' is geen datum zoals 2026-01-01."))
        return None


def _rol_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for param in exc.invalid_params:
        name = {"basis.soort": "basisSoort", "basis.referentie": "basisReferentie"}.get(
            param.name, param.name
        )
        errors.setdefault(name, []).append(param.reason)
    return errors


@post("/beheer/deelnemers/{deelnemer_id:uuid}/rollen", opt=ROLES, include_in_schema=False)
async def rolvervulling_create(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: uuid.UUID
) -> Template | Redirect:
    form = await read_form(request, RolForm)
    try:
        rolvervulling = await services.create_rolvervulling(
            db_session, deelnemer_id, form.invoer(), actor=_actor(request), clock=clock
        )
    except ValidationFailed as exc:
        return await _detail_page(
            request,
            db_session,
            clock,
            deelnemer_id,
            status_code=exc.status,
            rol_form=form,
            rol_errors=_rol_errors(exc),
        )
    except DomainError as exc:
        return await _detail_page(
            request, db_session, clock, deelnemer_id, status_code=exc.status, rol_form=form,
            rol_errors={"rolCode": [exc.detail]},
        )  # fmt: skip
    return _redirect(
        request, f"/beheer/deelnemers/{deelnemer_id}", f"De rol {rolvervulling.rol_code} is toegekend."
    )


class BeeindigForm(msgspec.Struct, kw_only=True):
    einddatum: str = ""
    reden: str = ""


async def _end_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    rolvervulling_id: uuid.UUID,
    form: BeeindigForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    rolvervulling = await db_session.get(Rolvervulling, rolvervulling_id)
    if rolvervulling is None:
        raise NotFound(f"Er is geen rolvervulling met id {rolvervulling_id}.")
    deelnemer = await get_deelnemer_by_id(db_session, rolvervulling.deelnemer_id)
    return page(
        request,
        "ledenadministratie/rol_beeindigen.html",
        {
            "rolvervulling": rolvervulling,
            "deelnemer": deelnemer,
            "form": form or BeeindigForm(),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@get("/beheer/rolvervullingen/{rolvervulling_id:uuid}/beeindigen", opt=ROLES, include_in_schema=False)
async def rolvervulling_end_form(
    request: Request[Any, Any, Any], db_session: DbSession, rolvervulling_id: uuid.UUID
) -> Template:
    return await _end_page(request, db_session, rolvervulling_id)


@post("/beheer/rolvervullingen/{rolvervulling_id:uuid}/beeindigen", opt=ROLES, include_in_schema=False)
async def rolvervulling_end(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, rolvervulling_id: uuid.UUID
) -> Template | Redirect:
    form = await read_form(request, BeeindigForm)
    problems: list[InvalidParam] = []
    einddatum = _date(form.einddatum, "einddatum", problems, required=True)
    try:
        if problems or einddatum is None:
            raise ValidationFailed(problems)
        rolvervulling = await services.end_rolvervulling(
            db_session, rolvervulling_id, Beeindiging(einddatum=einddatum, reden=form.reden),
            actor=_actor(request), clock=clock,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _end_page(request, db_session, rolvervulling_id, form, form_errors(exc), exc.status)
    except InvalidTransition as exc:
        return await _end_page(
            request, db_session, rolvervulling_id, form, {"einddatum": [exc.detail]}, exc.status
        )
    return _redirect(
        request,
        f"/beheer/deelnemers/{rolvervulling.deelnemer_id}",
        f"De rol {rolvervulling.rol_code} is beëindigd.",
    )


# --- the public list of dienstverleners ------------------------------------------------------------------


@get("/dienstverleners", opt={"public": True}, include_in_schema=False)
async def dienstverleners_page(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, paging: Paging
) -> Template:
    """Who can support a deelnemer in taking part in the stelsel, with what, and whom they support now."""
    items, total = await services.list_dienstverleners(db_session, Peildatum.at(clock.now()), paging)
    try:
        rol = await catalogus_rol(db_session, DIENSTVERLENER)
    except CatalogusOntbreekt:
        rol = None
    return page(
        request,
        "ledenadministratie/dienstverleners.html",
        {
            "dienstverleners": items,
            "teksten": rol.teksten if rol else {},
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
    )


route_handlers = [
    dienstverleners_page,
    deelnemer_list,
    deelnemer_new,
    deelnemer_create,
    deelnemer_detail,
    deelnemer_status,
    deelnemer_edit,
    deelnemer_update,
    rolvervulling_create,
    rolvervulling_end_form,
    rolvervulling_end,
]
