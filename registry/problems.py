"""RFC 9457 problem details: one place that turns every error into problem+json or an error page.

API callers (paths under ``/api`` and ``/.well-known``, or clients that ask for JSON) get
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``, ``instance`` and, for
validation errors, ``invalidParams`` listing every problem at once. Browsers get a readable Dutch
error page. 4xx errors are logged as one line without a traceback; only unexpected errors (500)
log their traceback, server-side.
"""

from __future__ import annotations

import html
import logging
import re
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, TemplateNotFoundException, ValidationException
from litestar.response import Redirect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from registry.errors import DomainError, InvalidParam, NotAuthenticated, RateLimited, ValidationFailed

logger = logging.getLogger("stelsel.problems")

PROBLEM_MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet ingelogd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    409: "Conflict",
    413: "Verzoek te groot",
    415: "Mediatype niet ondersteund",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Dienst tijdelijk niet beschikbaar",
}
_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
    500: "internal-error",
    503: "service-unavailable",
}


class ProblemType(msgspec.Struct, frozen=True):
    """A kind of problem, as its ``type`` URI ``/problemen/{slug}`` explains it to a reader."""

    slug: str
    status: int
    title: str
    explanation: str
    what_to_do: str


# Every ``type`` the register puts in a problem, with its public page.
PROBLEM_TYPES: dict[str, ProblemType] = {
    problem.slug: problem
    for problem in (
        ProblemType(
            "bad-request",
            400,
            _TITLES[400],
            "Het verzoek kon niet worden gelezen: een parameter, de inhoud of een header is onjuist.",
            "Lees detail en invalidParams: die noemen elk onjuist veld. Pas het verzoek aan en stuur het "
            "opnieuw.",
        ),
        ProblemType(
            "invalid-input",
            400,
            "Ongeldige invoer",
            "De invoer is gelezen, maar breekt een of meer regels van het register.",
            "invalidParams noemt elk veld met de reden; verbeter ze allemaal tegelijk en stuur het verzoek "
            "opnieuw.",
        ),
        ProblemType(
            "unauthorized",
            401,
            _TITLES[401],
            "Er is geen geldige inlog of geen geldig bearer-token meegestuurd.",
            "Log in, of stuur een geldig token mee in de header Authorization: Bearer. Een ongeldig of "
            "ingetrokken token wordt nooit als anonieme vraag behandeld; vraag de stelselbeheerder om een "
            "nieuw.",
        ),
        ProblemType(
            "forbidden",
            403,
            _TITLES[403],
            "U bent bekend, maar uw rol of de scopes van uw API-client geven geen toegang tot deze functie.",
            "Vraag de stelselbeheerder om de rol of scope die bij deze functie hoort.",
        ),
        ProblemType(
            "not-found",
            404,
            _TITLES[404],
            "Het gevraagde adres of de gevraagde bron bestaat niet (meer).",
            "Controleer het adres en de identificatie. De API-documentatie noemt alle adressen.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            _TITLES[405],
            "Het adres bestaat, maar niet met deze HTTP-methode.",
            "Gebruik een methode die de API-documentatie bij dit adres noemt.",
        ),
        ProblemType(
            "not-acceptable",
            406,
            _TITLES[406],
            "Het register kan niet antwoorden in een van de mediatypes die de header Accept vraagt.",
            "Vraag application/json (of laat Accept weg); de API-documentatie noemt per operatie de andere "
            "vormen.",
        ),
        ProblemType(
            "conflict",
            409,
            _TITLES[409],
            "Het verzoek botst met wat er nu in het register staat, bijvoorbeeld een dubbele identificatie.",
            "Haal de huidige gegevens opnieuw op en kijk wat er botst; detail zegt wat het is.",
        ),
        ProblemType(
            "invalid-transition",
            409,
            "Overgang niet toegestaan",
            "Deze stap is vanuit de huidige status niet mogelijk, bijvoorbeeld herstellen van een "
            "ingetrokken verklaring.",
            "Haal de huidige status op; doe eerst de stap die daarvoor nodig is, of geen.",
        ),
        ProblemType(
            "payload-too-large",
            413,
            _TITLES[413],
            "De inhoud van het verzoek is groter dan het register aanneemt.",
            "Maak de inhoud kleiner of verdeel hem over meer verzoeken.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            _TITLES[415],
            "De inhoud van het verzoek heeft een mediatype (Content-Type) dat deze operatie niet aanneemt.",
            "Stuur de inhoud als JSON met de header Content-Type: application/json.",
        ),
        ProblemType(
            "too-many-requests",
            429,
            _TITLES[429],
            "Er zijn in korte tijd te veel verzoeken gedaan.",
            "Wacht het aantal seconden uit de header Retry-After en spreid uw verzoeken.",
        ),
        ProblemType(
            "login-failed",
            400,
            "Inloggen mislukt",
            "Het e-mailadres, het wachtwoord of de code werd niet aanvaard.",
            "Controleer uw gegevens en probeer het opnieuw; na vijf mislukte pogingen wacht u een kwartier.",
        ),
        ProblemType(
            "account-locked",
            400,
            "Account geblokkeerd",
            "Na te veel mislukte pogingen is het account tijdelijk geblokkeerd.",
            "Wacht een kwartier of vraag een beheerder het account te ontgrendelen.",
        ),
        ProblemType(
            "internal-error",
            500,
            _TITLES[500],
            "Er ging iets mis aan de kant van het register; de fout is vastgelegd.",
            "Probeer het later opnieuw. Blijft het gebeuren, meld dan het tijdstip en het adres aan de "
            "beheerorganisatie.",
        ),
        ProblemType(
            "service-unavailable",
            503,
            _TITLES[503],
            "Het register of zijn database is tijdelijk niet bereikbaar.",
            "Probeer het opnieuw na het aantal seconden uit de header Retry-After, of na enkele ogenblikken.",
        ),
        ProblemType(
            "error",
            500,
            "Fout",
            "Een fout zonder eigen soort.",
            "Lees detail; probeer het later opnieuw of neem contact op met de beheerorganisatie.",
        ),
    )
}

