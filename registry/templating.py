"""Jinja set-up shared by every page: Dutch date filters and the page context helper.

A page handler returns :func:`page` with its own context; :func:`page` adds what ``base.html``
needs (the logged-in user, the navigation for their role, pending flash messages).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from litestar import MediaType, Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from markupsafe import Markup

from registry.accounts.permissions import Permission, Principal, principal_of

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FLASH_COOKIE = "stelsel_melding"
_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip


def format_datum(value: date | datetime | str | None) -> str:
    """``23 november 2026``; datetimes are shown in Dutch local time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date()
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_datumtijd(value: datetime | None) -> str:
    """``23 november 2026 14:05`` in Dutch local time."""
    if value is None:
        return "—"
    local = value.astimezone(AMSTERDAM)
    return f"{format_datum(local.date())} {local:%H:%M}"


def configure_template_engine(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters["datum"] = format_datum
    env.filters["datumtijd"] = format_datumtijd
    env.globals["Permission"] = Permission
    env.trim_blocks = True
    env.lstrip_blocks = True


# --- navigation -------------------------------------------------------------------------------

PUBLIC_NAV: tuple[tuple[str, str], ...] = (
    ("Rollencatalogus", "/catalogus"),
    ("Dienstverleners", "/dienstverleners"),
    ("Verifiëren", "/verifieer"),
    ("Aanmelden", "/aanmelden"),
)

# (label, href, permission needed) — the admin navigation shows only what the user may open.
ADMIN_NAV: tuple[tuple[str, str, Permission], ...] = (
    ("Overzicht", "/beheer", Permission.ADMIN_OPENEN),
    ("Catalogus", "/beheer/catalogus", Permission.CATALOGUS_LEZEN),
    ("Deelnemers", "/beheer/deelnemers", Permission.DEELNEMERS_LEZEN),
    ("Aanmeldingen", "/beheer/aanmeldingen", Permission.AANMELDINGEN_LEZEN),
    ("Verklaringen", "/beheer/verklaringen", Permission.VERKLARINGEN_LEZEN),
    ("Mijn organisatie", "/mijn-organisatie", Permission.EIGEN_DEELNEMER_LEZEN),
    ("Gebruikers", "/beheer/gebruikers", Permission.GEBRUIKERS_BEHEREN),
    ("API-clients", "/beheer/api-clients", Permission.API_CLIENTS_BEHEREN),
    ("Sleutels", "/beheer/sleutels", Permission.SLEUTELS_BEHEREN),
    ("Audittrail", "/beheer/audit", Permission.AUDIT_LEZEN),
)


def navigation(path: str, principal: Principal | None) -> list[dict[str, Any]]:
    items: list[tuple[str, str]] = list(PUBLIC_NAV)
    if principal is not None and principal.kind == "user":
        items = [(label, href) for label, href, needed in ADMIN_NAV if principal.can(needed)]
    return [
        {
            "label": label,
            "href": href,
            "active": path == href or (href not in {"/", "/beheer"} and path.startswith(href + "/")),
        }
        for label, href in items
    ]


# --- flash messages (a signed cookie read once on the next page) --------------------------------


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def flash(
    request: Request[Any, Any, Any], response: Response[Any], message: str, category: str = "success"
) -> None:
    """Show ``message`` on the next page this browser opens (typically after a redirect)."""
    secret = request.app.state.settings.secret_key
    existing = _read_flashes(request)
    payload = json.dumps([*existing, {"category": category, "message": message}])
    response.set_cookie(
        FLASH_COOKIE,
        quote(f"{_sign(secret, payload)}.{payload}"),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        path="/",
    )


def _read_flashes(request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    signature, _, payload = unquote(raw).partition(".")
    if not hmac.compare_digest(signature, _sign(request.app.state.settings.secret_key, payload)):
        return []
    try:
        items = json.loads(payload)
    except ValueError:
        return []
    return [item for item in items if isinstance(item, dict)][:10]


class PageTemplate(Template):
    """A template response whose ``csrf_input`` is markup (Litestar builds it as an escaped string),
    so templates write ``{{ csrf_input }}`` without ``|safe``."""

    def create_template_context(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        context = super().create_template_context(request)
        context["csrf_input"] = Markup(context["csrf_input"])  # noqa: S704 - Litestar escaped the token
        return context


def page(
    request: Request[Any, Any, Any],
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Template:
    """Render a page with the shared context that ``base.html`` expects."""
    principal = principal_of(request)
    flashes = _read_flashes(request)
    response = PageTemplate(
        template_name=template_name,
        context={
            "current_user": principal,
            "nav": navigation(request.url.path, principal),
            "flashes": flashes,
            **(context or {}),
        },
        status_code=status_code,
        media_type=MediaType.HTML,
    )
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
