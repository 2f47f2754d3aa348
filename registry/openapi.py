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
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.response import Template
from litestar.routes import HTTPRoute

from registry.api import API_PREFIX, API_VERSION
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
    "403": "Geen toegang.",
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


def _problem_response(code: str, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or ERROR_DESCRIPTIONS.get(code, "Fout."),
        "headers": {"API-Version": VERSION_HEADER, **ERROR_HEADERS.get(code, {})},
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _fix_operation(method: str, operation: dict[str, Any], *, public: bool = True) -> None:
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
    generated: dict[str, Any], base_url: str, public_operations: Collection[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The generated document reshaped to the API Design Rules (see the module docstring).

    ``public_operations`` holds ``(path, method)`` of the routes anyone may call: their 401 is
    described as a wrong token that was sent, and they get no 403. ``None`` treats every operation
    as public.
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
                public = public_operations is None or (path, method) in public_operations
                _fix_operation(method, item[method], public=public)
        paths[path.removeprefix(API_PREFIX)] = item
    document["paths"] = paths
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    return document


def public_operations(app: Litestar) -> set[tuple[str, str]]:
    """``(path, method)`` of every route that declares ``{"public": True}``, as the document names them."""
    public: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.opt.get("public"):
                    public.update((route.path_format, method.lower()) for method in handler.http_methods)
    return public


def published_document(app: Litestar) -> dict[str, Any]:
    """The document for this app, built once per process."""
    cached: dict[str, Any] | None = getattr(app.state, "published_openapi", None)
    if cached is None:
        cached = publishable_document(
            app.openapi_schema.to_schema(), app.state.settings.base_url, public_operations(app)
        )
        app.state.published_openapi = cached
    return cached


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
