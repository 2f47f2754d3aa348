"""Factories for verklaringen tests: the content of a verklaring, its claims and a signed token."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from registry.signing import Signer
from verklaringen.attestation import (
    PARTIJ_DEELNEMER,
    PARTIJ_STELSEL,
    Ondertekeningsclaim,
    Verklaringinhoud,
    build_claims,
    sign_attestation,
)
from verklaringen.pdf import Bijlage
from verklaringen.statuslist import StatusList, status_claim

ISSUER = "https://stelselregister.example.nl"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LIST_URI = f"{ISSUER}/api/v1/statuslijsten/1"


def inhoud(**overrides: Any) -> Verklaringinhoud:
    base = Verklaringinhoud(
        nummer="VKL-2026-000042",
        deelnemer_naam="Zorgdienst Twente B.V.",
        identificaties=("kvk:90000001",),
        rol="dienstverlener",
        release="1.2.0",
        taken=("dienstverlener-t01", "dienstverlener-t02"),
        taken_deels=("dienstverlener-t03",),
        geldig_van=date(2026, 11, 23),
        geldig_tot=date(2028, 11, 23),
    )
    return replace(base, **overrides)


def ondertekeningen(content: Verklaringinhoud, *, at: datetime = NOW) -> list[Ondertekeningsclaim]:
    return [
        Ondertekeningsclaim(
            partij=PARTIJ_DEELNEMER,
            naam="Jan de Vries",
            rol="deelnemer-contact",
            organisatie=content.deelnemer_naam,
            tijdstip=at - timedelta(hours=1),
            methode="portaal-akkoord",
            document_hash=content.document_hash,
        ),
        Ondertekeningsclaim(
            partij=PARTIJ_STELSEL,
            naam="Anne Beheer",
            rol="stelselbeheerder",
            organisatie="Stelselorganisatie",
            tijdstip=at,
            methode="jws-es256",
            document_hash=content.document_hash,
        ),
    ]


def claims(content: Verklaringinhoud | None = None, *, index: int = 7, **overrides: Any) -> dict[str, Any]:
    content = content or inhoud()
    built = build_claims(
        content,
        issuer=ISSUER,
        subject=content.identificaties[0],
        issued_at=NOW,
        ondertekeningen=ondertekeningen(content),
        status=status_claim(LIST_URI, index),
        verification_url=f"{ISSUER}/verifieer/{content.nummer}",
    )
    built.update(overrides)
    return {name: value for name, value in built.items() if value is not None}


def token(signer: Signer, claim_set: Mapping[str, Any] | None = None) -> str:
    return sign_attestation(claim_set or claims(), signer)


class FixedStatusSource:
    """A status list source that knows one list (or none)."""

    def __init__(self, status_list: StatusList | None, uri: str = LIST_URI) -> None:
        self.status_list_value = status_list
        self.uri = uri
        self.asked: list[str] = []

    async def status_list(self, uri: str) -> StatusList:
        from verklaringen.attestation import StatusUnavailable

        self.asked.append(uri)
        if self.status_list_value is None or uri != self.uri:
            raise StatusUnavailable(["status_list:unknown_uri"])
        return self.status_list_value


class FakePdfRenderer:
    """A renderer that makes a tiny PDF in microseconds, with the attachments embedded the way a PDF
    writer does (so the attestation can be read back); for tests that do not look at the layout."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def render(self, html: str, *, bijlagen: Sequence[Bijlage] = ()) -> bytes:
        self.rendered.append(html)
        parts = [b"%PDF-1.7\n%fake\n"]
        number = 1
        for bijlage in bijlagen:
            stream = zlib.compress(bijlage.inhoud)
            parts.append(
                f"{number} 0 obj\n<< /Type /Filespec /F ({bijlage.naam}) /EF << /F {number + 1} 0 R >> >>\n"
                f"endobj\n{number + 1} 0 obj\n<< /Type /EmbeddedFile /Filter /FlateDecode "
                f"/Length {len(stream)} >>\nstream\n".encode()
                + stream
                + b"\nendstream\nendobj\n"
            )
            number += 2
        parts.append(hashlib.sha256(html.encode()).hexdigest().encode() + b"\n%%EOF\n")
        return b"".join(parts)
