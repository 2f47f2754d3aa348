"""The published keys (``/.well-known/jwks.json``) and the ``stelsel keys`` commands."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from litestar import Request, Response, get

from registry.dependencies import AppKeyRing
from registry.signing.cli import keys_group


@get(
    "/.well-known/jwks.json",
    opt={"public": True},
    media_type="application/jwk-set+json",
    summary="Gepubliceerde sleutels",
    description="De actieve en teruggetrokken (niet ingetrokken) publieke sleutels van het register.",
    include_in_schema=False,
)
async def jwks(request: Request[Any, Any, Any], keyring: AppKeyRing) -> Response[bytes]:
    body = json.dumps(keyring.public_jwks(), sort_keys=True, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="application/jwk-set+json")


route_handlers = [jwks]
cli_commands = [keys_group]
