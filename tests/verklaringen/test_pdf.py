"""The verklaring and the intakeformulier as PDF/A-3 documents, rendered by WeasyPrint: what a reader
finds in them (as poppler's tools read them), and one renderer serving several threads."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.verklaringen.conftest import Process
from verklaringen.embedded_files import extract_attestation
from verklaringen.models import Document
from verklaringen.pdf import Bijlage, WeasyPrintRenderer
from verklaringen.services import queries

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed",
)


@pytest.fixture
def renderer() -> WeasyPrintRenderer:
    """The real renderer instead of the quick stand-in the other verklaringen tests use."""
    return WeasyPrintRenderer()


def _poppler(tool: str, pdf: bytes, tmp_path: Path, *extra: str) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *extra, str(path), "-"] if tool == "pdftotext" else [tool, *extra, str(path)],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def _bare(text: str) -> str:
    """Without whitespace: pdftotext breaks lines where the PDF does."""
    return "".join(text.split())


async def test_the_verklaring_pdf_reads_as_the_verklaring(process: Process, tmp_path: Path) -> None:
    verklaring = await process.afgegeven()
    document = await queries.verklaring_document(process.db, verklaring.nummer)
    pdf = document.inhoud

    text = _bare(_poppler("pdftotext", pdf, tmp_path, "-enc", "UTF-8"))
    info = _poppler("pdfinfo", pdf, tmp_path)

    assert "A4" in info
    assert f"Title:           Verklaring {verklaring.nummer}" in info
    assert "Pagina1van" in text
    for expected in (
        f"Verklaring{verklaring.rol.naam}",
        verklaring.nummer,
        verklaring.deelnemer.naam,
        *verklaring.deelnemer.identificaties,
        verklaring.inhoud_hash,
        f"{process.settings.base_url}/verifieer/{verklaring.nummer}",
        "Ondersteundetakenenverantwoordelijkheden",
        "Namensdestelselorganisatie",
    ):
        assert _bare(expected) in text, f"{expected!r} is not in the PDF's text"
    for taak in verklaring.taken:
        assert taak in text, f"duty {taak!r} is not in the PDF's text"
    assert extract_attestation(pdf) == await queries.verklaring_attestatie(process.db, verklaring.nummer)


async def test_the_verklaring_pdf_is_tagged_pdf_a_3b_with_its_attachment(
    process: Process, tmp_path: Path
) -> None:
    verklaring = await process.afgegeven()
    pdf = (await queries.verklaring_document(process.db, verklaring.nummer)).inhoud

    info = _poppler("pdfinfo", pdf, tmp_path)
    structure = _poppler("pdfinfo", pdf, tmp_path, "-struct").split()
    metadata = _poppler("pdfinfo", pdf, tmp_path, "-meta")

    assert "Tagged:          yes" in info
    assert "Document" in structure
    assert "H1" in structure
    assert {"Table", "TH", "L", "LI"} <= set(structure)
    assert 'pdfaid:part="3"' in metadata
    assert 'pdfaid:conformance="B"' in metadata
    assert extract_attestation(pdf) == await queries.verklaring_attestatie(process.db, verklaring.nummer)


async def test_the_intakeformulier_pdf_is_tagged(process: Process, tmp_path: Path) -> None:
    await process.intake_afgerond()
    document = (await process.db.scalars(select(Document).where(Document.soort == "intakeformulier"))).one()

    assert "Tagged:          yes" in _poppler("pdfinfo", document.inhoud, tmp_path)


async def test_every_font_of_the_verklaring_is_embedded(process: Process, tmp_path: Path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is not installed")
    verklaring = await process.afgegeven()
    pdf = (await queries.verklaring_document(process.db, verklaring.nummer)).inhoud

    rows = _poppler("pdffonts", pdf, tmp_path).splitlines()[2:]

    assert rows
    assert all(row.split()[-5] == "yes" for row in rows), "\n".join(rows)  # the 'emb' column


async def test_the_intakeformulier_pdf_lists_every_answer(process: Process, tmp_path: Path) -> None:
    await process.intake_afgerond()
    document = (await process.db.scalars(select(Document).where(Document.soort == "intakeformulier"))).one()

    text = _bare(_poppler("pdftotext", document.inhoud, tmp_path, "-enc", "UTF-8"))

    assert "IntakeformulierDienstverlener" in text
    assert "Toelichtingenafspraken" in text
    assert "dienstverlener-t01" in text
    assert "Besproken." in text


def test_one_renderer_serves_several_threads(tmp_path: Path) -> None:
    renderer = WeasyPrintRenderer()

    def render(number: int) -> bytes:
        html = (
            f"<html lang='nl'><head><title>Document {number}</title></head>"
            f"<body><h1>Nummer {number}</h1></body></html>"
        )
        bijlage = Bijlage(f"bijlage-{number}.txt", f"inhoud {number}".encode(), "text/plain", "bijlage")
        return renderer.render(html, bijlagen=[bijlage])

    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(render, range(3)))

    for number, pdf in enumerate(pdfs):
        assert pdf.startswith(b"%PDF-")
        assert f"Nummer {number}" in _poppler("pdftotext", pdf, tmp_path, "-enc", "UTF-8")
