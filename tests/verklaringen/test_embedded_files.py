"""Finding the attestation inside a verklaring PDF, and refusing what is no PDF."""

from __future__ import annotations

import zlib

import pytest

from verklaringen.embedded_files import NotAPdf, embedded_files, extract_attestation
from verklaringen.pdf import Bijlage, WeasyPrintRenderer

JWS = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"


def _hand_made_pdf(content: bytes, *, name: str = "verklaring.jwt") -> bytes:
    stream = zlib.compress(content)
    return (
        b"%PDF-1.7\n"
        b"1 0 obj\n<< /Type /Filespec /F (" + name.encode() + b") /EF << /F 2 0 R >> >>\nendobj\n"
        b"2 0 obj\n<< /Type /EmbeddedFile /Params << /Size 3 >> /Filter /FlateDecode /Length "
        + str(len(stream)).encode()
        + b" >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def test_a_weasyprint_pdf_gives_back_its_attachment() -> None:
    pdf = WeasyPrintRenderer().render(
        "<p>Verklaring</p>",
        bijlagen=[
            Bijlage("toelichting.txt", b"geen token", "text/plain", "Toelichting"),
            Bijlage("verklaring.jwt", JWS.encode(), "application/jwt", "Attestatie"),
        ],
    )

    names = sorted(item.name or "" for item in embedded_files(pdf))
    assert names == ["toelichting.txt", "verklaring.jwt"]
    assert extract_attestation(pdf) == JWS


def test_a_hand_made_pdf_with_an_uncompressed_file_spec_works_too() -> None:
    assert extract_attestation(_hand_made_pdf(JWS.encode())) == JWS


def test_a_pdf_without_a_token_gives_none() -> None:
    assert extract_attestation(_hand_made_pdf(b"just text")) is None


@pytest.mark.parametrize("data", [b"", b"GIF89a", b"<html>%PDF-1.7</html>"])
def test_what_is_no_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(NotAPdf):
        embedded_files(data)


def test_a_zip_bomb_attachment_is_cut_off_and_ignored() -> None:
    bomb = _hand_made_pdf(b"A" * 10_000_000)

    assert extract_attestation(bomb) is None
