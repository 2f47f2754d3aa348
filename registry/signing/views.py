"""The keys admin page (``/beheer/sleutels``): the signing keys, the published JWKS and replacing the
active key after a confirmation step. Revoking a key stays a command (``stelsel keys revoke``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from registry.accounts.permissions import Permission
from registry.accounts.schemas import ConfirmForm
from registry.accounts.services import actor_for
from registry.accounts.views import current_principal
from registry.accounts.web import read_form
from registry.dependencies import AppClock, AppKeyRing, DbSession
from registry.signing.errors import KeyRingError
from registry.signing.sleutelbeheer import kan_vervangen, sleutels, vervang_sleutel
from registry.templating import flash, page

BEHEREN = {"permission": Permission.SLEUTELS_BEHEREN}
PAGE = "/beheer/sleutels"
ROTATE = f"{PAGE}/vervangen"
JWKS_URL = "/.well-known/jwks.json"


@get(PAGE, opt=BEHEREN, include_in_schema=False)
async def sleutel_overzicht(request: Request[Any, Any, Any], keyring: AppKeyRing) -> Template:
    return page(
        request,
        "signing/sleutels.html",
        {"sleutels": sleutels(keyring), "kan_vervangen": kan_vervangen(keyring), "jwks_url": JWKS_URL},
    )


def _bevestiging(request: Request[Any, Any, Any]) -> Template:
    return page(
        request,
        "accounts/confirm.html",
        {
            "title": "Actieve sleutel vervangen",
            "consequences": [
                "Het register maakt een nieuwe sleutel en ondertekent vanaf nu alleen daarmee.",
                "De huidige sleutel wordt teruggetrokken: hij blijft gepubliceerd, zodat alles wat "
                "ermee ondertekend is geldig blijft.",
                "Systemen die de sleutels bewaren, halen de nieuwe sleutel op uit de JWKS.",
            ],
            "confirm_label": "Sleutel vervangen",
            "action": ROTATE,
            "cancel_href": PAGE,
            "breadcrumbs": [("Beheer", "/beheer"), ("Sleutels", PAGE), ("Vervangen", ROTATE)],
        },
    )


@get(ROTATE, opt=BEHEREN, include_in_schema=False)
async def sleutel_vervangen_bevestigen(request: Request[Any, Any, Any]) -> Template:
    return _bevestiging(request)


@post(ROTATE, opt=BEHEREN, include_in_schema=False)
async def sleutel_vervangen(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, keyring: AppKeyRing
) -> Response[Any]:
    if not (await read_form(request, ConfirmForm)).confirmed:
        return _bevestiging(request)
    response = Redirect(PAGE, status_code=303)
    try:
        nieuw = await vervang_sleutel(
            db_session, keyring, actor=actor_for(current_principal(request)), clock=clock
        )
    except KeyRingError:
        flash(
            request,
            response,
            "De sleutel kon niet worden vervangen. Komt de sleutel uit de omgeving "
            "(STELSEL_SIGNING_KEY_PEM), vervang hem dan daar.",
            "error",
        )
        return response
    flash(request, response, f"Er is een nieuwe actieve sleutel: {nieuw.kid}.")
    return response


route_handlers = [sleutel_overzicht, sleutel_vervangen_bevestigen, sleutel_vervangen]
