"""Entering into and ending ondersteuningsrelaties from a deelnemer's page (``deelnemers:beheren``).

Both parties' pages offer it: a deelnemer's page names the dienstverlener that supports it, a
dienstverlener's page the deelnemer it supports. Ending a relation returns to the page it came from.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from registry.accounts.web import read_form
from registry.dependencies import AppClock, DbSession
from registry.errors import InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.models import Ondersteuningsrelatie
from registry.ledenadministratie.schemas import OndersteuningsrelatieCreate
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from registry.ledenadministratie.views.deelnemers import detail_page
from registry.ledenadministratie.views.formulieren import (
    MANAGE,
    ONDERSTEUNT,
    BeeindigForm,
    RelatieForm,
    actor_of,
    form_errors,
    redirect_with,
    relatie_errors,
)
from registry.templating import page


async def _create(
    db_session: DbSession,
    deelnemer_id: uuid.UUID,
    form: RelatieForm,
    request: Request[Any, Any, Any],
    clock: AppClock,
) -> Ondersteuningsrelatie:
    van, tot = form.periode()
    try:
        partij = await services.find_deelnemer(db_session, form.partij, "partij")
    except NotFound as exc:
        raise ValidationFailed.single("partij", exc.detail, "not-found") from None
    ondersteunt = form.kant == ONDERSTEUNT
    data = OndersteuningsrelatieCreate(
        dienstverlener_id=deelnemer_id if ondersteunt else partij.id,
        deelnemer_id=partij.id if ondersteunt else deelnemer_id,
        taken=form.taken,
        geldig_van=van,
        geldig_tot=tot,
    )
    return await services.create_ondersteuningsrelatie(db_session, data, actor=actor_of(request), clock=clock)


@post("/beheer/deelnemers/{deelnemer_id:uuid}/ondersteuning", opt=MANAGE, include_in_schema=False)
async def relatie_create(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, deelnemer_id: FromPath[uuid.UUID]
) -> Template | Redirect:
    form = await read_form(request, RelatieForm)
    try:
        await _create(db_session, deelnemer_id, form, request, clock)
    except ValidationFailed as exc:
        return await detail_page(
            request, db_session, clock, deelnemer_id, status_code=exc.status,
            relatie_form=form, relatie_errors=relatie_errors(exc),
        )  # fmt: skip
    return redirect_with(
        request, f"/beheer/deelnemers/{deelnemer_id}", "De ondersteuningsrelatie is vastgelegd."
    )


Terug = Annotated[str, QueryParameter(name="terug", max_length=36)]


def _terug(relatie: Ondersteuningsrelatie, terug: str) -> uuid.UUID:
    """The party whose page to return to: ``terug`` when it is one of the two, else the deelnemer."""
    partijen = {relatie.dienstverlener_id, relatie.deelnemer_id}
    try:
        gekozen = uuid.UUID(terug)
    except ValueError:
        return relatie.deelnemer_id
    return gekozen if gekozen in partijen else relatie.deelnemer_id


async def _end_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    relatie_id: uuid.UUID,
    terug: str,
    form: BeeindigForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    relatie = await db_session.get(Ondersteuningsrelatie, relatie_id)
    if relatie is None:
        raise NotFound(f"Er is geen ondersteuningsrelatie met id {relatie_id}.")
    return page(
        request,
        "ledenadministratie/relatie_beeindigen.html",
        {
            "relatie": relatie,
            "dienstverlener": await get_deelnemer_by_id(db_session, relatie.dienstverlener_id),
            "deelnemer": await get_deelnemer_by_id(db_session, relatie.deelnemer_id),
            "terug": _terug(relatie, terug),
            "form": form or BeeindigForm(),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@get("/beheer/ondersteuningsrelaties/{relatie_id:uuid}/beeindigen", opt=MANAGE, include_in_schema=False)
async def relatie_end_form(
    request: Request[Any, Any, Any], db_session: DbSession, relatie_id: FromPath[uuid.UUID], terug: Terug = ""
) -> Template:
    return await _end_page(request, db_session, relatie_id, terug)


@post("/beheer/ondersteuningsrelaties/{relatie_id:uuid}/beeindigen", opt=MANAGE, include_in_schema=False)
async def relatie_end(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    relatie_id: FromPath[uuid.UUID],
    terug: Terug = "",
) -> Template | Redirect:
    form = await read_form(request, BeeindigForm)
    try:
        relatie = await services.end_ondersteuningsrelatie(
            db_session, relatie_id, form.invoer(), actor=actor_of(request), clock=clock
        )
    except ValidationFailed as exc:
        return await _end_page(request, db_session, relatie_id, terug, form, form_errors(exc), exc.status)
    except InvalidTransition as exc:
        return await _end_page(
            request, db_session, relatie_id, terug, form, {"einddatum": [exc.detail]}, exc.status
        )
    return redirect_with(
        request, f"/beheer/deelnemers/{_terug(relatie, terug)}", "De ondersteuningsrelatie is beëindigd."
    )


route_handlers = [relatie_create, relatie_end_form, relatie_end]
