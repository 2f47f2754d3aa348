"""The published OpenAPI 3.1 document at ``/api/v1/openapi.json`` and its browsable UI.

Litestar generates the document from the route handlers; :func:`publishable_document` then applies
the Dutch API Design Rules once for every operation, so no handler has to repeat them:
only ``/api/v1`` paths (relative to the ``servers`` URL, which carries the major version),
the ``API-Version`` header on every 2xx/3xx response, ``application/problem+json`` with the
:class:`~registry.problems.Problem` schema on every 4xx/5xx, a documented 400 on every
operation that takes input, 413 and 415 on every operation with a request body, 406 everywhere, 404
on every operation with a path parameter, 401 everywhere and 403 on every operation that is not
public, and 429 and 503 everywhere.

A public operation answers 401 too: a bearer token that is sent but wrong or revoked is refused
(RFC 6750 ``invalid_token``), never treated as an anonymous call
(:mod:`registry.accounts.authentication`). A validation error is always a 400 with
``invalidParams``, never a 422.

How to authenticate: ``components.securitySchemes`` holds one scheme, :data:`SECURITY_SCHEME`, HTTP
bearer with the token of an API client (``Authorization: Bearer <client-id>.<geheim>``). It is the
only credential the API accepts: the portal's session cookie is never honoured under ``/api/v1``
(:mod:`registry.accounts.authentication`), so no cookie scheme is documented. Every operation
declares its own ``security``, derived from the same ``opt`` markers the route guard reads
(:func:`registry.guards.guard`), so a new operation gets the right requirement without repeating
it:

- not public (``permission`` or ``authenticated``): the token is required,
  ``[{"apiClientToken": ["<scope>"]}, ...]`` with one alternative for each API client scope that
  grants the route's permission (:data:`~registry.accounts.permissions.SCOPE_PERMISSIONS`; OpenAPI
  3.1 allows role names for any scheme), or ``[{"apiClientToken": []}]`` when no scope grants it;
- public and rate limited (``RATE_LIMITED``): the token is optional, ``[{}, {"apiClientToken": []}]``
  (the anonymous alternative first). With a token the calls count against the API client's own
  limit instead of the address's, and the deelnemer lookups show a client with scope
  ``lookup:read`` also contactpersonen and history;
- every other public operation: ``[{}]``, anonymous: a token gives nothing more there (one that
  is wrong is still refused, as above). The document says so explicitly rather than by leaving
  ``security`` out, so that every operation states its rule.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.response import Template
from litestar.routes import HTTPRoute

from registry.accounts.permissions import SCOPE_PERMISSIONS, Permission, Scope
from registry.api import API_PREFIX, API_VERSION
from registry.ledenadministratie.ratelimit import RATE_LIMITED
from registry.problems import PROBLEM_MEDIA_TYPE
from registry.templating import page

VERSION_HEADER = {
    "description": "De volledige versie van de API (semver).",
    "schema": {"type": "string", "example": API_VERSION},
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Foutmelding volgens RFC 9457 (problem details).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identificeert de soort fout."},
        "title": {"type": "string", "description": "Korte, vaste omschrijving van de soort fout."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "Uitleg van deze fout voor de aanroeper."},
        "instance": {"type": "string", "description": "Het pad waarop de fout optrad."},
        "invalidParams": {
            "type": "array",
            "description": "Alle ongeldige invoervelden tegelijk.",
            "items": {
                "type": "object",
                "required": ["name", "reason"],
                "properties": {
                    "name": {"type": "string"},
                    "reason": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Ongeldige invoer; invalidParams noemt elk ongeldig veld.",
    "401": "Niet geauthenticeerd: geen, een ongeldig of een ingetrokken bearer-token meegestuurd.",
    "403": "Geen toegang: het token heeft geen scope die deze operatie toestaat (zie security).",
    "404": "Niet gevonden.",
    "406": "De header Accept staat geen van de mediatypes van het antwoord toe.",
    "409": "Conflict met de huidige stand van het register.",
    "413": "Verzoek te groot.",
    "415": "De inhoud is geen JSON (Content-Type).",
    "429": "Te veel verzoeken; zie Retry-After.",
    "503": "Tijdelijk niet beschikbaar.",
}
# A public operation needs no token, so its 401 only ever means the token that was sent.
PUBLIC_UNAUTHORIZED = (
    "Ongeldige of ingetrokken inloggegevens meegestuurd: het bearer-token in de header Authorization "
    "klopt niet. Zonder die header is deze operatie openbaar."
)
ERROR_HEADERS: dict[str, dict[str, Any]] = {
    "401": {
        "WWW-Authenticate": {
            "description": 'De challenge volgens RFC 6750, met error="invalid_token" voor een ongeldig '
            "of ingetrokken token.",
            "required": True,
            "schema": {"type": "string", "example": 'Bearer realm="stelselregister", error="invalid_token"'},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Na hoeveel seconden een verzoek weer wordt aangenomen.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "503": {
        "Retry-After": {
            "description": "Na hoeveel seconden het zin heeft het opnieuw te proberen, als dat bekend is.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

SECURITY_SCHEME = "apiClientToken"
SECURITY_SCHEMES: dict[str, Any] = {
    SECURITY_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "Het token van een API-client in de header Authorization: `Authorization: Bearer "
            "<client-id>.<geheim>`. Een stelselbeheerder maakt de API-client aan in het beheerportaal; "
            "het token is alleen bij het aanmaken te zien. De scopes van de client ("
            + ", ".join(f"`{scope.value}`" for scope in Scope)
            + ") bepalen wat het token mag: een operatie die een token vereist, noemt in `security` de "
            "scope die toegang geeft. Op een openbare operatie met `{}` en dit schema in `security` is "
            "het token niet nodig, maar telt het verzoek mee voor de eigen limiet van de client in plaats "
            "van die van het adres, en toont het opvragen van deelnemers met scope `lookup:read` ook "
            "contactpersonen en geschiedenis. Een meegestuurd token dat "
            'niet klopt of is ingetrokken wordt altijd geweigerd met 401 (error="invalid_token"), ook '
            "op openbare operaties. De sessiecookie van het portaal geldt niet voor de API."
        ),
    }
}
SecurityRequirement = dict[str, list[str]]


def security_requirements(opt: Mapping[str, Any]) -> list[SecurityRequirement]:
    """The ``security`` of an operation whose route declares ``opt`` (see the module docstring)."""
    if opt.get("public"):
        return [{}, {SECURITY_SCHEME: []}] if opt.get(RATE_LIMITED) else [{}]
    permission = opt.get("permission")
    scopes = (
        sorted(
            scope.value for scope, granted in SCOPE_PERMISSIONS.items() if Permission(permission) in granted
        )
        if permission
        else []
    )
    return [{SECURITY_SCHEME: [scope]} for scope in scopes] or [{SECURITY_SCHEME: []}]


def _problem_response(code: str, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or ERROR_DESCRIPTIONS.get(code, "Fout."),
        "headers": {"API-Version": VERSION_HEADER, **ERROR_HEADERS.get(code, {})},
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _fix_operation(method: str, operation: dict[str, Any], opt: Mapping[str, Any]) -> None:
    public = bool(opt.get("public"))
    operation["security"] = security_requirements(opt)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code, response in list(responses.items()):
        if code[0] in "23":
            response.setdefault("headers", {})["API-Version"] = VERSION_HEADER
        elif code[0] in "45":
            responses[code] = _problem_response(code)
    takes_input = method in {"post", "put", "patch"} or bool(operation.get("parameters"))
    if takes_input:
        responses.setdefault("400", _problem_response("400"))
    if "requestBody" in operation:
        responses.setdefault("413", _problem_response("413"))
        responses.setdefault("415", _problem_response("415"))
    responses.setdefault("406", _problem_response("406"))
    # A resource named in the path may not exist; a route that is not public refuses callers
    # without the right token, and every route refuses a token that is wrong or revoked. Every such
    # operation can answer so, so the document says it.
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
        responses.setdefault("404", _problem_response("404"))
    if public:
        responses.setdefault("401", _problem_response("401", PUBLIC_UNAUTHORIZED))
    else:
        responses.setdefault("401", _problem_response("401"))
        responses.setdefault("403", _problem_response("403"))
    responses.setdefault("429", _problem_response("429"))
    responses.setdefault("503", _problem_response("503"))


def publishable_document(
    generated: dict[str, Any],
    base_url: str,
    route_opts: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The generated document reshaped to the API Design Rules (see the module docstring).

    ``route_opts`` holds the ``opt`` of each route by ``(path, method)``, as :func:`route_opts`
    collects it: the access decision there sets the operation's ``security``, and a public
    operation's 401 is described as a wrong token that was sent, with no 403. ``None`` treats every
    operation as public.
    """
    document = copy.deepcopy(generated)
    document["openapi"] = "3.1.0"
    document["servers"] = [{"url": f"{base_url}{API_PREFIX}", "description": "Stelselregister API v1"}]
    paths: dict[str, Any] = {}
    for path, item in sorted(document.get("paths", {}).items()):
        if not path.startswith(API_PREFIX + "/") or "/_" in path:
            continue
        for method in HTTP_METHODS:
            if method in item:
                opt = {"public": True} if route_opts is None else route_opts.get((path, method), {})
                _fix_operation(method, item[method], opt)
        paths[path.removeprefix(API_PREFIX)] = item
    document["paths"] = paths
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    return document