# Framework messages a user may see, in Dutch.
_DETAILS = {
    "CSRF token verification failed": (
        "Het formulier is geweigerd: de beveiligingscode ontbreekt of klopt niet. Dat gebeurt als het "
        "formulier van een andere site komt of te lang open heeft gestaan. Ga terug, laad de pagina "
        "opnieuw en verstuur het formulier nog eens."
    ),
}


class InvalidParamSchema(msgspec.Struct):
    """One invalid input field and the reason it was refused."""

    name: str
    reason: str
    code: str = "invalid"


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, with ``invalidParams`` as in the Dutch API Design Rules."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    invalid_params: list[InvalidParamSchema] | None = msgspec.field(default=None, name="invalidParams")


def wants_problem_json(request: Request[Any, Any, Any]) -> bool:
    """API paths always get JSON; elsewhere a client that prefers JSON over HTML gets it too."""
    path = request.url.path
    if path.startswith(("/api/", "/.well-known/", "/health", "/status/")) or path == "/api":
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def problem_type(request: Request[Any, Any, Any], slug: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}/problemen/{slug}"


def build_problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    invalid_params: list[InvalidParam] | None = None,
) -> Problem:
    return Problem(
        type=problem_type(request, slug or _SLUGS.get(status, "error")),
        title=title or _TITLES.get(status, "Fout"),
        status=status,
        detail=detail,
        instance=request.url.path,
        invalid_params=[InvalidParamSchema(p.name, p.reason, p.code) for p in invalid_params]
        if invalid_params
        else None,
    )


