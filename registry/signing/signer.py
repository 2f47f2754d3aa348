"""The signing edge: a small :class:`Signer` interface and the in-process EC P-256 implementation.

Everything that signs (verklaringen, lookup answers, status lists) talks to a :class:`Signer`, so an
HSM-backed implementation can replace :class:`EcSigner` without touching callers. A signer knows its
``kid`` and JWS ``algorithm``, returns the raw JWS signature (for ES256: ``r || s``, 64 bytes) over
the signing input, and describes its public key as a JWK.

Key ids are RFC 7638 JWK thumbprints (base64url SHA-256 over the required public members), so a key
id can be recomputed from the published JWK and never needs a registry of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from registry.signing.errors import KeyMaterialError

ES256 = "ES256"
P256_COORDINATE_BYTES = 32

# RFC 7638 section 3.2: the required members per key type, hashed in lexicographic order.
_THUMBPRINT_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
_KID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_B64URL_PATTERN = re.compile(r"^[A-Za-z0-9_-]*$")


@runtime_checkable
class Signer(Protocol):
    """Anything that can produce a JWS signature with one key."""

    @property
    def kid(self) -> str:
        """The key id placed in the JWS header (an RFC 7638 thumbprint)."""
        ...

    @property
    def algorithm(self) -> str:
        """The JWS ``alg`` this signer produces; ``ES256`` for every signer in the portal."""
        ...

    def sign(self, signing_input: bytes) -> bytes:
        """The raw JWS signature over ``signing_input`` (``r || s`` for ES256)."""
        ...

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK with ``kid``, ``alg`` and ``use``; never any private member."""
        ...


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Strict base64url: unpadded, URL-safe alphabet only, canonical (no stray trailing bits).

    Raises ``ValueError`` for anything else, so one token has exactly one spelling.
    """
    if not _B64URL_PATTERN.fullmatch(segment):
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None
    if b64url_encode(data) != segment:
        raise ValueError("non-canonical base64url")
    return data


def jwk_thumbprint(jwk: Mapping[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint of ``jwk``, base64url-encoded; optional members are ignored."""
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty or "")
    if members is None:
        raise KeyMaterialError(f"cannot compute a thumbprint for key type {kty!r}")
    missing = [name for name in members if not isinstance(jwk.get(name), str)]
    if missing:
        raise KeyMaterialError(f"JWK lacks required member(s): {', '.join(missing)}")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def is_valid_kid(kid: str) -> bool:
    """True when ``kid`` has the shape of a SHA-256 thumbprint (43 base64url characters)."""
    return bool(_KID_PATTERN.fullmatch(kid))


def ec_public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public members (``kty``, ``crv``, ``x``, ``y``) of a P-256 key."""
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise KeyMaterialError("only EC P-256 keys are supported")
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(P256_COORDINATE_BYTES, "big")),
        "y": b64url_encode(numbers.y.to_bytes(P256_COORDINATE_BYTES, "big")),
    }


def publishable_jwk(public_members: Mapping[str, str]) -> dict[str, str]:
    """A public JWK ready for a JWKS: the public members plus ``kid``, ``alg`` and ``use``."""
    jwk = {name: public_members[name] for name in ("kty", "crv", "x", "y")}
    return {**jwk, "kid": jwk_thumbprint(jwk), "alg": ES256, "use": "sig"}


class EcSigner:
    """An ES256 signer over an in-memory P-256 private key (loaded from a file or the environment).

    The private key is held in a private slot and appears in no ``repr``, message or JWK.
    """

    __slots__ = ("_jwk", "_private_key")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise KeyMaterialError("only EC P-256 keys are supported")
        self._private_key = private_key
        self._jwk = publishable_jwk(ec_public_jwk(private_key.public_key()))

    @classmethod
    def generate(cls) -> EcSigner:
        """A signer over a freshly generated P-256 key."""
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> EcSigner:
        """Load an unencrypted PKCS#8 or SEC1 PEM private key; errors never quote the key."""
        data = pem.encode("ascii", errors="replace") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise KeyMaterialError("the private key could not be read as an unencrypted PEM key") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise KeyMaterialError("the private key is not an EC key; ES256 needs EC P-256")
        return cls(key)

    @property
    def kid(self) -> str:
        return self._jwk["kid"]

    @property
    def algorithm(self) -> str:
        return ES256

    def sign(self, signing_input: bytes) -> bytes:
        der = self._private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(P256_COORDINATE_BYTES, "big") + s.to_bytes(P256_COORDINATE_BYTES, "big")

    def public_jwk(self) -> dict[str, str]:
        return dict(self._jwk)

    def private_pem(self) -> bytes:
        """The key as unencrypted PKCS#8 PEM, for writing to a 0600 file; never log this."""
        return self._private_key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        return f"EcSigner(kid={self.kid!r}, algorithm={ES256!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("signers are not picklable; load the key where it is used")
