"""Account pages: logging in and out, the second factor, password reset, and the own profile.

The admin screens (dashboard, users, API clients) are in :mod:`registry.accounts.admin_views`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from registry.accounts import services, totp
from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.errors import LoginFailed
from registry.accounts.permissions import REFUSED_ANONYMOUS, Permission, Principal, principal_of
from registry.accounts.schemas import (
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    SecondFactorForm,
    TotpConfirmForm,
    TotpDisableForm,
)
from registry.accounts.secretbox import totp_box
from registry.accounts.web import field_errors, read_form, safe_next
from registry.dependencies import AppClock, AppSettings, DbSession
from registry.errors import NotAuthenticated, NotFound, ValidationFailed
from registry.settings import Settings
from registry.templating import flash, page

PUBLIC = {"public": True}
AUTHENTICATED = {"authenticated": True}
NO_STORE = {"Cache-Control": "no-store"}
# Where to go after logging in; only a path on this site is followed (see ``safe_next``).
NextUrl = Annotated[str | None, QueryParameter(name="next", max_length=2000)]


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """The logged-in user of a route that declares ``authenticated`` or a permission."""
    principal = principal_of(request)
    if principal is None:
        raise NotAuthenticated(REFUSED_ANONYMOUS)
    return principal


def _client_ip(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _set_session_cookie(
    response: Response[Any], token: str, settings: AppSettings, lifetime: timedelta
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def landing_page(request: Request[Any, Any, Any], principal: Principal | None) -> str:
    """Where a fresh login goes without a ``next``: the dashboard, or the own organisation page."""
    if principal is not None and principal.can(Permission.ADMIN_OPENEN):
        return "/beheer"
    if principal is not None and principal.can(Permission.EIGEN_DEELNEMER_LEZEN):
        paths = {route.path for route in request.app.routes}
        if "/mijn-organisatie" in paths:
            return "/mijn-organisatie"
    return "/profiel"


def _session_lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_hours)


# --- logging in and out ---------------------------------------------------------------------------


def _login_page(
    request: Request[Any, Any, Any],
    *,
    email: str = "",
    next_url: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "accounts/login.html",
        {"email": email, "next": safe_next(next_url) or "", "error": error},
        status_code=status_code,
    )


@get("/inloggen", opt=PUBLIC, include_in_schema=False)
async def login_form(
    request: Request[Any, Any, Any],
    next_url: NextUrl = None,
) -> Template:
    return _login_page(request, next_url=next_url)


@post("/inloggen", opt=PUBLIC, include_in_schema=False)
async def login(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, clock: AppClock
) -> Response[Any]:
    form = await read_form(request, LoginForm)
    try:
        outcome = await services.log_in(
            db_session,
            email=form.email,
            password=form.password,
            clock=clock,
            lifetime=_session_lifetime(settings),
            ip_address=_client_ip(request),
            user_agent=request.headers.get("user-agent"),
            previous_token=request.cookies.get(SESSION_COOKIE),
        )
    except LoginFailed as exc:
        return _login_page(request, email=form.email, next_url=form.next, error=exc.detail, status_code=400)
    next_url = safe_next(form.next)
    if outcome.needs_second_factor:
        target = "/inloggen/verificatie" + (f"?next={next_url}" if next_url else "")
        response: Response[Any] = Redirect(target, status_code=303)
        _set_session_cookie(response, outcome.token, settings, services.PENDING_LOGIN_LIFETIME)
        return response
    response = Redirect(next_url or landing_page(request, outcome.principal), status_code=303)
    _set_session_cookie(response, outcome.token, settings, _session_lifetime(settings))
    return response


def _second_factor_page(
    request: Request[Any, Any, Any], next_url: str | None, error: str | None = None, status_code: int = 200
) -> Template:
    return page(
        request,
        "accounts/second_factor.html",
        {"next": safe_next(next_url) or "", "error": error},
        status_code=status_code,
    )


@get("/inloggen/verificatie", opt=PUBLIC, include_in_schema=False)
async def second_factor_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    next_url: NextUrl = None,
) -> Response[Any]:
    if await services.pending_login(db_session, request.cookies.get(SESSION_COOKIE), clock.now()) is None:
        return Redirect("/inloggen", status_code=303)
    return _second_factor_page(request, next_url)


@post("/inloggen/verificatie", opt=PUBLIC, include_in_schema=False)
async def second_factor(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, clock: AppClock
) -> Response[Any]:
    form = await read_form(request, SecondFactorForm)
    try:
        outcome = await services.complete_second_factor(
            db_session,
            token=request.cookies.get(SESSION_COOKIE),
            code=form.code,
            clock=clock,
            lifetime=_session_lifetime(settings),
            box=totp_box(settings.secret_key),
            ip_address=_client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except LoginFailed as exc:
        pending = await services.pending_login(db_session, request.cookies.get(SESSION_COOKIE), clock.now())
        if pending is None:
            return _login_page(request, next_url=form.next, error=exc.detail, status_code=400)
        return _second_factor_page(request, form.next, exc.detail, status_code=400)
    response: Response[Any] = Redirect(
        safe_next(form.next) or landing_page(request, outcome.principal), status_code=303
    )
    _set_session_cookie(response, outcome.token, settings, _session_lifetime(settings))
    return response


@post("/uitloggen", opt=PUBLIC, include_in_schema=False)
async def logout(request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Response[Any]:
    """Public on purpose: ending whatever session this browser holds is always allowed."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await services.end_session(db_session, token, clock)
    response: Response[Any] = Redirect("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(request, response, "U bent uitgelogd.", "info")
    return response


# --- password reset link ----------------------------------------------------------------------------


@get("/wachtwoord-herstellen/{token:str}", opt=PUBLIC, include_in_schema=False)
async def password_reset_form(
    request: Request[Any, Any, Any], token: FromPath[str], db_session: DbSession, clock: AppClock
) -> Template:
    try:
        email = await services.password_reset_email(db_session, token, clock.now())
    except NotFound as exc:
        return page(request, "accounts/password_reset_invalid.html", {"message": exc.detail}, status_code=404)
    template = page(request, "accounts/password_reset.html", {"email": email, "errors": {}})
    template.headers.update(NO_STORE)
    return template


@post("/wachtwoord-herstellen/{token:str}", opt=PUBLIC, include_in_schema=False)
async def password_reset(
    request: Request[Any, Any, Any], token: FromPath[str], db_session: DbSession, clock: AppClock
) -> Response[Any]:
    form = await read_form(request, NewPasswordForm)
    try:
        email = await services.reset_password(
            db_session,
            token=token,
            password=form.password,
            password_confirm=form.password_confirm,
            clock=clock,
        )
    except NotFound as exc:
        return page(request, "accounts/password_reset_invalid.html", {"message": exc.detail}, status_code=404)
    except ValidationFailed as exc:
        email = await services.password_reset_email(db_session, token, clock.now())
        return page(
            request,
            "accounts/password_reset.html",
            {"email": email, "errors": field_errors(exc)},
            status_code=400,
        )
    response: Response[Any] = Redirect("/inloggen", status_code=303)
    flash(request, response, f"Het nieuwe wachtwoord voor {email} is ingesteld. U kunt nu inloggen.")
    return response


# --- own profile --------------------------------------------------------------------------------------


async def _profile_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    me = current_principal(request)
    user = await services.get_user(db_session, uuid.UUID(me.id), clock.now())
    return page(
        request, "accounts/profile.html", {"user": user, "errors": errors or {}}, status_code=status_code
    )


@get("/profiel", opt=AUTHENTICATED, include_in_schema=False)
async def profile(request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Template:
    return await _profile_page(request, db_session, clock)


@post("/profiel/wachtwoord", opt=AUTHENTICATED, include_in_schema=False)
async def change_password(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock
) -> Response[Any]:
    me = current_principal(request)
    form = await read_form(request, PasswordChangeForm)
    try:
        await services.change_password(
            db_session,
            uuid.UUID(me.id),
            current_password=form.current_password,
            password=form.password,
            password_confirm=form.password_confirm,
            keep_session_id=uuid.UUID(me.session_id) if me.session_id else None,
            clock=clock,
        )
    except ValidationFailed as exc:
        return await _profile_page(request, db_session, clock, field_errors(exc), status_code=400)
    response: Response[Any] = Redirect("/profiel", status_code=303)
    flash(request, response, "Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd.")
    return response


async def _totp_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Template:
    me = current_principal(request)
    enabled, pending_secret, account_name = await services.totp_enrolment(
        db_session, uuid.UUID(me.id), box=totp_box(settings.secret_key)
    )
    context: dict[str, Any] = {
        "enabled": enabled,
        "pending": pending_secret is not None,
        "errors": errors or {},
    }
    if pending_secret is not None:
        uri = totp.provisioning_uri(pending_secret, account_name)
        context |= {
            "secret_groups": [pending_secret[i : i + 4] for i in range(0, len(pending_secret), 4)],
            "otpauth_uri": uri,
            "qr_data_uri": totp.qr_data_uri(uri),
        }
    template = page(request, "accounts/totp.html", context, status_code=status_code)
    template.headers.update(NO_STORE)
    return template


@get("/profiel/tweestapsverificatie", opt=AUTHENTICATED, include_in_schema=False)
async def totp_overview(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
) -> Template:
    return await _totp_page(request, db_session, settings)


@post("/profiel/tweestapsverificatie/starten", opt=AUTHENTICATED, include_in_schema=False)
async def totp_start(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, settings: AppSettings
) -> Response[Any]:
    await services.start_totp_enrolment(
        db_session, uuid.UUID(current_principal(request).id), clock, box=totp_box(settings.secret_key)
    )
    return Redirect("/profiel/tweestapsverificatie", status_code=303)


@post("/profiel/tweestapsverificatie", opt=AUTHENTICATED, include_in_schema=False)
async def totp_confirm(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, settings: AppSettings
) -> Response[Any]:
    form = await read_form(request, TotpConfirmForm)
    try:
        await services.confirm_totp(
            db_session,
            uuid.UUID(current_principal(request).id),
            form.code,
            clock,
            box=totp_box(settings.secret_key),
        )
    except ValidationFailed as exc:
        return await _totp_page(request, db_session, settings, field_errors(exc), status_code=400)
    response: Response[Any] = Redirect("/profiel", status_code=303)
    flash(
        request, response, "Tweestapsverificatie staat aan. Bij het inloggen vragen we voortaan om een code."
    )
    return response


@get("/profiel/tweestapsverificatie/uitschakelen", opt=AUTHENTICATED, include_in_schema=False)
async def totp_disable_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "accounts/totp_disable.html", {"errors": {}})


@post("/profiel/tweestapsverificatie/uitschakelen", opt=AUTHENTICATED, include_in_schema=False)
async def totp_disable(
    request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock
) -> Response[Any]:
    form = await read_form(request, TotpDisableForm)
    try:
        await services.disable_totp(
            db_session, uuid.UUID(current_principal(request).id), form.current_password, clock
        )
    except ValidationFailed as exc:
        return page(request, "accounts/totp_disable.html", {"errors": field_errors(exc)}, status_code=400)
    response: Response[Any] = Redirect("/profiel", status_code=303)
    flash(request, response, "Tweestapsverificatie staat uit.", "warning")
    return response


route_handlers = [
    login_form,
    login,
    second_factor_form,
    second_factor,
    logout,
    password_reset_form,
    password_reset,
    profile,
    change_password,
    totp_overview,
    totp_start,
    totp_confirm,
    totp_disable_form,
    totp_disable,
]
