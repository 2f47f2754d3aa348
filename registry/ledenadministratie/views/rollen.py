"""Granting and ending roles from a deelnemer's page (``rolvervullingen:beheren``)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.permissions import Permission
from registry.accounts.web import read_form
from registry.dependencies import AppClock, DbSession
from registry.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.catalogus import catalogus_rol
from registry.ledenadministratie.models import Rolvervulling
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from registry.ledenadministratie.views.deelnemers import detail_page
from registry.ledenadministratie.views.formulieren import (
    BeeindigForm,
    RolForm,
    actor_of,
    form_errors,
    redirect_with,
    rol_errors,
)
from registry.templating import page

ROLES = {"permission": Permission.ROLVERVULLINGEN_BEHEREN}


@post("/beheer/deelnemers/{deelnemer_id:uuid}/rollen", opt=ROLES, include_in_schema=False)
async def rolvervulling_create(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    form = await read_form(request, RolForm)
    try:
        rolvervulling = await services.create_rolvervulling(
            db_session, deelnemer_id, form.invoer(), actor=actor_of(request), clock=clock
        )
    except ValidationFailed as exc:
        return await detail_page(
            request,
            db_session,
            clock,
            deelnemer_id,
            status_code=exc.status,
            rol_form=form,
            rol_errors=rol_errors(exc),
        )
    except DomainError as exc:
        return await detail_page(
            request, db_session, clock, deelnemer_id, status_code=exc.status, rol_form=form,
            rol_errors={"rolCode": [exc.detail]},
        )  # fmt: skip
    naam = await _rolnaam(db_session, rolvervulling.rol_code, rolvervulling.release)
    return redirect_with(request, f"/beheer/deelnemers/{deelnemer_id}", f"De rol {naam} is toegekend.")


async def _rolnaam(db_session: DbSession, code: str, release: str) -> str:
    """The role's name in the catalogue release it was granted under (its code if it has none)."""
    rol = await catalogus_rol(db_session, code, release)
    return rol.naam if rol is not None else code


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
    request: Request[Any, Any, Any], db_session: DbSession, rolvervulling_id: FromPath[uuid.UUID]
) -> Template:
    return await _end_page(request, db_session, rolvervulling_id)


@post("/beheer/rolvervullingen/{rolvervulling_id:uuid}/beeindigen", opt=ROLES, include_in_schema=False)
async def rolvervulling_end(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    rolvervulling_id: FromPath[uuid.UUID],
) -> Template | Redirect:
    form = await read_form(request, BeeindigForm)
    try:
        rolvervulling = await services.end_rolvervulling(
            db_session, rolvervulling_id, form.invoer(), actor=actor_of(request), clock=clock
        )
    except ValidationFailed as exc:
        return await _end_page(request, db_session, rolvervulling_id, form, form_errors(exc), exc.status)
    except InvalidTransition as exc:
        return await _end_page(
            request, db_session, rolvervulling_id, form, {"einddatum": [exc.detail]}, exc.status
        )
    naam = await _rolnaam(db_session, rolvervulling.rol_code, rolvervulling.release)
    return redirect_with(
        request, f"/beheer/deelnemers/{rolvervulling.deelnemer_id}", f"De rol {naam} is beëindigd."
    )


route_handlers = [rolvervulling_create, rolvervulling_end_form, rolvervulling_end]
