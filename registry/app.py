"""The app factory: :func:`create_app` builds the Litestar application for a :class:`Settings`."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Headers, State
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.middleware import ASGIMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Contact, License, Server
from litestar.params import BodyKwarg
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.authentication import AuthenticationMiddleware
from registry.api import API_PREFIX, API_VERSION
from registry.clock import Clock, SystemClock
from registry.database import create_engine, create_session_factory
from registry.dependencies import app_dependencies
from registry.guards import guard
from registry.middleware import RequestTargetMiddleware, TrailingSlashMiddleware, add_response_headers
from registry.plugin import StelselPlugin
from registry.problems import exception_handlers
from registry.settings import Settings
from registry.signing.keys import KeyRing
from registry.templating import configure_template_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

CSRF_COOKIE = "stelsel_csrf"
CSRF_FIELD = "_csrf_token"

# Any web page may call the JSON API from a browser (it answers with ``Access-Control-Allow-Origin:
# *``); it never relies on cookies, so no credentials. The portal's pages take no part in CORS.
API_CORS = CORSConfig(
    allow_origins=["*"],
    allow_methods=["GET", "HEAD", "POST"],
    allow_headers=["Authorization", "Accept", "Content-Type"],
    allow_credentials=False,
    max_age=600,
)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_REFUSED = re.compile(r"q\s*=\s*0(\.0*)?")  # a media range with weight 0 is not acceptable


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _accepts_an_application_type(accept: str) -> bool:
    """Whether ``Accept`` names any range an API answer can have: ``*/*`` or ``application/…``."""
    for part in accept.split(","):
        media_type, *parameters = (piece.strip().lower() for piece in part.split(";"))
        if any(_REFUSED.fullmatch(parameter) for parameter in parameters):
            continue
        if media_type == "*/*" or media_type.startswith("application/"):
            return True
    return False


async def check_api_media_types(request: Request[Any, Any, Any]) -> None:
    """The JSON API refuses what it cannot handle before it reads the request: a body that is not
    JSON (415) and an ``Accept`` header that allows none of its answers, which are all
    ``application/…`` (406). Only the operations of the published API are checked, not pages such
    as the API documentation."""
    if not request.url.path.startswith(f"{API_PREFIX}/"):
        return
    handler = request.route_handler
    if not handler.include_in_schema:
        return
    accept = request.headers.get("accept", "").strip()
    if accept and not _accepts_an_application_type(accept):
        raise HTTPException(
            status_code=406,
            detail="De API antwoordt alleen met application/json (of een ander application/-mediatype dat "
            "de API-documentatie noemt); de header Accept staat geen daarvan toe.",
        )
    if request.method not in _BODY_METHODS:
        return
    body = handler.parsed_fn_signature.parameters.get("data")
    if body is None or (
        isinstance(body.kwarg_definition, BodyKwarg)
        and body.kwarg_definition.media_type != RequestEncodingType.JSON
    ):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not _is_json(content_type):
        raise HTTPException(
            status_code=415,
            detail=f"Deze operatie neemt alleen JSON aan (Content-Type: application/json), "
            f"niet {content_type}.",
        )


class ApiPreflightMiddleware(ASGIMiddleware):
    """Answers a browser's CORS preflight (``OPTIONS`` with ``Origin`` and
    ``Access-Control-Request-Method``) on the JSON API with :data:`API_CORS`, before the route
    guard, which would refuse the anonymous ``OPTIONS``. Other requests pass unchanged."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path: str = scope["path"]
        if scope.get("method") == "OPTIONS" and (path == API_PREFIX or path.startswith(f"{API_PREFIX}/")):
            headers = Headers.from_scope(scope)
            if headers.get("origin") and headers.get("access-control-request-method"):
                response: Response[None] = Response(
                    content=None, status_code=204, headers=API_CORS.preflight_headers
                )
                await response.to_asgi_response(app=None, request=scope["litestar_app"].request_class(scope))(
                    scope, receive, send
                )
                return
        await next_app(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    extra_handlers: Sequence[Any] = (),
) -> Litestar:
    """Build the portal for these settings. ``clock`` lets tests fix the time."""
    engine = create_engine(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await engine.dispose()

    state = State(
        {
            "settings": settings,
            "db_engine": engine,
            "db_sessionmaker": create_session_factory(engine),
            "clock": clock or SystemClock(),
            "keyring": KeyRing(settings.keys_dir, active_key_pem=settings.signing_key_pem, clock=clock),
        }
    )
    return Litestar(
        route_handlers=[
            create_static_files_router(path="/static", directories=[STATIC_DIR], opt={"public": True})
        ],
        plugins=[StelselPlugin(extra_handlers)],
        state=state,
        lifespan=[lifespan],
        dependencies=app_dependencies(),
        guards=[guard],
        middleware=[
            ApiPreflightMiddleware(),
            RequestTargetMiddleware(),
            TrailingSlashMiddleware(),
            AuthenticationMiddleware(),
        ],
        before_request=check_api_media_types,
        before_send=[add_response_headers],
        exception_handlers=exception_handlers,
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=CSRF_COOKIE,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=False,
            cookie_samesite="strict",
            header_name="x-csrftoken",
            # Litestar searches these patterns anywhere in the path: anchored, so that a form such
            # as /beheer/deelnemers/{id}/status keeps its CSRF check.
            exclude=[f"^{API_PREFIX}(/|$)", r"^/\.well-known/", "^/health/", "^/status/"],
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR,
            engine=JinjaTemplateEngine,
            engine_callback=configure_template_engine,
        ),
        openapi_config=OpenAPIConfig(
            title="Stelselregister API",
            version=API_VERSION,
            description=(
                "De openbare catalogus, de ledenadministratie en de verklaringen van het afsprakenstelsel. "
                "Alle antwoorden dragen de header API-Version; "
                "fouten zijn application/problem+json (RFC 9457)."
            ),
            contact=Contact(
                name="Stelselregister beheer",
                url=f"{settings.base_url}/contact",
                email="beheer@stelselregister.nl",
            ),
            license=License(name="EUPL-1.2", identifier="EUPL-1.2"),
            servers=[Server(url=f"{settings.base_url}{API_PREFIX}")],
            path=f"{API_PREFIX}/_litestar-schema",
            render_plugins=[],
        ),
        request_max_body_size=settings.max_request_bytes,
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="never",
        ),
        debug=False,
    )


logging.getLogger("stelsel").addHandler(logging.NullHandler())