def problem_response(
    request: Request[Any, Any, Any],
    problem: Problem,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """problem+json for API callers, the matching error page for browsers."""
    if wants_problem_json(request):
        return Response(
            content=msgspec.json.encode(problem),
            status_code=problem.status,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=headers,
        )
    from registry.templating import PageTemplate  # templating imports accounts, which imports errors

    context = {"problem": problem, "request": request, "back_url": _back_url(request)}
    engine = request.app.template_engine
    for template in (f"errors/{problem.status}.html", GENERIC_ERROR_TEMPLATE):
        try:
            # A template renders after the handler returns; check here that it exists, so a status
            # without a page of its own gets the generic error page instead of a 500.
            if engine is not None:
                engine.get_template(template)
        except TemplateNotFoundException:
            continue
        return PageTemplate(
            template_name=template,
            context=context,
            status_code=problem.status,
            headers=headers,
            media_type=MediaType.HTML,
        )
    return Response(
        content=_plain_error_page(problem),
        status_code=problem.status,
        headers=headers,
        media_type=MediaType.HTML,
    )


GENERIC_ERROR_TEMPLATE = "errors/error.html"


def _back_url(request: Request[Any, Any, Any]) -> str | None:
    """The page of this site the browser came from (``Referer``), as a path, for a link back."""
    referer = request.headers.get("referer", "")
    if not referer:
        return None
    target = urlsplit(referer)
    own = urlsplit(str(request.base_url))
    if (target.scheme, target.netloc) != (own.scheme, own.netloc) or not target.path.startswith("/"):
        return None
    if target.path == request.url.path and request.method == "GET":
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def _plain_error_page(problem: Problem) -> str:
    """A minimal Dutch error page for when no template can be used at all."""
    title = html.escape(problem.title)
    detail = html.escape(problem.detail)
    return (
        '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        f"<title>{title} — Stelselregister</title></head><body><main>"
        f"<p>Foutcode {problem.status}</p><h1>{title}</h1><p>{detail}</p>"
        '<p><a href="/">Naar de startpagina</a></p></main></body></html>'
    )


# Litestar's message for a required query, header, cookie or path parameter that is absent.
_MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '(?P<name>[^']+)'")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# --- the validation messages of msgspec and Litestar, in Dutch --------------------------------------

_TYPE_NAMES = {
    "int": "een geheel getal",
    "float": "een getal",
    "decimal": "een decimaal getal",
    "str": "tekst",
    "bool": "true of false",
    "null": "null",
    "object": "een object",
    "array": "een lijst",
    "bytes": "base64-gecodeerde bytes",
    "datetime": "een datum met tijd (RFC 3339, zoals 2026-11-23T14:05:00Z)",
    "date": "een datum (JJJJ-MM-DD)",
    "time": "een tijd (UU:MM:SS)",
    "duration": "een tijdsduur (ISO 8601)",
    "uuid": "een UUID",
}
_LENGTH_UNITS = {"str": ("teken", "tekens"), "array": ("element", "elementen"), "object": ("veld", "velden")}
_INVALID_FORMATS = {
    "Invalid RFC3339 encoded datetime": "Geen geldige datum met tijd (RFC 3339, zoals 2026-11-23T14:05:00Z).",
    "Invalid RFC3339 encoded date": "Geen geldige datum (JJJJ-MM-DD).",
    "Invalid RFC3339 encoded time": "Geen geldige tijd (UU:MM:SS).",
    "Invalid ISO8601 duration": "Geen geldige tijdsduur (ISO 8601).",
    "Invalid UUID": "Geen geldige UUID.",
    "Invalid base64 encoded string": "Geen geldige base64-tekst.",
    "Invalid decimal string": "Geen geldig decimaal getal.",
    "Invalid epoch timestamp": "Geen geldig tijdstip.",
}
# Messages of this shape come from msgspec or Litestar and are English; any other message is one
# of the register's own (a ``__post_init__`` check) and is Dutch already.
_FRAMEWORK_MESSAGE = re.compile(r"^(Expected|Invalid|Object|JSON|Input|Missing|Only|Unknown) ")


