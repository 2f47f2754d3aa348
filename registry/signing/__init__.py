"""Signing keys, compact JWS signing and the strict verifier behind every signed token.

- :mod:`registry.signing.signer` — the :class:`Signer` interface and the EC P-256 signer
- :mod:`registry.signing.keys` — the file-backed :class:`KeyRing` (rotation, retirement, revocation)
- :mod:`registry.signing.jws` — :func:`sign_jws` and the ``typ`` values in use
- :mod:`registry.signing.verify` — :func:`verify_jws` and its reason codes
- :mod:`registry.signing.cli` — the ``keys`` command group
"""

from registry.signing.errors import (
    InvalidTokenError,
    KeyMaterialError,
    KeyNotFoundError,
    KeyRingError,
    NoActiveKeyError,
    SigningError,
)
from registry.signing.jws import TYP_LOOKUP_RESPONSE, TYP_STATUSLIST, TYP_VERKLARING, sign_jws
from registry.signing.keys import KeyInfo, KeyRing, KeySource, KeyStatus
from registry.signing.signer import EcSigner, Signer, jwk_thumbprint
from registry.signing.verify import Reason, VerificationResult, verify_jws

__all__ = [
    "TYP_LOOKUP_RESPONSE",
    "TYP_STATUSLIST",
    "TYP_VERKLARING",
    "EcSigner",
    "InvalidTokenError",
    "KeyInfo",
    "KeyMaterialError",
    "KeyNotFoundError",
    "KeyRing",
    "KeyRingError",
    "KeySource",
    "KeyStatus",
    "NoActiveKeyError",
    "Reason",
    "Signer",
    "SigningError",
    "VerificationResult",
    "jwk_thumbprint",
    "sign_jws",
    "verify_jws",
]
