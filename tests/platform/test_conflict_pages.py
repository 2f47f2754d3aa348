"""A form that clashes with the state of the register (an action on a verklaring that was already
ingetrokken) answers with the Dutch conflict page: what clashed, and a way back to the page."""

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
from verklaringen.services import levenscyclus


async def test_reinstating_a_withdrawn_verklaring_is_a_conflict_page_with_a_link_back(
    process: Process,  # noqa: F811 - the fixture imported above
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
) -> None:
    nummer = (await process.afgegeven()).nummer
    await levenscyclus.trek_in(
        process.db,
        nummer,
        "Voldoet niet meer.",
        principal=process.people.beheerder,
        clock=process.clock,
        base_url=process.settings.base_url,
    )
    await login_as("stelselbeheerder")
    page = f"/beheer/verklaringen/{nummer}"
    client.headers["referer"] = f"http://testserver.local{page}/acties/herstellen"

    response = await post_form(client, f"{page}/acties/herstellen", {"reden": "Toch weer goed."})

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/html")
    text = text_of(response.text)
    assert "Foutcode 409" in text
    assert "Deze actie past niet bij de huidige stand" in text
    assert "ingetrokken" in text  # the detail: what clashed
    assert f'href="{page}/acties/herstellen"' in response.text
    assert "Terug naar de vorige pagina" in text
