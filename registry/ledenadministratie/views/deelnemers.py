"""Beheer screens of the ledenadministratie: the list of deelnemers (search, filters, sorting), a
deelnemer's page with its roles over time, ondersteuningsrelaties, contactpersonen, status history
and audit trail, registering and editing a deelnemer, and changing its status."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from registry.accounts.permissions import Permission, principal_of
from registry.accounts.web import page_info, page_links, read_form
from registry.dependencies import AppClock, DbSession, Paging
from registry.errors import InvalidTransition, ValidationFailed
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
)
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import Rolvervulling
from registry.ledenadministratie.services.dienstverleners import dienstverlener_keuzes
from registry.ledenadministratie.services.historie import audit_van
from registry.ledenadministratie.services.ondersteuning import ondersteuningsrelaties_van
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from registry.ledenadministratie.services.regios import regio_keuzes
from registry.ledenadministratie.services.rolvervullingen import rolstand
from registry.ledenadministratie.views.formulieren import (
    BASIS_OPTIONS,
    MANAGE,
    ONDERSTEUND_DOOR,
    READ,
    SOORT_OPTIONS,
    STATUS_OPTIONS,
    DeelnemerForm,
    RelatieForm,
    RolForm,
    actor_of,
    form_errors,
    redirect_with,
)
from registry.templating import page

COLUMNS = [
    {"key": "naam", "label": "Naam", "sortable": True},
    {"key": "soort", "label": "Soort", "sortable": True},
    {"key": "identificaties", "label": "Identificaties"},
    {"key": "regio", "label": "Regio", "sortable": True},
    {"key": "status", "label": "Status", "sortable": True},
]
AUDIT_ON_PAGE = 10

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
    regio: Annotated[str, QueryParameter(name="regio", max_length=200)] = "",
    rol: Annotated[str, QueryParameter(name="rol", max_length=80)] = "",
    sort: Annotated[str, QueryParameter(name="sort", max_length=20)] = "naam",
    order: Annotated[str, QueryParameter(name="order", max_length=4)] = "asc",
) -> Template:
    vraag = services.Zoekvraag(zoek=zoek, status=status, soort=soort, regio=regio, rol=rol)
    sort = sort if sort in services.SORTEERBAAR else "naam"
    sortering = services.Sortering(kolom=sort, aflopend=order == "desc")
    errors: dict[str, list[str]] = {}
    try:
        items, total = await services.search_deelnemers(
            db_session, vraag, Peildatum.at(clock.now()), paging, sortering=sortering
        )
    except ValidationFailed as exc:
        items, total, errors = [], 0, form_errors(exc)
    principal = principal_of(request)
    return page(
        request,
        "ledenadministratie/deelnemers.html",
        {
            "deelnemers": items,
            "columns": COLUMNS,
            "filters": {"zoek": zoek, "status": status, "soort": soort, "regio": regio, "rol": rol},
            "sort": sort,
            "order": "desc" if sortering.aflopend else "asc",
            "errors": errors,
            "soorten": SOORT_OPTIONS,
            "statussen": STATUS_OPTIONS,
            "regios": await regio_keuzes(db_session),
            "rollen": await catalogus_rollen(db_session),
            "soort_labels": dict(SOORT_OPTIONS),
            "may_manage": principal is not None and principal.can(Permission.DEELNEMERS_BEHEREN),
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
        status_code=400 if errors else 200,
    )


# --- detail and status -----------------------------------------------------------------------------------


async def _relatie_context(
    db_session: DbSession, deelnemer_id: uuid.UUID, vandaag: Peildatum, rolvervullingen: list[Rolvervulling]
) -> dict[str, Any]:
    ondersteund_door, ondersteunt = await ondersteuningsrelaties_van(db_session, deelnemer_id)
    try:
        dienstverlener = await catalogus_rol(db_session, DIENSTVERLENER)
    except CatalogusOntbreekt:
        dienstverlener = None
    dag = vandaag.datum
    keuzes = await dienstverlener_keuzes(db_session, vandaag)
    return {
        "ondersteund_door": ondersteund_door,
        "ondersteunt": ondersteunt,
        "is_dienstverlener": any(
            r.rol_code == DIENSTVERLENER
            and r.geldig_van <= dag
            and (r.geldig_tot is None or dag < r.geldig_tot)
            for r in rolvervullingen
        ),
        "taken": [(code, dienstverlener.teksten.get(code, code)) for code in dienstverlener.taken]
        if dienstverlener
        else [],
        "taakteksten": dienstverlener.teksten if dienstverlener else {},
        "dienstverlener_keuzes": keuzes,
    }


async def detail_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    deelnemer_id: uuid.UUID,
    *,
    status_code: int = 200,
    **formulieren: Any,
) -> Template:
    """The deelnemer's page; ``formulieren`` holds a form as posted and its errors, to show again."""
    vandaag = Peildatum.at(clock.now())
    deelnemer = await services.get_deelnemer(db_session, str(deelnemer_id), vandaag, volledig=True)
    principal = principal_of(request)
    current = DeelnemerStatus(deelnemer.status)
    rolvervullingen = await services.all_rolvervullingen(db_session, deelnemer_id)
    # the rolvervullingen covering today, judged as the rolcheck judges them
    bezwaren = {r.id: r.verklaringbezwaar for r in deelnemer.rollen if isinstance(r.verklaringbezwaar, str)}
    may_audit = principal is not None and principal.can(Permission.AUDIT_LEZEN)
    audit, audit_total = await audit_van(db_session, deelnemer_id, AUDIT_ON_PAGE) if may_audit else ([], 0)
    context: dict[str, Any] = {
        "deelnemer": deelnemer,
        "soort_label": DeelnemerSoort(deelnemer.soort).label,
        "rolvervullingen": rolvervullingen,
        "tijdlijn": sorted(rolvervullingen, key=lambda r: (r.geldig_van, r.rol_code)),
        "standen": {r.id: rolstand(r, vandaag.datum, bezwaren.get(r.id)) for r in rolvervullingen},
        "vandaag": vandaag.datum,
        "may_manage": principal is not None and principal.can(Permission.DEELNEMERS_BEHEREN),
        "transitions": [(s.value, s.label) for s in DeelnemerStatus if s in STATUS_TRANSITIONS[current]],
        "may_grant": principal is not None and principal.can(Permission.ROLVERVULLINGEN_BEHEREN),
        "rollen": await catalogus_rollen(db_session),
        "basissen": BASIS_OPTIONS,
        "may_audit": may_audit,
        "audit": audit,
        "audit_total": audit_total,
        **await _relatie_context(db_session, deelnemer_id, vandaag, rolvervullingen),
        "status_form": {},
        "status_errors": {},
        "rol_form": RolForm(),
        "rol_errors": {},
        "relatie_form": RelatieForm(),
        "relatie_errors": {},
    }
    return page(request, "ledenadministratie/deelnemer.html", context | formulieren, status_code=status_code)


