"""The one strict verifier for every token the portal issues or reads back.

:func:`verify_jws` never trusts the token to choose its own key or algorithm: the algorithm list is
pinned to ES256, the key is looked up by ``kid`` in the given JWKS (no ``jwk``/``jku``/``x5c`` header
is ever used), and every claim is checked here rather than left to a library default.

It returns a :class:`VerificationResult`; ``reasons`` holds stable machine codes, in check order:

=====================  ==============================================================================
``too_large``          the token is longer than ``max_token_bytes``
``malformed``          not three base64url segments with a JSON-object header and payload (also:
                       padding, non-canonical base64url, duplicate JSON members, NaN/Infinity)
``alg_not_allowed``    ``alg`` missing or not ES256 (``none``, ``HS256`` with a public key, …)
``crit_unsupported``   a ``crit`` header is present; no extensions are supported
``typ_mismatch``       ``typ`` missing or not the expected type (compared per RFC 7515 §4.1.9)
``kid_missing``        no ``kid`` header (or not a non-empty string)
``key_revoked``        ``kid`` is in ``revoked_kids``
``kid_unknown``        no key with that ``kid`` in the JWKS
``kid_ambiguous``      more than one key with that ``kid`` in the JWKS
``key_invalid``        the JWKS entry is not a usable EC P-256 signature key
``bad_signature``      the signature does not verify under the key named by ``kid``
``claim_missing:X``    claim ``X`` is absent but required (``iss`` always; ``sub``/``aud`` when
                       a subject/audience is expected)
``claim_type:X``       claim ``X`` has the wrong JSON type (e.g. ``exp`` as a string)
``expired``            ``now`` is at or after ``exp`` + leeway
``not_yet_valid``      ``now`` is before ``nbf`` − leeway
``issued_in_future``   ``iat`` lies after ``now`` + leeway
``issuer_mismatch``    ``iss`` differs from the expected issuer (exact string comparison)
``subject_mismatch``   ``sub`` differs from the expected subject (only when one is given)
``audience_mismatch``  ``aud`` present but not naming the expected audience (or none expected)
=====================  ==============================================================================

Header and key problems end verification before the signature is checked; claim problems are only
looked at once the signature is good, and are all reported together. ``header`` is filled whenever
it parses; ``claims`` only when the signature verified, so unverified data never reaches a caller.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from jose.backends.cryptography_backend import CryptographyECKey

from registry.signing.errors import InvalidTokenError
from registry.signing.jws import ALLOWED_ALGORITHMS
from registry.signing.signer import ES256, P256_COORDINATE_BYTES, b64url_decode

DEFAULT_REQUIRED_CLAIMS: tuple[str, ...] = ("iss", "sub", "exp", "iat", "jti")
DEFAULT_MAX_TOKEN_BYTES = 16_384
DEFAULT_LEEWAY = timedelta(seconds=60)

_NUMERIC_DATE_CLAIMS = ("exp", "nbf", "iat")
_STRING_CLAIMS = ("iss", "sub", "jti")


class Reason(StrEnum):
    """Fixed reason codes; per-claim codes come from :func:`claim_missing` and :func:`claim_type`."""

    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    CRIT_UNSUPPORTED = "crit_unsupported"
    TYP_MISMATCH = "typ_mismatch"
    KID_MISSING = "kid_missing"
    KEY_REVOKED = "key_revoked"
    KID_UNKNOWN = "kid_unknown"
    KID_AMBIGUOUS = "kid_ambiguous"
    KEY_INVALID = "key_invalid"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ISSUED_IN_FUTURE = "issued_in_future"
    ISSUER_MISMATCH = "issuer_mismatch"
    SUBJECT_MISMATCH = "subject_mismatch"
    AUDIENCE_MISMATCH = "audience_mismatch"


def claim_missing(name: str) -> str:
    return f"claim_missing:{name}"


def claim_type(name: str) -> str:
    return f"claim_type:{name}"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of :func:`verify_jws`."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None

    @property
    def kid(self) -> str | None:
        kid = (self.header or {}).get("kid")
        return kid if isinstance(kid, str) else None

    def require_valid(self) -> dict[str, Any]:
        """The verified claims, or :class:`~registry.signing.errors.InvalidTokenError` with the reasons."""
        if not self.valid or self.claims is None:
            raise InvalidTokenError(self.reasons)
        return self.claims


@dataclass(frozen=True, slots=True)
class _Parts:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json_object(data: bytes) -> dict[str, Any]:
    text = data.decode("utf-8")
    value = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_reject_constant)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _parse(token: str) -> _Parts | None:
    segments = token.split(".")
    if len(segments) != 3 or not segments[0] or not segments[1]:
        return None
    try:
        header = _json_object(b64url_decode(segments[0]))
        claims = _json_object(b64url_decode(segments[1]))
        signature = b64url_decode(segments[2])
    except (ValueError, RecursionError):
        return None
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
    return _Parts(header=header, claims=claims, signing_input=signing_input, signature=signature)


def _rejected(reasons: Sequence[str], header: dict[str, Any] | None = None) -> VerificationResult:
    return VerificationResult(valid=False, reasons=[str(reason) for reason in reasons], header=header)


def _structure(token: str, max_token_bytes: int) -> _Parts | VerificationResult:
    """The parsed token, or the result rejecting it as ``too_large`` or ``malformed``."""
    if not isinstance(token, str):
        return _rejected([Reason.MALFORMED])
    if len(token) > max_token_bytes or len(token.encode("utf-8", errors="replace")) > max_token_bytes:
        return _rejected([Reason.TOO_LARGE])
    parts = _parse(token)
    return parts if parts is not None else _rejected([Reason.MALFORMED])


def _media_type(typ: str) -> str:
    lowered = typ.lower()
    return lowered if "/" in lowered else f"application/{lowered}"


def _header_reasons(header: Mapping[str, Any], expected_typ: str) -> list[str]:
    reasons: list[str] = []
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        reasons.append(Reason.ALG_NOT_ALLOWED)
    if "crit" in header:
        reasons.append(Reason.CRIT_UNSUPPORTED)
    typ = header.get("typ")
    if not isinstance(typ, str) or _media_type(typ) != _media_type(expected_typ):
        reasons.append(Reason.TYP_MISMATCH)
    return reasons


def _is_signature_jwk(jwk: Mapping[str, Any]) -> bool:
    key_ops = jwk.get("key_ops")
    return (
        jwk.get("kty") == "EC"
        and jwk.get("crv") == "P-256"
        and jwk.get("alg", ES256) == ES256
        and jwk.get("use", "sig") == "sig"
        and (key_ops is None or (isinstance(key_ops, list) and "verify" in key_ops))
    )


def _coordinate_ok(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return len(b64url_decode(value)) == P256_COORDINATE_BYTES
    except ValueError:
        return False


def _verification_key(jwk: Mapping[str, Any]) -> CryptographyECKey | None:
    """A python-jose ES256 key over the public members of an EC P-256 signature JWK, or None."""
    x, y = jwk.get("x"), jwk.get("y")
    if not _is_signature_jwk(jwk) or not isinstance(x, str) or not isinstance(y, str):
        return None
    return _p256_key(x, y)


@functools.lru_cache(maxsize=64)
def _p256_key(x: str, y: str) -> CryptographyECKey | None:
    """The ES256 key at point ``(x, y)``, or None; kept, since building one checks the point (slow).

    Keyed on the coordinates alone, so a key is only ever reused for the very same public key.
    """
    if not _coordinate_ok(x) or not _coordinate_ok(y):
        return None
    try:
        return CryptographyECKey({"kty": "EC", "crv": "P-256", "x": x, "y": y}, ES256)
    except Exception:  # python-jose wraps cryptography's errors (e.g. a point off the curve) in JWKError
        return None


def _select_key(
    header: Mapping[str, Any], jwks: Mapping[str, Any], revoked_kids: Collection[str]
) -> tuple[CryptographyECKey | None, str | None]:
    """The verification key named by ``kid``, or the reason there is none."""
    kid = header.get("kid")
    entries = jwks.get("keys")
    candidates = [
        entry
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping) and entry.get("kid") == kid
    ]
    problem: str | None = None
    if not isinstance(kid, str) or not kid:
        problem = Reason.KID_MISSING
    elif kid in revoked_kids:
        problem = Reason.KEY_REVOKED
    elif not candidates:
        problem = Reason.KID_UNKNOWN
    elif len(candidates) > 1:
        problem = Reason.KID_AMBIGUOUS
    if problem is not None:
        return None, problem
    key = _verification_key(candidates[0])
    return (key, None) if key is not None else (None, Reason.KEY_INVALID)


def _signature_verifies(parts: _Parts, key: CryptographyECKey) -> bool:
    """The ES256 signature check itself (the header's ``alg`` was pinned to ES256 before).

    The token was parsed strictly once already, so the signing input and the raw ``r || s``
    signature go straight to the key; a signature of the wrong length fails.
    """
    try:
        return bool(key.verify(parts.signing_input, parts.signature))
    except Exception:  # the key answers False for a bad signature; anything else is equally a failure
        return False


def _is_numeric_date(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_audience(value: object) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str)


def _shape_reasons(claims: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    reasons = [claim_missing(name) for name in required if name not in claims]
    reasons += [
        claim_type(name)
        for name in _NUMERIC_DATE_CLAIMS
        if name in claims and not _is_numeric_date(claims[name])
    ]
    reasons += [
        claim_type(name) for name in _STRING_CLAIMS if name in claims and not isinstance(claims[name], str)
    ]
    if "aud" in claims and not _is_audience(claims["aud"]):
        reasons.append(claim_type("aud"))
    return reasons


def _time_reasons(claims: Mapping[str, Any], now: datetime, leeway: timedelta) -> list[str]:
    moment, skew = now.timestamp(), leeway.total_seconds()

    def numeric(name: str) -> float | None:
        value = claims.get(name)
        return float(cast(float, value)) if _is_numeric_date(value) else None

    reasons: list[str] = []
    exp, nbf, iat = numeric("exp"), numeric("nbf"), numeric("iat")
    if exp is not None and moment >= exp + skew:
        reasons.append(Reason.EXPIRED)
    if nbf is not None and moment < nbf - skew:
        reasons.append(Reason.NOT_YET_VALID)
    if iat is not None and iat > moment + skew:
        reasons.append(Reason.ISSUED_IN_FUTURE)
    return reasons


def _party_reasons(
    claims: Mapping[str, Any], issuer: str, subject: str | None, audience: str | None
) -> list[str]:
    """Expected parties: absent means ``claim_missing:X``, present but different means a mismatch."""
    reasons: list[str] = []
    iss, sub, aud = claims.get("iss"), claims.get("sub"), claims.get("aud")
    if iss is None:
        reasons.append(claim_missing("iss"))
    elif isinstance(iss, str) and iss != issuer:
        reasons.append(Reason.ISSUER_MISMATCH)
    if subject is not None:
        if sub is None:
            reasons.append(claim_missing("sub"))
        elif isinstance(sub, str) and sub != subject:
            reasons.append(Reason.SUBJECT_MISMATCH)
    if audience is None:
        if aud is not None:
            reasons.append(Reason.AUDIENCE_MISMATCH)
    elif aud is None:
        reasons.append(claim_missing("aud"))
    elif _is_audience(aud) and audience not in ([aud] if isinstance(aud, str) else aud):
        reasons.append(Reason.AUDIENCE_MISMATCH)
    return reasons


def verify_jws(
    token: str,
    jwks: Mapping[str, Any],
    *,
    expected_typ: str,
    issuer: str,
    now: datetime,
    revoked_kids: Collection[str],
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
    required_claims: Sequence[str] = DEFAULT_REQUIRED_CLAIMS,
    leeway: timedelta = DEFAULT_LEEWAY,
    subject: str | None = None,
    audience: str | None = None,
) -> VerificationResult:
    """Verify a compact JWS and its claims; see the module docstring for every reason code.

    ``now`` must be timezone-aware; ``leeway`` allows for clock skew on ``exp``, ``nbf`` and ``iat``.
    """
    if now.tzinfo is None:
        raise ValueError("verify_jws needs a timezone-aware `now`")
    if leeway < timedelta(0):
        raise ValueError("leeway cannot be negative")
    parts = _structure(token, max_token_bytes)
    if isinstance(parts, VerificationResult):
        return parts
    header = parts.header
    reasons = _header_reasons(header, expected_typ)
    if reasons:
        return _rejected(reasons, header)
    key, key_problem = _select_key(header, jwks, revoked_kids)
    if key is None or key_problem is not None:
        return _rejected([key_problem or Reason.KEY_INVALID], header)
    if not _signature_verifies(parts, key):
        return _rejected([Reason.BAD_SIGNATURE], header)
    claims = parts.claims
    found = (
        _shape_reasons(claims, required_claims)
        + _time_reasons(claims, now, leeway)
        + _party_reasons(claims, issuer, subject, audience)
    )
    reasons = list(dict.fromkeys(str(reason) for reason in found))
    return VerificationResult(valid=not reasons, reasons=reasons, header=header, claims=claims)