def _type_name(expected: str) -> str:
    return " of ".join(_TYPE_NAMES.get(part.strip(), part.strip()) for part in expected.split("|"))


def _length_reason(kind: str, op: str, number: str) -> str:
    singular, plural = _LENGTH_UNITS.get(kind, ("byte", "bytes"))
    unit = singular if number == "1" else plural
    return {
        "<=": f"Mag hoogstens {number} {unit} lang zijn.",
        "<": f"Moet korter zijn dan {number} {plural}.",
        ">=": f"Moet minstens {number} {unit} lang zijn.",
        ">": f"Moet langer zijn dan {number} {plural}.",
    }[op]


def _bound_reason(op: str, number: str) -> str:
    return {
        "<=": f"Mag hoogstens {number} zijn.",
        "<": f"Moet kleiner zijn dan {number}.",
        ">=": f"Moet minstens {number} zijn.",
        ">": f"Moet groter zijn dan {number}.",
    }[op]


_Translation = tuple[str, str, str | None]  # reason, code, the member an object misses or has too many


def _length(g: dict[str, str]) -> _Translation:
    code = "max-length" if g["op"].startswith("<") else "min-length"
    return _length_reason(g["kind"], g["op"], g["n"]), code, None


def _bound(g: dict[str, str]) -> _Translation:
    return _bound_reason(g["op"], g["n"]), "maximum" if g["op"].startswith("<") else "minimum", None


def _wrong_type(g: dict[str, str]) -> _Translation:
    return f"Moet {_type_name(g['kind'])} zijn, niet {_type_name(g['got'])}.", "type", None


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[dict[str, str]], _Translation]], ...] = (
    (re.compile(r"Expected `(?P<kind>[^`]+)` of length (?P<op><=|>=|<|>) (?P<n>\d+)"), _length),
    (
        re.compile(r"Expected `array` of length (?P<n>\d+)"),
        lambda g: (f"Moet een lijst van precies {g['n']} elementen zijn.", "length", None),
    ),
    (re.compile(r"Expected `[^`]+` (?P<op><=|>=|<|>) (?P<n>\S+)"), _bound),
    (
        re.compile(r"Expected `[^`]+` that's a multiple of (?P<n>\S+)"),
        lambda g: (f"Moet een veelvoud van {g['n']} zijn.", "multiple-of", None),
    ),
    (
        re.compile(r"Expected `[^`]+` matching regex (?P<regex>.+)"),
        lambda g: (f"Heeft niet de verwachte vorm (patroon {g['regex']}).", "pattern", None),
    ),
    (re.compile(r"Expected `(?P<kind>[^`]+)`, got `(?P<got>[^`]+)`"), _wrong_type),
    (
        re.compile(r"Expected `[^`]+` with a timezone component"),
        lambda _: ("Moet een tijdzone hebben (zoals Z of +01:00).", "format", None),
    ),
    (
        re.compile(r"Expected `[^`]+` with no timezone component"),
        lambda _: ("Mag geen tijdzone hebben.", "format", None),
    ),
    (
        re.compile(r"Invalid enum value (?P<value>.+)"),
        lambda g: (f"Onbekende waarde {g['value']}.", "enum", None),
    ),
    (
        re.compile(r"Object missing required field `(?P<field>[^`]+)`"),
        lambda g: ("Dit veld is verplicht.", "required", g["field"]),
    ),
    (
        re.compile(r"Object contains unknown field `(?P<field>[^`]+)`"),
        lambda g: ("Dit veld is onbekend.", "unknown", g["field"]),
    ),
)


