"""Where the deelnemer's contact signs: the admin page of a verklaring awaiting that signature points
to the place the contact really finds it (Mijn organisatie, then "Verklaringen die op uw ondertekening
wachten"), and that path exists in the contact's own menu and page."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import LoginAs
from tests.verklaringen.conftest import Process
from verklaringen.services.queries import find_verklaring

LINK = "Verklaringen die op uw ondertekening wachten"


def _links(html: str) -> dict[str, str]:
    """Link text (tags stripped, whitespace collapsed) to href."""
    return {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip(): href
        for href, text in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, re.DOTALL)
    }


async def test_the_admin_page_points_where_the_contact_finds_the_verklaring(
    process: Process, client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    nummer = await process.toegekend()
    verklaring = await find_verklaring(process.db, nummer)
    await login_as("stelselbeheerder")

    beheer = await client.get(f"/beheer/verklaringen/{nummer}")

    tekst = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", beheer.text))
    assert f"onder Mijn organisatie, bij {LINK}." in tekst
    assert "onder Verklaringen)" not in tekst
    assert LINK not in _links(beheer.text)  # that page is the contact's: the admin may not open it

    await login_as("deelnemer-contact", deelnemer_id=verklaring.deelnemer_id)
    home = await client.get("/")
    menu = _links(home.text)
    assert menu["Mijn organisatie"] == "/mijn-organisatie"
    eigen = await client.get(menu["Mijn organisatie"])
    assert _links(eigen.text)[LINK] == "/verklaringen/te-ondertekenen"
    te_ondertekenen = await client.get("/verklaringen/te-ondertekenen")
    assert f"/verklaringen/{nummer}/ondertekenen" in te_ondertekenen.text
