"""What every response carries (security headers, ``API-Version``, CORS for public API reads), the
rule that paths never end in a slash (404, not a redirect), and the rule that a request target is
UTF-8 text (400 otherwise)."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException, ValidationException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.api import API_PREFIX, API_VERSION

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


def _target_problem(part: bytes) -> str | None:
    """Why a raw path or query string is refused, or ``None``: it must be UTF-8 (also once
    percent-decoded) and hold no NUL character."""
    try:
        part.decode("utf-8")
        decoded = unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        return "bevat tekens die geen geldige UTF-8 zijn"
    if "\x00" in decoded:
        return "bevat een NUL-teken"
    return None


class RequestTargetMiddleware(ASGIMiddleware):
    """The path and query string must be UTF-8, also once percent-decoded, without NUL: else 400.

    Without this check undecodable bytes reach handlers as U+FFFD, raw ones break reading the
    request's URL (and with it the error handling), and a NUL reaches PostgreSQL, which refuses it.
    The query string is emptied before raising, so the error response can read the URL again.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        parts = {
            "query": scope.get("query_string", b"").replace(b"+", b" "),
            "path": scope.get("raw_path") or b"",
        }
        problems = {name: reason for name, part in parts.items() if (reason := _target_problem(part))}
        if problems:
            scope["query_string"] = b""
            raise ValidationException(
                detail="The request target is not valid UTF-8 text",
                extra=[{"key": name, "message": reason} for name, reason in problems.items()],
            )
        await next_app(scope, receive, send)


class TrailingSlashMiddleware(ASGIMiddleware):
    """Paths never end in a slash: ``/x/`` is a 404, not a redirect (and not an alias of ``/x``)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # The router strips trailing slashes from scope["path"]; raw_path still has the original.
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if len(raw_path) > 1 and raw_path.endswith(b"/"):
            raise NotFoundException()
        await next_app(scope, receive, send)


async def add_response_headers(message: Message, scope: Scope) -> None:
    """App-level ``before_send`` hook: runs for every response, also errors raised before routing."""
    if message["type"] != "http.response.start":
        return
    path: str = scope["path"]
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    if path.startswith((API_PREFIX, "/.well-known/")):
        headers["API-Version"] = API_VERSION
        if scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            if "access-control-allow-origin" not in headers:
                headers["access-control-allow-origin"] = "*"
            headers["access-control-expose-headers"] = "API-Version, Link, X-Total-Count, ETag"
