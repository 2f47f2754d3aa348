"""Admin screens: the dashboard, users and API clients.

Destructive actions (deactivate, unlock, reset the second factor) have a confirmation step: the
GET shows what will happen, the POST acts only with ``bevestigd=ja`` and otherwise shows the same
confirmation again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.deelnemerkeuze import deelnemer_keuzes, deelnemer_waarde, resolve_deelnemer
from registry.accounts.permissions import AccountRole, Permission, Scope
from registry.accounts.schemas import (
    ApiClientCreateForm,
    ConfirmForm,
    UserCreateForm,
    UserRead,
    UserUpdateForm,
)
from registry.accounts.views import NO_STORE, current_principal
from registry.accounts.web import field_errors, page_info, page_links, read_form
from registry.audit.services import Actor
from registry.clock import Clock
from registry.dependencies import AppClock, AppSettings, DbSession, Paging
from registry.errors import Conflict, ValidationFailed
from registry.templating import ADMIN_NAV, flash, page

USERS = {"permission": Permission.GEBRUIKERS_BEHEREN}
API_CLIENTS = {"permission": Permission.API_CLIENTS_BEHEREN}

ROLE_OPTIONS = [(role.value, role.label) for role in AccountRole]
SCOPE_DESCRIPTIONS = {
    Scope.LOOKUP_READ: "lookup:read — deelnemers en hun rollen opvragen, met contactpersonen en historie",
    Scope.VERIFY: "verify — verklaringen laten verifiëren",
    Scope.AANMELDINGEN: "aanmeldingen — aanmeldingen inzien",
}
SCOPE_OPTIONS = [(scope.value, SCOPE_DESCRIPTIONS[scope]) for scope in Scope]
NAV_DESCRIPTIONS = {
    "/beheer/catalogus": "Releases van de rollencatalogus opstellen en publiceren.",
    "/beheer/deelnemers": "De ledenadministratie: deelnemers, hun rollen en dienstverleners.",
    "/beheer/aanmeldingen": "Aanmeldingen voor rollen met een verklaring, intake en besluit.",
    "/beheer/verklaringen": "Afgegeven verklaringen, intrekken en schorsen.",
    "/mijn-organisatie": "De gegevens van uw eigen organisatie.",
    "/beheer/gebruikers": "Accounts van het portaal: rollen, blokkades, tweestapsverificatie.",
    "/beheer/api-clients": "Systemen die de API gebruiken, met hun scopes.",
    "/beheer/sleutels": "De sleutels waarmee het register ondertekent.",
    "/beheer/audit": "Elke wijziging in het register: wie, wat, wanneer.",
}


def _actor(request: Request[Any, Any, Any]) -> Actor:
    return services.actor_for(current_principal(request))


def _redirect(request: Request[Any, Any, Any], url: str, message: str, category: str = "success") -> Redirect:
    response = Redirect(url, status_code=303)
    flash(request, response, message, category)
    return response


def _back_to_user(
    request: Request[Any, Any, Any], user_id: uuid.UUID, message: str, category: str = "success"
) -> Redirect:
    return _redirect(request, f"/beheer/gebruikers/{user_id}", message, category)


# --- dashboard ------------------------------------------------------------------------------------


@get("/beheer", opt={"permission": Permission.ADMIN_OPENEN}, include_in_schema=False)
async def dashboard(request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Template:
    me = current_principal(request)
    links = [
        {"label": label, "href": href, "description": NAV_DESCRIPTIONS.get(href, "")}
        for label, href, needed in ADMIN_NAV
        if href != "/beheer" and me.can(needed)
    ]
    counts = await services.account_counts(db_session, clock.now())
    return page(
        request,
        "accounts/dashboard.html",
        {
            "counts": counts,
            "links": links,
            "can_manage_users": me.can(Permission.GEBRUIKERS_BEHEREN),
            "can_manage_clients": me.can(Permission.API_CLIENTS_BEHEREN),
            "can_read_audit": me.can(Permission.AUDIT_LEZEN),
        },
    )


# --- users ----------------------------------------------------------------------------------------

USER_COLUMNS = [
    {"key": "naam", "label": "Naam", "sortable": True},
    {"key": "email", "label": "E-mailadres", "sortable": True},
    {"key": "rol", "label": "Rol", "sortable": True},
    {"key": "actief", "label": "Status", "sortable": True},
    {"key": "laatstIngelogd", "label": "Laatst ingelogd", "sortable": True},
]


@get("/beheer/gebruikers", opt=USERS, include_in_schema=False)
async def user_list(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    paging: Paging,
    sort: Annotated[str, QueryParameter(name="sort", max_length=40)] = "naam",
    order: Annotated[str, QueryParameter(name="order", pattern="^(asc|desc)$")] = "asc",
    search: Annotated[str, QueryParameter(name="zoek", max_length=200)] = "",
) -> Template:
    users, total = await services.list_users(
        db_session,
        now=clock.now(),
        offset=paging.offset,
        limit=paging.page_size,
        sort=sort if sort in services.USER_SORTS else "naam",
        order="desc" if order == "desc" else "asc",
        search=search,
    )
    return page(
        request,
        "accounts/users.html",
        {
            "users": users,
            "columns": USER_COLUMNS,
            "sort": sort,
            "order": order,
            "search": search,
            "query": {"zoek": search},
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
        },
    )


async def _user_form_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    form: UserCreateForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    form = form or UserCreateForm()
    keuzes = await deelnemer_keuzes(db_session, form.deelnemer if errors and "deelnemer" in errors else "")
    return page(
        request,
        "accounts/user_new.html",
        {"form": form, "errors": errors or {}, "roles": ROLE_OPTIONS, "deelnemer_keuzes": keuzes},
        status_code=status_code,
    )


@get("/beheer/gebruikers/nieuw", opt=USERS, include_in_schema=False)
async def user_new(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return await _user_form_page(request, db_session)


@post("/beheer/gebruikers", opt=USERS, include_in_schema=False)
async def user_create(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, settings: AppSettings
) -> Template:
    form = await read_form(request, UserCreateForm)
    try:
        user, token = await services.invite_user(
            db_session,
            email=form.email,
            display_name=form.display_name,
            role=form.role,
            deelnemer_id=await resolve_deelnemer(db_session, form.deelnemer),
            actor=_actor(request),
            clock=clock,
        )
    except ValidationFailed as exc:
        return await _user_form_page(request, db_session, form, field_errors(exc), status_code=400)
    except Conflict as exc:
        return await _user_form_page(request, db_session, form, {"email": [exc.detail]}, status_code=409)
    template = page(
        request,
        "accounts/reset_link.html",
        {
            "user": services.user_read(user, clock.now()),
            "reset_url": f"{settings.base_url}/wachtwoord-herstellen/{token}",
            "new_user": True,
        },
        status_code=201,
    )
    template.headers.update(NO_STORE)
    return template


async def _user_detail_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    user_id: uuid.UUID,
    form: UserUpdateForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    user = await services.get_user(db_session, user_id, clock.now())
    huidige_deelnemer = await deelnemer_waarde(db_session, user.deelnemer_id)
    form = form or UserUpdateForm(display_name=user.display_name, role=user.role, deelnemer=huidige_deelnemer)
    keuzes = await deelnemer_keuzes(db_session, form.deelnemer if errors and "deelnemer" in errors else "")
    return page(
        request,
        "accounts/user_detail.html",
        {
            "user": user,
            "form": form,
            "errors": errors or {},
            "roles": ROLE_OPTIONS,
            "is_me": user.id == current_principal(request).id,
            "deelnemer": huidige_deelnemer,
            "deelnemer_keuzes": keuzes,
        },
        status_code=status_code,
    )


@get("/beheer/gebruikers/{user_id:uuid}", opt=USERS, include_in_schema=False)
async def user_detail(
    request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], db_session: DbSession, clock: AppClock
) -> Template:
    return await _user_detail_page(request, db_session, clock, user_id)


@post("/beheer/gebruikers/{user_id:uuid}", opt=USERS, include_in_schema=False)
async def user_update(
    request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], db_session: DbSession, clock: AppClock
) -> Response[Any]:
    form = await read_form(request, UserUpdateForm)
    try:
        user = await services.update_user(
            db_session,
            user_id,
            display_name=form.display_name,
            role=form.role,
            deelnemer_id=await resolve_deelnemer(db_session, form.deelnemer),
            actor=_actor(request),
            clock=clock,
        )
    except ValidationFailed as exc:
        return await _user_detail_page(request, db_session, clock, user_id, form, field_errors(exc), 400)
    except Conflict as exc:
        return await _user_detail_page(request, db_session, clock, user_id, form, {"role": [exc.detail]}, 409)
    return _back_to_user(request, user_id, f"De gegevens van {user.display_name} zijn opgeslagen.")


@dataclass(frozen=True, slots=True)
class UserAction:
    """An action on an account that asks for confirmation first: ``/beheer/gebruikers/{id}/<path>``.

    ``title``, ``consequences`` and ``done`` may name the account (``{naam}``, ``{email}``).
    """

    path: str
    title: str
    consequences: tuple[str, ...]
    label: str
    act: Callable[[AsyncSession, uuid.UUID, Actor, Clock], Awaitable[UserRead]]
    done: str


DEACTIVATE = UserAction(
    path="deactiveren",
    title="Account van {naam} uitschakelen",
    consequences=(
        "{email} kan niet meer inloggen.",
        "Alle open sessies van dit account eindigen direct.",
        "U kunt het account later weer activeren.",
    ),
    label="Uitschakelen",
    act=lambda session, user_id, actor, clock: services.set_user_active(
        session, user_id, False, actor=actor, clock=clock
    ),
    done="Het account van {naam} is uitgeschakeld.",
)
UNLOCK = UserAction(
    path="ontgrendelen",
    title="Account van {naam} ontgrendelen",
    consequences=(
        "De blokkade na mislukte inlogpogingen wordt opgeheven.",
        "Het aantal mislukte pogingen begint weer bij nul.",
    ),
    label="Ontgrendelen",
    act=lambda session, user_id, actor, clock: services.unlock_user(
        session, user_id, actor=actor, clock=clock
    ),
    done="Het account van {naam} is ontgrendeld.",
)
RESET_SECOND_FACTOR = UserAction(
    path="tweestapsverificatie-resetten",
    title="Tweestapsverificatie van {naam} resetten",
    consequences=(
        "Bij het inloggen is alleen het wachtwoord nog nodig.",
        "De gebruiker kan tweestapsverificatie opnieuw instellen via het profiel.",
    ),
    label="Resetten",
    act=lambda session, user_id, actor, clock: services.reset_second_factor(
        session, user_id, actor=actor, clock=clock
    ),
    done="De tweestapsverificatie van {naam} is gereset.",
)


async def _user_confirmation(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    user_id: uuid.UUID,
    action: UserAction,
) -> Template:
    user = await services.get_user(db_session, user_id, clock.now())
    names = {"naam": user.display_name, "email": user.email}
    user_url = f"/beheer/gebruikers/{user_id}"
    return page(
        request,
        "accounts/confirm.html",
        {
            "title": action.title.format(**names),
            "consequences": [text.format(**names) for text in action.consequences],
            "confirm_label": action.label,
            "action": f"{user_url}/{action.path}",
            "cancel_href": user_url,
            "breadcrumbs": [
                ("Beheer", "/beheer"),
                ("Gebruikers", "/beheer/gebruikers"),
                (user.display_name, user_url),
                (action.label, f"{user_url}/{action.path}"),
            ],
        },
    )


def _user_action_routes(action: UserAction, name: str) -> tuple[HTTPRouteHandler, HTTPRouteHandler]:
    """The confirmation page (GET) and the action itself (POST, only with ``bevestigd=ja``; without
    it the confirmation is shown again). A refusal goes back to the account with the reason."""
    path = f"/beheer/gebruikers/{{user_id:uuid}}/{action.path}"

    async def confirm(
        request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], db_session: DbSession, clock: AppClock
    ) -> Template:
        return await _user_confirmation(request, db_session, clock, user_id, action)

    async def execute(
        request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], db_session: DbSession, clock: AppClock
    ) -> Response[Any]:
        if not (await read_form(request, ConfirmForm)).confirmed:
            return await _user_confirmation(request, db_session, clock, user_id, action)
        try:
            user = await action.act(db_session, user_id, _actor(request), clock)
        except Conflict as exc:
            return _back_to_user(request, user_id, exc.detail, "error")
        return _back_to_user(request, user_id, action.done.format(naam=user.display_name, email=user.email))

    confirm.__name__ = confirm.__qualname__ = f"{name}_confirm"
    execute.__name__ = execute.__qualname__ = name
    return get(path, opt=USERS, include_in_schema=False)(confirm), post(
        path, opt=USERS, include_in_schema=False
    )(execute)


user_deactivate_confirm, user_deactivate = _user_action_routes(DEACTIVATE, "user_deactivate")
user_unlock_confirm, user_unlock = _user_action_routes(UNLOCK, "user_unlock")
user_reset_totp_confirm, user_reset_totp = _user_action_routes(RESET_SECOND_FACTOR, "user_reset_totp")


@post("/beheer/gebruikers/{user_id:uuid}/activeren", opt=USERS, include_in_schema=False)
async def user_activate(
    request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], db_session: DbSession, clock: AppClock
) -> Response[Any]:
    user = await services.set_user_active(db_session, user_id, True, actor=_actor(request), clock=clock)
    return _back_to_user(request, user_id, f"Het account van {user.display_name} is actief.")


@post("/beheer/gebruikers/{user_id:uuid}/herstellink", opt=USERS, include_in_schema=False)
async def user_reset_link(
    request: Request[Any, Any, Any],
    user_id: FromPath[uuid.UUID],
    db_session: DbSession,
    clock: AppClock,
    settings: AppSettings,
) -> Template:
    user = await services.get_user(db_session, user_id, clock.now())
    token = await services.issue_password_reset(
        db_session, email=user.email, actor=_actor(request), clock=clock
    )
    template = page(
        request,
        "accounts/reset_link.html",
        {"user": user, "reset_url": f"{settings.base_url}/wachtwoord-herstellen/{token}", "new_user": False},
    )
    template.headers.update(NO_STORE)
    return template


# --- API clients ----------------------------------------------------------------------------------


@get("/beheer/api-clients", opt=API_CLIENTS, include_in_schema=False)
async def api_client_list(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    clients = await services.list_api_clients(db_session)
    return page(request, "accounts/api_clients.html", {"clients": clients})


def _api_client_form_page(
    request: Request[Any, Any, Any],
    form: ApiClientCreateForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "accounts/api_client_new.html",
        {"form": form or ApiClientCreateForm(), "errors": errors or {}, "scopes": SCOPE_OPTIONS},
        status_code=status_code,
    )


@get("/beheer/api-clients/nieuw", opt=API_CLIENTS, include_in_schema=False)
async def api_client_new(request: Request[Any, Any, Any]) -> Template:
    return _api_client_form_page(request)


@post("/beheer/api-clients", opt=API_CLIENTS, include_in_schema=False)
async def api_client_create(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock
) -> Template:
    form = await read_form(request, ApiClientCreateForm)
    try:
        created = await services.create_api_client(
            db_session, name=form.name, scopes=form.scopes, actor=_actor(request), clock=clock
        )
    except ValidationFailed as exc:
        return _api_client_form_page(request, form, field_errors(exc), status_code=400)
    template = page(
        request,
        "accounts/api_client_created.html",
        {"client": services.client_read(created.client), "bearer_token": created.bearer_token},
        status_code=201,
    )
    template.headers.update(NO_STORE)
    return template


async def _api_client_confirmation(
    request: Request[Any, Any, Any], db_session: DbSession, client_id: uuid.UUID
) -> Template:
    client = await services.get_api_client(db_session, client_id)
    return page(
        request,
        "accounts/confirm.html",
        {
            "title": f"API-client {client.name} deactiveren",
            "consequences": [
                f"Het token van {client.name} ({client.client_id}) werkt vanaf het volgende verzoek "
                "niet meer.",
                "Deactiveren kan niet ongedaan worden gemaakt; maak zo nodig een nieuwe client.",
            ],
            "confirm_label": "Deactiveren",
            "action": f"/beheer/api-clients/{client_id}/deactiveren",
            "cancel_href": "/beheer/api-clients",
            "breadcrumbs": [
                ("Beheer", "/beheer"),
                ("API-clients", "/beheer/api-clients"),
                ("Deactiveren", f"/beheer/api-clients/{client_id}/deactiveren"),
            ],
        },
    )


@get("/beheer/api-clients/{client_id:uuid}/deactiveren", opt=API_CLIENTS, include_in_schema=False)
async def api_client_deactivate_confirm(
    request: Request[Any, Any, Any], client_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    return await _api_client_confirmation(request, db_session, client_id)


@post("/beheer/api-clients/{client_id:uuid}/deactiveren", opt=API_CLIENTS, include_in_schema=False)
async def api_client_deactivate(
    request: Request[Any, Any, Any], client_id: FromPath[uuid.UUID], db_session: DbSession, clock: AppClock
) -> Response[Any]:
    if not (await read_form(request, ConfirmForm)).confirmed:
        return await _api_client_confirmation(request, db_session, client_id)
    client = await services.deactivate_api_client(db_session, client_id, actor=_actor(request), clock=clock)
    return _redirect(request, "/beheer/api-clients", f"API-client {client.name} is gedeactiveerd.")


route_handlers = [
    dashboard,
    user_list,
    user_new,
    user_create,
    user_detail,
    user_update,
    user_deactivate_confirm,
    user_deactivate,
    user_activate,
    user_unlock_confirm,
    user_unlock,
    user_reset_totp_confirm,
    user_reset_totp,
    user_reset_link,
    api_client_list,
    api_client_new,
    api_client_create,
    api_client_deactivate_confirm,
    api_client_deactivate,
]