def dutch_validation_message(message: str) -> _Translation:
    """A msgspec/Litestar validation message in Dutch: ``(reason, code, field)``, where ``field`` is
    the member an object misses or has too many (the message names it, not its location)."""
    message = message.split(" - at `", 1)[0].strip()
    if message in _INVALID_FORMATS:
        return _INVALID_FORMATS[message], "format", None
    for pattern, translate in _PATTERNS:
        if match := pattern.fullmatch(message):
            return translate(match.groupdict())
    if _FRAMEWORK_MESSAGE.match(message):
        return "Ongeldige waarde.", "invalid", None
    return message, "invalid", None


def _malformed_body_reason(message: str) -> str:
    """msgspec's decode error for a body that is not JSON, in Dutch."""
    at_byte = re.search(r"\(byte (\d+)\)", message)
    if message.startswith("Invalid content-length"):
        return "De header Content-Length is ongeldig."
    if message.startswith("Input data was truncated"):
        return "De inhoud van het verzoek is onvolledige JSON."
    if at_byte:
        return f"De inhoud van het verzoek is geen geldige JSON (fout bij byte {at_byte[1]})."
    return "De inhoud van het verzoek is geen geldige JSON voor deze operatie."


def _query_name(request: Request[Any, Any, Any], key: str) -> str:
    """A query parameter by the name the client sent (Litestar reports the Python name)."""
    if key in request.query_params:
        return key
    camel = _camel(key)
    wanted = camel.lower()
    return next((name for name in request.query_params if name.lower() == wanted), camel)


def _validation_params(request: Request[Any, Any, Any], exc: HTTPException) -> list[InvalidParam]:
    params: list[InvalidParam] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "body")
        reason, code, member = dutch_validation_message(str(item.get("message", "")))
        source = item.get("source")
        source = str(getattr(source, "value", source))
        if source == "query":
            key = _query_name(request, key)
        elif source == "body" or key == "data":
            # the body is the handler's ``data`` parameter; deeper keys are paths inside it
            root = key in {"data", "body"}
            key = "body" if root else key
            if member is not None:
                key = member if root else f"{key}.{member}"
        params.append(InvalidParam(name=key, reason=reason, code=code))
    return params


def _http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationException) or (status == 400 and type(exc).__name__ == "ClientException"):
        params = _validation_params(request, exc)
        missing = _MISSING_PARAMETER.match(exc.detail or "")
        if missing and not params:
            params = [
                InvalidParam(name=missing["name"], reason="Deze parameter is verplicht.", code="required")
            ]
        if params:
            detail = "De invoer bevat fouten: " + "; ".join(f"{p.name}: {p.reason}" for p in params)
        else:
            # No field-level details: the body itself could not be decoded (malformed JSON, wrong type).
            detail = reason = _malformed_body_reason(exc.detail or "")
            params = [InvalidParam(name="body", reason=reason, code="malformed")]
        logger.info("400 %s %s: %s (%s; %s)", request.method, request.url.path, detail, exc.detail, exc.extra)
        return problem_response(request, build_problem(request, 400, detail, invalid_params=params), headers)
    detail = {
        404: "De gevraagde bron bestaat niet.",
        405: f"De methode {request.method} is hier niet toegestaan.",
        413: "Het verzoek is groter dan toegestaan.",
    }.get(status, _DETAILS.get(exc.detail, exc.detail) or _TITLES.get(status, "Fout"))
    if status >= 500:
        # A 500 raised by the framework (for example a handler parameter it cannot provide) is an
        # unexpected error: log its cause with the traceback, like any other.
        logger.error(
            "%s %s %s: %s",
            status,
            request.method,
            request.url.path,
            exc.detail,
            exc_info=exc if status == 500 else None,
        )
    else:
        logger.info("%s %s %s", status, request.method, request.url.path)
    return problem_response(request, build_problem(request, status, detail), headers)


