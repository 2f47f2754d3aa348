"""A form that clashes with the state of the register (a voorstel before the intake is done)
answers with the Dutch conflict page: what clashed, and a way back to the page."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.accounts.factories import post_form, text_of
from tests.conftest import LoginAs
from tests.verklaringen.conftest import (  # noqa: F401 - the verklaring process fixtures
    Process,
    catalogus,
    keyring,
    people,
    process,
    quick_password_hashing,
    renderer,
    signer,
)


async def test_a_voorstel_before_the_intake_is_a_conflict_page_with_a_link_back(
    process: Process,  # noqa: F811 - the fixture imported above
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
) -> None:
    referentie = await process.toegewezen()
    await login_as("stelselbeheerder")
    page = f"/beheer/aanmeldingen/{referentie}"
    client.headers["referer"] = f"http://testserver.local{page}"

    response = await post_form(
        client,
        f"{page}/voorstel",
        {"voorstel": "toekennen", "motivering": "Alles op orde.", "geldigheidMaanden": "24"},
    )

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("text/html")
    text = text_of(response.text)
    assert "Foutcode 409" in text
    assert "Deze actie past niet bij de huidige stand" in text
    assert "intake" in text.lower()  # the detail: what clashed
    assert f'href="{page}"' in response.text
    assert "Terug naar de vorige pagina" in text
