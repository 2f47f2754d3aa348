"""/verifieer explains in Dutch why a verklaring cannot be confirmed, what it means and what the
visitor can do, and keeps the reason code in small print for a support desk."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.signing.verify import Reason
from tests.verklaringen.conftest import Process
from verklaringen import attestation, redenen
from verklaringen.services import levenscyclus, queries


async def _verifieer(client: AsyncTestClient[Litestar], *, token: str = "", pdf: bytes | None = None) -> str:
    await client.get("/verifieer")
    data = {"token": token, "_csrf_token": client.cookies.get("stelsel_csrf") or ""}
    files = {"pdf": ("verklaring.pdf", pdf, "application/pdf")} if pdf is not None else None
    response = await client.post("/verifieer", data=data, files=files)
    assert response.status_code == 200
    return response.text


def _gewijzigd(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"


def _zichtbare_tekst(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("geval", "code"),
    [
        ("gewijzigd", "bad_signature"),
        ("onzin", "malformed"),
        ("te groot", "too_large"),
        ("geen pdf", "no_attestation"),
        ("ingetrokken", "revoked"),
    ],
)
async def test_each_reason_is_explained_in_dutch_with_the_code_in_small_print(
    process: Process, client: AsyncTestClient[Litestar], geval: str, code: str
) -> None:
    nummer = (await process.afgegeven()).nummer
    token = await queries.verklaring_attestatie(process.db, nummer)
    if geval == "ingetrokken":
        await levenscyclus.trek_in(
            process.db,
            nummer,
            "Voldoet niet meer.",
            principal=process.people.beheerder,
            clock=process.clock,
            base_url=process.settings.base_url,
        )
    if geval == "geen pdf":
        page = await _verifieer(client, pdf=b"Dit is geen PDF.")
    else:
        ingevuld = {
            "gewijzigd": _gewijzigd(token),
            "onzin": "geen.token.hier",
            "te groot": "eyJ" + "A" * 20_000,
            "ingetrokken": token,
        }[geval]
        page = await _verifieer(client, token=ingevuld)
    tekst = _zichtbare_tekst(page)

    uitleg = redenen.uitleg(code)
    assert redenen.is_bekend(code)
    assert uitleg.tekst in tekst
    assert uitleg.advies in tekst
    assert f'<small class="stelsel-muted">(code <code class="stelsel-code">{code}</code>)</small>' in page
    assert f": {code}" not in tekst
    assert f'<td class="utrecht-table__cell">{code}' not in page


async def test_a_valid_verklaring_shows_no_reasons(
    process: Process, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await process.afgegeven()).nummer
    token = await queries.verklaring_attestatie(process.db, nummer)

    page = await _verifieer(client, token=token)

    assert "De verklaring is echt en geldig." in page
    assert "stelsel-code" not in page


@pytest.mark.parametrize(
    "code",
    [
        *[str(reason) for reason in Reason],
        attestation.REASON_REVOKED,
        attestation.REASON_SUSPENDED,
        attestation.REASON_STATUS_UNAVAILABLE,
        attestation.REASON_DOCUMENT_HASH_MISMATCH,
        attestation.REASON_OTHER_STATUS,
        "no_attestation",
        "claim_missing:iss",
        "claim_type:taken",
        "ondertekening_missing:deelnemer",
        "status_list:unknown_uri",
    ],
)
def test_every_reason_code_has_an_explanation_of_its_own(code: str) -> None:
    uitleg = redenen.uitleg(code)

    assert redenen.is_bekend(code)
    assert uitleg.code == code
    assert uitleg.tekst.endswith(".")
    assert uitleg.advies.endswith(".")
    assert code not in uitleg.tekst


def test_an_unknown_code_gets_a_general_explanation_and_keeps_its_code() -> None:
    uitleg = redenen.uitleg("iets_nieuws")

    assert not redenen.is_bekend("iets_nieuws")
    assert uitleg.code == "iets_nieuws"
    assert "noem de code" in uitleg.advies
