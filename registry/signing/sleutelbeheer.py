"""The signing keys as the admin screens show them, and replacing the active key as an audited step.

Reads only the :class:`KeyRing`'s public methods. A rotation changes the key files, not the
database; it runs inside an audited write, so a failed rotation leaves no audit event and every
rotation made through the portal has one (``sleutel.vervangen``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, audited_write, changes_between
from registry.clock import Clock
from registry.signing.keys import KeyInfo, KeyRing, KeySource, KeyStatus
from registry.signing.signer import b64url_decode

AUDIT_ENTITY = "sleutel"
AUDIT_ACTION_ROTATE = "sleutel.vervangen"
_CURVES: dict[str, type[ec.EllipticCurve]] = {"P-256": ec.SECP256R1}


@dataclass(frozen=True, slots=True)
class Sleutel:
    """One signing key as shown to the stelselbeheerder: public facts only.

    ``vingerafdruk`` is the SHA-256 of the public key in DER (SubjectPublicKeyInfo), written as hex
    pairs, so it can be compared with ``openssl pkey -pubin -outform DER | sha256sum``; it is empty for
    a revoked key, which the register no longer publishes.
    """

    kid: str
    status: KeyStatus
    bron: KeySource
    algoritme: str
    aangemaakt: datetime | None
    teruggetrokken: datetime | None
    ingetrokken: datetime | None
    vingerafdruk: str | None
    gepubliceerd: bool


def vingerafdruk(jwk: dict[str, str]) -> str | None:
    """SHA-256 of the DER public key of an EC JWK, as colon-separated hex pairs; ``None`` if unknown."""
    curve = _CURVES.get(jwk.get("crv", ""))
    if jwk.get("kty") != "EC" or curve is None:
        return None
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"),
        int.from_bytes(b64url_decode(jwk["y"]), "big"),
        curve(),
    )
    der = numbers.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[index : index + 2] for index in range(0, len(digest), 2))


def _algoritme(jwk: dict[str, str] | None) -> str:
    if jwk is None:
        return "ES256"  # the only algorithm the register signs with
    return f"{jwk.get('alg', 'ES256')} ({jwk.get('kty', 'EC')} {jwk.get('crv', 'P-256')})"


def sleutels(keyring: KeyRing) -> list[Sleutel]:
    """Every key the ring knows (active first, then newest first), with what the JWKS publishes."""
    published = {jwk["kid"]: jwk for jwk in keyring.public_jwks()["keys"] if "kid" in jwk}
    return [_sleutel(info, published.get(info.kid)) for info in keyring.list()]


def _sleutel(info: KeyInfo, jwk: dict[str, str] | None) -> Sleutel:
    return Sleutel(
        kid=info.kid,
        status=info.status,
        bron=info.source,
        algoritme=_algoritme(jwk),
        aangemaakt=info.created,
        teruggetrokken=info.retired_at,
        ingetrokken=info.revoked_at,
        vingerafdruk=vingerafdruk(jwk) if jwk is not None else None,
        gepubliceerd=jwk is not None,
    )


def kan_vervangen(keyring: KeyRing) -> bool:
    """Whether the portal can replace the active key: not when the environment provides it."""
    return not any(info.source is KeySource.ENVIRONMENT for info in keyring.list())


async def vervang_sleutel(session: AsyncSession, keyring: KeyRing, *, actor: Actor, clock: Clock) -> KeyInfo:
    """Create a new active key and retire the previous one (see :meth:`KeyRing.rotate`), audited.

    Tokens signed with the previous key keep verifying: it stays in the JWKS as a retired key.
    Raises :class:`registry.signing.errors.KeyRingError` when the ring cannot rotate.
    """
    vorige = [info.kid for info in keyring.list() if info.status is KeyStatus.ACTIVE]
    async with audited_write(session, actor, clock) as tx:
        nieuw = keyring.rotate()
        tx.record(
            AUDIT_ACTION_ROTATE,
            AUDIT_ENTITY,
            nieuw.kid,
            changes_between(
                {"actieve_sleutel": vorige[0] if vorige else None}, {"actieve_sleutel": nieuw.kid}
            ),
        )
    return nieuw
