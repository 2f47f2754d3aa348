"""The admin filters the verklaringen by deelnemer: by id or identificatie, and a value that is
neither is said next to the field, with the list form kept, instead of an error page."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import LoginAs
from tests.verklaringen.conftest import Process

Client = AsyncTestClient[Litestar]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_a_deelnemer_filter_that_is_no_id_or_identificatie_is_shown_at_the_field(
    process: Process, client: Client, login_as: LoginAs
) -> None:
    nummer = (await process.afgegeven(kvk="90000001")).nummer
    await login_as("stelselbeheerder")

    found = await client.get("/beheer/verklaringen", params={"deelnemer": "kvk:90000001"})
    other = await client.get("/beheer/verklaringen", params={"deelnemer": "kvk:90000002"})
    refused = await client.get("/beheer/verklaringen", params={"deelnemer": "not-a-uuid", "status": "geldig"})

    assert found.status_code == 200
    assert nummer in found.text
    assert other.status_code == 200
    assert nummer not in other.text

    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    page = refused.text
    assert "Controleer de volgende velden" in text_of(page)
    assert "Gebruik de vorm soort:waarde" in text_of(page)  # what a deelnemer filter looks like
    assert 'href="#deelnemer"' in page  # the summary links to the field
    assert re.search(r'<input[^>]*id="deelnemer"[^>]*aria-invalid="true"', page)
    assert 'value="not-a-uuid"' in page  # what was typed stays, and so does the status filter
    assert re.search(r'<option value="geldig"\s+selected', page)
    assert nummer not in page
    assert "Er zijn geen verklaringen die aan het filter voldoen." in text_of(page)
