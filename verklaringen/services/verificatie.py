"""Verification in the portal: the API, the public pages and a PDF upload all end in
:func:`verklaringen.attestation.verify_attestation`, with the portal's published keys and the status
list the caller gives: the API the one kept per register version, a page the one read from its own
session (either way a withdrawal or suspension counts at once).
"""

from __future__ import annotations

from datetime import datetime

from registry.signing import KeyRing
from verklaringen import schemas
from verklaringen.attestation import AttestationVerification, StatusListSource, verify_attestation
from verklaringen.embedded_files import NotAPdf, extract_attestation


def verificatie_schema(result: AttestationVerification) -> schemas.Verificatie:
    claims = result.claims
    nummer = claims.get("jti") if claims is not None else None
    return schemas.Verificatie(
        valid=result.valid,
        reasons=list(result.reasons),
        checks=[
            schemas.Controle(name=c.name, outcome=c.outcome, reasons=list(c.reasons)) for c in result.checks
        ],
        status=result.status,
        claims=claims,
        verklaring=nummer if isinstance(nummer, str) else None,
    )


async def verifieer_token(
    token: str, *, keyring: KeyRing, base_url: str, now: datetime, status_source: StatusListSource
) -> schemas.Verificatie:
    """Every check on a verklaring token, with the reasons it fails (never an exception)."""
    result = await verify_attestation(
        token.strip(),
        jwks=keyring.public_jwks(),
        issuer=base_url,
        now=now,
        revoked_kids=keyring.revoked_kids(),
        status_source=status_source,
    )
    return verificatie_schema(result)


NO_ATTESTATION = schemas.Verificatie(
    valid=False,
    reasons=["no_attestation"],
    checks=[schemas.Controle(name="signature", outcome="failed", reasons=["no_attestation"])],
    status="unknown",
    claims=None,
    verklaring=None,
)


async def verifieer_pdf(
    pdf: bytes, *, keyring: KeyRing, base_url: str, now: datetime, status_source: StatusListSource
) -> schemas.Verificatie:
    """Verify the attestation embedded in a verklaring PDF (``no_attestation`` when there is none)."""
    try:
        token = extract_attestation(pdf)
    except NotAPdf:
        token = None
    if token is None:
        return NO_ATTESTATION
    return await verifieer_token(
        token, keyring=keyring, base_url=base_url, now=now, status_source=status_source
    )
