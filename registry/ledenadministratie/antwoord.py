"""Lookup answers, plain or signed.

A lookup asked with ``Accept: application/jwt`` is answered with a compact JWS (media type
``application/jwt``) instead of JSON. Its payload is the same JSON object plus:

``iss``      the register's base URL (``settings.base_url``)
``iat``      when the answer was made (seconds since the epoch)
``exp``      five minutes later: a signed answer is evidence of a moment, not a cache
``jti``      a unique id of this answer
``request``  ``{"method": …, "path": …}``: the question it answers, path with query string

The header carries ``alg`` ES256, the ``kid`` of the active key in ``/.well-known/jwks.json``, and
``typ`` :data:`ANSWER_TYP`. Verify it with the published keys; every field of the JSON answer is in
the signed payload.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response

from registry.errors import ServiceUnavailable
from registry.signing import TYP_LOOKUP_RESPONSE, NoActiveKeyError, sign_jws

JWT_MEDIA_TYPE = "application/jwt"
ANSWER_TYP = TYP_LOOKUP_RESPONSE
ANSWER_LIFETIME = timedelta(minutes=5)


def wants_signed(request: Request[Any, Any, Any]) -> bool:
    """Whether the caller asked for a signed answer (``application/jwt`` in ``Accept``)."""
    accepted = (part.split(";")[0].strip().lower() for part in request.headers.get("accept", "").split(","))
    return JWT_MEDIA_TYPE in accepted


def answer(request: Request[Any, Any, Any], response: Response[Any] | Any) -> Response[Any]:
    """``response`` (or a body) as JSON, or signed when the caller asked for ``application/jwt``."""
    if not isinstance(response, Response):
        response = Response(response)
    headers = {**response.headers, "Vary": "Accept"}
    if not wants_signed(request):
        response.headers = headers
        return response
    state = request.app.state
    now = state.clock.now()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    payload = msgspec.to_builtins(response.content)
    claims = {
        **(payload if isinstance(payload, dict) else {"items": payload}),
        "iss": state.settings.base_url,
        "iat": int(now.timestamp()),
        "exp": int((now + ANSWER_LIFETIME).timestamp()),
        "jti": uuid.uuid4().hex,
        "request": {"method": request.method, "path": path},
    }
    try:
        signer = state.keyring.active_signer()
    except NoActiveKeyError:
        raise ServiceUnavailable(
            "Het register kan nu geen ondertekende antwoorden geven: er is geen actieve sleutel."
        ) from None
    token = sign_jws(claims, signer, ANSWER_TYP)
    return Response(token, media_type=JWT_MEDIA_TYPE, headers=headers, status_code=response.status_code)
