"""Verification in the portal: the API, the public pages and a PDF upload all end in
:func:`verklaringen.attestation.verify_attestation`, with the portal's published keys and its
status list read straight from the database (so a withdrawal or suspension counts at once).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from registry.signing import KeyRing
from verklaringen import schemas
from verklaringen.attestation import AttestationVerification, verify_attestation
from verklaringen.embedded_files import NotAPdf, extract_attestation
from verklaringen.services.statuslijsten import DatabaseStatusSource


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
    session: AsyncSession, token: str, *, keyring: KeyRing, base_url: str, now: datetime
) -> schemas.Verificatie:
    """Every check on a verklaring token, with the reasons it fails (never an exception)."""
    result = await verify_attestation(
        token.strip(),
        jwks=keyring.public_jwks(),
        issuer=base_url,
        now=now,
        revoked_kids=keyring.revoked_kids(),
        status_source=DatabaseStatusSource(session, base_url),
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
    session: AsyncSession, pdf: bytes, *, keyring: KeyRing, base_url: str, now: datetime
) -> schemas.Verificatie:
    """Verify the attestation embedded in a verklaring PDF (``no_attestation`` when there is none)."""
    try:
        token = extract_attestation(pdf)
    except NotAPdf:
        token = None
    if token is None:
        return NO_ATTESTATION
    return await verifieer_token(session, token, keyring=keyring, base_url=base_url, now=now)