@get("/beheer/deelnemers/{deelnemer_id:uuid}", opt=READ, include_in_schema=False)
async def deelnemer_detail(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: FromPath[uuid.UUID]
) -> Template:
    return await detail_page(request, db_session, clock, deelnemer_id)


class StatusForm(msgspec.Struct, kw_only=True):
    status: str = ""
    reden: str = ""


@post("/beheer/deelnemers/{deelnemer_id:uuid}/status", opt=MANAGE, include_in_schema=False)
async def deelnemer_status(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    form = await read_form(request, StatusForm)
    filled = {"status": form.status, "reden": form.reden}
    try:
        await services.change_deelnemer_status(
            db_session, deelnemer_id, form.status, form.reden, actor=actor_of(request), clock=clock
        )
    except ValidationFailed as exc:
        return await detail_page(
            request, db_session, clock, deelnemer_id, status_code=400,
            status_errors=form_errors(exc), status_form=filled,
        )  # fmt: skip
    except InvalidTransition as exc:
        return await detail_page(
            request, db_session, clock, deelnemer_id, status_code=409,
            status_errors={"status": [exc.detail]}, status_form=filled,
        )  # fmt: skip
    label = DeelnemerStatus(form.status.strip().lower().replace("ë", "e")).label.lower()
    return redirect_with(request, f"/beheer/deelnemers/{deelnemer_id}", f"De status is nu {label}.")


# --- registering and editing ----------------------------------------------------------------------------


def _form_page(
    request: Request[Any, Any, Any],
    form: DeelnemerForm,
    *,
    deelnemer_id: uuid.UUID | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "ledenadministratie/deelnemer_form.html",
        {
            "form": form,
            "contacts": form.contact_rows(),
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
            db_session, form.create(), actor=actor_of(request), clock=clock
        )
    except ValidationFailed as exc:
        return _form_page(request, form, errors=form_errors(exc), status_code=exc.status)
    return redirect_with(request, f"/beheer/deelnemers/{deelnemer.id}", f"{deelnemer.naam} is aangemeld.")


def _beeindigd(request: Request[Any, Any, Any], deelnemer: Deelnemer) -> Redirect:
    """Back to the page of a beëindigde deelnemer, which is final: no form that could not be saved."""
    return redirect_with(
        request,
        f"/beheer/deelnemers/{deelnemer.id}",
        f"{deelnemer.naam} is beëindigd; de gegevens kunnen niet meer worden gewijzigd.",
        "error",
    )


@get("/beheer/deelnemers/{deelnemer_id:uuid}/bewerken", opt=MANAGE, include_in_schema=False)
async def deelnemer_edit(
    request: Request[Any, Any, Any], db_session: DbSession, deelnemer_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    deelnemer = await get_deelnemer_by_id(db_session, deelnemer_id)
    if deelnemer.status == DeelnemerStatus.BEEINDIGD:
        return _beeindigd(request, deelnemer)
    return _form_page(request, DeelnemerForm.of(deelnemer), deelnemer_id=deelnemer_id)


@post("/beheer/deelnemers/{deelnemer_id:uuid}/bewerken", opt=MANAGE, include_in_schema=False)
async def deelnemer_update(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    form = await read_form(request, DeelnemerForm)
    current = await get_deelnemer_by_id(db_session, deelnemer_id)
    if current.status == DeelnemerStatus.BEEINDIGD:
        return _beeindigd(request, current)
    try:
        deelnemer = await services.update_deelnemer(
            db_session, deelnemer_id, form.update(), actor=actor_of(request), clock=clock
        )
    except ValidationFailed as exc:
        return _form_page(
            request, form, deelnemer_id=deelnemer_id, errors=form_errors(exc), status_code=exc.status
        )
    except InvalidTransition as exc:
        return redirect_with(request, f"/beheer/deelnemers/{deelnemer_id}", exc.detail, "error")
    return redirect_with(
        request, f"/beheer/deelnemers/{deelnemer_id}", f"De gegevens van {deelnemer.naam} zijn opgeslagen."
    )


route_handlers = [
    deelnemer_list,
    deelnemer_new,
    deelnemer_create,
    deelnemer_detail,
    deelnemer_status,
    deelnemer_edit,
    deelnemer_update,
]

__all__ = ["ONDERSTEUND_DOOR", "detail_page", "route_handlers"]
