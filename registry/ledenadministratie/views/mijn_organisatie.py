"""``/mijn-organisatie``: what the register holds about the deelnemer of a deelnemer-contact's account.

With ``eigen-deelnemer:lezen`` the contact sees its deelnemer's details, roles, the verklaringen they
rest on (with a link to verify each) and its ondersteuningsrelaties; with ``eigen-deelnemer:beheren``
it keeps the contactgegevens (address, website, contactpersonen) up to date. That the deelnemer is its
own is checked by the service, whatever the form posts.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.accounts.permissions import Permission
from registry.accounts.views import current_principal
from registry.accounts.web import read_form
from registry.dependencies import AppClock, AppSettings, DbSession
from registry.errors import InvalidTransition, PermissionDenied, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.models import DeelnemerSoort, DeelnemerStatus
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.deelnemers import update_eigen_contactgegevens
from registry.ledenadministratie.services.dienstverleners import verklaringen_van
from registry.ledenadministratie.services.ondersteuning import ondersteuningsrelaties_van
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from registry.ledenadministratie.services.rolvervullingen import rolstand
from registry.ledenadministratie.views.formulieren import (
    ContactgegevensForm,
    actor_of,
    form_errors,
    redirect_with,
)
from registry.templating import page

LEZEN = {"permission": Permission.EIGEN_DEELNEMER_LEZEN}
BEHEREN = {"permission": Permission.EIGEN_DEELNEMER_BEHEREN}


class EigenContactgegevensForm(ContactgegevensForm, kw_only=True, rename="camel"):
    """The contactgegevens form, naming the deelnemer they are for."""

    deelnemer_id: str = ""


def _eigen(request: Request[Any, Any, Any]) -> uuid.UUID | None:
    deelnemer_id = current_principal(request).deelnemer_id
    return uuid.UUID(deelnemer_id) if deelnemer_id else None


async def _page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    base_url: str,
    *,
    form: ContactgegevensForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    deelnemer_id = _eigen(request)
    if deelnemer_id is None:
        return page(request, "ledenadministratie/mijn_organisatie.html", {"deelnemer": None})
    vandaag = Peildatum.at(clock.now())
    deelnemer = await services.get_deelnemer(db_session, str(deelnemer_id), vandaag, volledig=True)
    ondersteund_door, ondersteunt = await ondersteuningsrelaties_van(db_session, deelnemer_id)
    rolvervullingen = await services.all_rolvervullingen(db_session, deelnemer_id)
    # the rolvervullingen covering today, judged as the rolcheck judges them
    bezwaren = {r.id: r.verklaringbezwaar for r in deelnemer.rollen if isinstance(r.verklaringbezwaar, str)}
    principal = current_principal(request)
    if form is None:
        form = ContactgegevensForm.of(await get_deelnemer_by_id(db_session, deelnemer_id))
    return page(
        request,
        "ledenadministratie/mijn_organisatie.html",
        {
            "deelnemer": deelnemer,
            "soort_label": DeelnemerSoort(deelnemer.soort).label,
            "rolvervullingen": rolvervullingen,
            "standen": {r.id: rolstand(r, vandaag.datum, bezwaren.get(r.id)) for r in rolvervullingen},
            "verklaringen": await verklaringen_van(db_session, deelnemer_id, vandaag, base_url=base_url),
            "ondersteund_door": ondersteund_door,
            "ondersteunt": ondersteunt,
            "vandaag": vandaag.datum,
            "may_edit": principal.can(Permission.EIGEN_DEELNEMER_BEHEREN)
            and deelnemer.status != DeelnemerStatus.BEEINDIGD,
            "may_sign": principal.can(Permission.VERKLARINGEN_ONDERTEKENEN_DEELNEMER),
            "form": form,
            "contacts": form.contact_rows(),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@get("/mijn-organisatie", opt=LEZEN, include_in_schema=False)
async def mijn_organisatie(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, settings: AppSettings
) -> Template:
    return await _page(request, db_session, clock, settings.base_url)


@post("/mijn-organisatie/contactgegevens", opt=BEHEREN, include_in_schema=False)
async def contactgegevens_opslaan(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, settings: AppSettings
) -> Template | Redirect:
    form = await read_form(request, EigenContactgegevensForm)
    try:
        deelnemer_id = uuid.UUID(form.deelnemer_id)
    except ValueError:
        raise PermissionDenied(
            "U kunt alleen de contactgegevens van uw eigen organisatie wijzigen."
        ) from None
    try:
        await update_eigen_contactgegevens(
            db_session, deelnemer_id, form.contactgegevens(), eigen_deelnemer_id=_eigen(request),
            actor=actor_of(request), clock=clock,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _page(
            request,
            db_session,
            clock,
            settings.base_url,
            form=form,
            errors=form_errors(exc),
            status_code=exc.status,
        )
    except InvalidTransition as exc:
        return redirect_with(request, "/mijn-organisatie", exc.detail, "error")
    return redirect_with(request, "/mijn-organisatie", "De contactgegevens zijn opgeslagen.")


route_handlers = [mijn_organisatie, contactgegevens_opslaan]
