"""Factories for signing tests: claims of a verklaring, and hand-built (forged) compact tokens."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ISSUER = "https://stelselregister.example.nl"
SUBJECT = "urn:oid:2.16.528.1.1007.3.3:00000001234567890000"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def verklaring_claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a verklaring valid at :data:`NOW`; pass ``name=None`` to drop a claim."""
    issued = int(NOW.timestamp())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": SUBJECT,
        "iat": issued,
        "exp": issued + int(timedelta(days=365).total_seconds()),
        "jti": str(uuid.uuid4()),
        "rol": "zorgaanbieder",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def forge(
    header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes] | None = None
) -> str:
    """A compact JWS built by hand, signed by ``sign`` (or with an empty signature)."""
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = sign(signing_input.encode("ascii")) if sign else b""
    return f"{signing_input}.{b64url(signature)}"


def replace_segment(token: str, index: int, value: str) -> str:
    segments = token.split(".")
    segments[index] = value
    return ".".join(segments)
