"""Pages around an issued verklaring: the admin list and detail, the contact's list, and /verifieer
with a pasted token or an uploaded PDF."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.accounts.factories import post_form
from tests.conftest import LoginAs
from tests.verklaringen.conftest import Process
from verklaringen.services import queries
from verklaringen.services.queries import find_verklaring


async def test_the_admin_sees_the_verklaring_and_what_can_be_done_with_it(
    process: Process, client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    nummer = (await process.afgegeven()).nummer
    await login_as("stelselbeheerder")

    listed = await client.get("/beheer/verklaringen", params={"status": "geldig"})
    detail = await client.get(f"/beheer/verklaringen/{nummer}")

    assert nummer in listed.text
    assert detail.status_code == 200
    for action in ("acties/schorsen", "acties/intrekken", "acties/vernieuwen"):
        assert f"/beheer/verklaringen/{nummer}/{action}" in detail.text


async def test_a_casemanager_reads_but_cannot_withdraw(
    process: Process, client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    nummer = (await process.afgegeven()).nummer
    await login_as("casemanager")

    detail = await client.get(f"/beheer/verklaringen/{nummer}")
    refused = await post_form(client, f"/beheer/verklaringen/{nummer}/acties/intrekken", {"reden": "x"})

    assert detail.status_code == 200
    assert "acties/intrekken" not in detail.text
    assert refused.status_code == 403


async def test_the_contact_person_sees_what_to_sign(
    process: Process, client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    nummer = await process.toegekend()
    verklaring = await find_verklaring(process.db, nummer)
    await login_as("deelnemer-contact", deelnemer_id=verklaring.deelnemer_id)

    page = await client.get("/verklaringen/te-ondertekenen")

    assert f"/verklaringen/{nummer}/ondertekenen" in page.text


async def test_verifieer_takes_a_pasted_token_or_the_pdf(
    process: Process, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await process.afgegeven()).nummer
    token = await queries.verklaring_attestatie(process.db, nummer)
    pdf = (await queries.verklaring_document(process.db, nummer)).inhoud
    await client.get("/verifieer")
    csrf = client.cookies.get("stelsel_csrf")

    pasted = await client.post("/verifieer", data={"token": token, "_csrf_token": csrf})
    uploaded = await client.post(
        "/verifieer",
        data={"_csrf_token": csrf},
        files={"pdf": (f"{nummer}.pdf", pdf, "application/pdf")},
    )
    nothing = await client.post("/verifieer", data={"_csrf_token": csrf})
    garbage = await client.post("/verifieer", data={"token": "geen.token.hier", "_csrf_token": csrf})

    assert pasted.status_code == 200
    assert "De verklaring is echt en geldig." in pasted.text
    assert "De verklaring is echt en geldig." in uploaded.text
    assert nothing.status_code == 400
    assert "Niet geldig" in garbage.text