def _login_redirect(request: Request[Any, Any, Any]) -> Response[Any]:
    """A browser that opens a page needing a login is sent to the login page, and back afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/inloggen?{urlencode({'next': target})}", status_code=303)


def _domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, NotAuthenticated) and request.method == "GET" and not wants_problem_json(request):
        return _login_redirect(request)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, NotAuthenticated) and request.url.path.startswith(("/api/", "/.well-known/")):
        headers["WWW-Authenticate"] = exc.challenge
    params = exc.invalid_params if isinstance(exc, ValidationFailed) else None
    logger.info("%s %s %s: %s", exc.status, request.method, request.url.path, exc.detail)
    problem = build_problem(
        request, exc.status, exc.detail, title=exc.title, slug=exc.type_slug, invalid_params=params
    )
    return problem_response(request, problem, headers or None)


def _integrity_error_handler(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    logger.warning("409 %s %s: integrity error %s", request.method, request.url.path, exc.orig)
    detail = "De wijziging botst met gegevens die al in het register staan."
    return problem_response(request, build_problem(request, 409, detail))


def _unstorable_value_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A value from the request that the database or Python cannot represent: a NUL character, a
    number or date out of range. Services should have refused it; this keeps it a 400, not a 500."""
    logger.warning(
        "400 %s %s: value refused by %s: %s", request.method, request.url.path, type(exc).__name__, exc
    )
    detail = (
        "Het verzoek bevat een waarde die het register niet kan verwerken, zoals een NUL-teken of "
        "een getal of datum buiten het toegestane bereik."
    )
    param = InvalidParam(name="request", reason=detail, code="out-of-range")
    return problem_response(request, build_problem(request, 400, detail, invalid_params=[param]))


def _undecodable_body_handler(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    # The JSON decoder raises this, not a decode error, for a body that is not UTF-8.
    logger.info("400 %s %s: body is not UTF-8: %s", request.method, request.url.path, exc)
    detail = "De inhoud van het verzoek is geen geldige UTF-8."
    param = InvalidParam(name="body", reason=detail, code="malformed")
    return problem_response(request, build_problem(request, 400, detail, invalid_params=[param]))


def _is_data_exception(exc: DBAPIError) -> bool:
    # SQLSTATE class 22 "data exception" (invalid byte sequence, numeric value out of range,
    # datetime field overflow, ...): the database refused a value, not the operation.
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("22")


def _database_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, DBAPIError) and _is_data_exception(exc):
        return _unstorable_value_handler(request, exc)
    if (
        isinstance(exc, DBAPIError)
        and not isinstance(exc, OperationalError)
        and not exc.connection_invalidated
    ):
        return _internal_error_handler(request, exc)
    logger.error("503 %s %s: database unavailable: %s", request.method, request.url.path, exc)
    detail = "De database is tijdelijk niet bereikbaar. Probeer het over enkele ogenblikken opnieuw."
    return problem_response(request, build_problem(request, 503, detail), {"Retry-After": "5"})


def _internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException):
        return _http_exception_handler(request, exc)
    logger.exception("500 %s %s", request.method, request.url.path, exc_info=exc)
    detail = "Er ging iets mis aan onze kant. De fout is vastgelegd."
    return problem_response(request, build_problem(request, 500, detail))


def _connection_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _database_unavailable_handler(request, exc)


exception_handlers: dict[type[Exception] | int, Any] = {
    HTTPException: _http_exception_handler,
    DomainError: _domain_error_handler,
    IntegrityError: _integrity_error_handler,
    OperationalError: _database_unavailable_handler,
    DBAPIError: _database_unavailable_handler,
    PoolTimeoutError: _database_unavailable_handler,
    ConnectionError: _connection_error_handler,
    TimeoutError: _connection_error_handler,
    # the database host name does not resolve (its container or DNS entry is gone for a moment)
    socket.gaierror: _connection_error_handler,
    OverflowError: _unstorable_value_handler,
    UnicodeDecodeError: _undecodable_body_handler,
    Exception: _internal_error_handler,
}