def route_opts(app: Litestar) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The ``opt`` the route guard reads (merged from app, router, controller and handler) of every
    route, by ``(path, method)`` as the document names them."""
    opts: dict[tuple[str, str], Mapping[str, Any]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                opts.update(
                    ((route.path_format, method.lower()), handler.opt) for method in handler.http_methods
                )
    return opts


def public_operations(app: Litestar) -> set[tuple[str, str]]:
    """``(path, method)`` of every route that declares ``{"public": True}``, as the document names them."""
    return {operation for operation, opt in route_opts(app).items() if opt.get("public")}


def published_document(app: Litestar) -> dict[str, Any]:
    """The document for this app, built once per process."""
    cached: dict[str, Any] | None = getattr(app.state, "published_openapi", None)
    if cached is None:
        cached = publishable_document(
            app.openapi_schema.to_schema(), app.state.settings.base_url, route_opts(app)
        )
        app.state.published_openapi = cached
    return cached


def access_summary(security: list[SecurityRequirement]) -> str:
    """The ``security`` of an operation in words, for the documentation page."""
    scopes = sorted({scope for requirement in security for scope in requirement.get(SECURITY_SCHEME, [])})
    if {} in security and len(security) > 1:
        return (
            "openbaar; met het token van een API-client telt het verzoek mee voor de eigen limiet "
            "van de client."
        )
    if {} in security or not security:
        return "openbaar."
    if scopes:
        return f"alleen met het token van een API-client met scope {' of '.join(scopes)}."
    return "alleen met het token van een API-client."


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A flat, ordered list of operations for the documentation page."""
    listed = []
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            listed.append(
                {
                    "method": method.upper(),
                    "path": API_PREFIX + path,
                    "anchor": operation.get("operationId", f"{method}{path}"),
                    "summary": operation.get("summary", ""),
                    "access": access_summary(operation.get("security", [])),
                    "description": operation.get("description", ""),
                    "tags": operation.get("tags", []),
                    "parameters": operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return listed


@get(
    f"{API_PREFIX}/openapi.json", opt={"public": True}, include_in_schema=False, media_type="application/json"
)
async def openapi_document(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return Response(
        published_document(request.app),
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"},
    )


@get(f"{API_PREFIX}/docs", opt={"public": True}, include_in_schema=False)
async def api_documentation(request: Request[Any, Any, Any]) -> Template:
    document = published_document(request.app)
    return page(
        request,
        "api/docs.html",
        {
            "openapi_url": f"{API_PREFIX}/openapi.json",
            "info": document["info"],
            "operations": operations(document),
        },
    )


route_handlers = [openapi_document, api_documentation]
