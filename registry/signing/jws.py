"""Compact JWS signing through a :class:`~registry.signing.signer.Signer`.

The compact form is assembled here and only the signature is asked of the signer, so an HSM-backed
signer works unchanged. Every token carries ``alg`` (always ``ES256``), ``kid`` and an explicit
``typ`` (RFC 8725 section 3.11) so one kind of token can never be accepted as another.

``typ`` values used by the portal (the ``application/`` prefix is omitted, RFC 7515 section 4.1.9):

``verklaring+jwt``
    A verklaring: the attestation that an organisation may hold a role.
``lookup-response+jwt``
    A signed answer of the public lookup API (served as ``application/jwt``).
``statuslist+jwt``
    A Token Status List (draft-ietf-oauth-status-list), see :mod:`verklaringen.statuslist`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from registry.signing.errors import SigningError
from registry.signing.signer import ES256, Signer, b64url_encode

TYP_VERKLARING = "verklaring+jwt"
TYP_LOOKUP_RESPONSE = "lookup-response+jwt"
TYP_STATUSLIST = "statuslist+jwt"

ALLOWED_ALGORITHMS: tuple[str, ...] = (ES256,)
ES256_SIGNATURE_BYTES = 64

# Header parameters the signer controls; ``crit`` is refused because no verifier here supports extensions.
_RESERVED_HEADERS = frozenset({"alg", "kid", "typ", "crit"})


_PAYLOAD = msgspec.json.Encoder()
"""Compact UTF-8 JSON, keys in the payload's own order; several times faster than ``json.dumps`` for a
lookup answer of a few kilobytes, signed on every request."""


def _json_bytes(value: Mapping[str, Any], *, sort_keys: bool) -> bytes:
    if not sort_keys:
        return _PAYLOAD.encode(value)
    return json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, sort_keys=sort_keys
    ).encode("utf-8")


def sign_jws(
    payload: Mapping[str, Any],
    signer: Signer,
    typ: str,
    extra_headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign ``payload`` (a JSON object) into a compact JWS with header ``alg``, ``kid`` and ``typ``.

    ``extra_headers`` may add parameters but not replace ``alg``, ``kid`` or ``typ`` nor add ``crit``.
    """
    if signer.algorithm not in ALLOWED_ALGORITHMS:
        raise SigningError(f"signer algorithm {signer.algorithm!r} is not allowed; use ES256")
    if not typ:
        raise SigningError("a token needs an explicit typ")
    extra = dict(extra_headers or {})
    clashing = sorted(_RESERVED_HEADERS & extra.keys())
    if clashing:
        raise SigningError(f"extra headers may not set {', '.join(clashing)}")
    header = {**extra, "alg": signer.algorithm, "kid": signer.kid, "typ": typ}
    signing_input = (
        b64url_encode(_json_bytes(header, sort_keys=True))
        + "."
        + b64url_encode(_json_bytes(payload, sort_keys=False))
    )
    signature = signer.sign(signing_input.encode("ascii"))
    if len(signature) != ES256_SIGNATURE_BYTES:
        raise SigningError("the signer returned no raw ES256 signature (expected 64 bytes r||s)")
    return f"{signing_input}.{b64url_encode(signature)}"
