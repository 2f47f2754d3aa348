"""A beheerder uploads a CSV of deelnemers in the portal: the page names the columns, checks the file
first and shows the report as a table, and offers to import only a file without problems."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import CSRF_COOKIE, CSRF_FIELD
from registry.ledenadministratie.models import Deelnemer
from registry.settings import Settings
from tests.accounts.factories import csrf_token, post_form, text_of
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.bestanden import csv_bytes, regel, regels
from tests.ledenadministratie.conftest import DeelnemerFactory

IMPORT = "/beheer/deelnemers/import"


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def upload(
    client: AsyncTestClient[Litestar], data: bytes, *, name: str = "leden.csv", csrf: bool = True
) -> Response:
    """Upload a file as the browser does: multipart, with the CSRF cookie and field."""
    fields = {}
    if csrf:
        token = csrf_token()
        client.cookies.set(CSRF_COOKIE, token)
        fields[CSRF_FIELD] = token
    return await client.post(
        IMPORT, data=fields, files={"bestand": (name, data, "text/csv")}, follow_redirects=False
    )


def _import_action(html: str) -> str:
    match = re.search(r'action="(/beheer/deelnemers/import/[^"]+)"', html)
    assert match is not None, "the page offers no import"
    return match.group(1)


async def _aantal(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Deelnemer)) or 0


async def test_the_upload_page_publishes_the_columns(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    response = await client.get(IMPORT)

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert "naam,soort,identificaties,kvk,vestigingsnummer" in text_of(response.text)
    assert "contact_telefoon" in response.text


async def test_a_good_file_is_checked_first_and_imported_when_the_beheerder_says_so(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder")

    checked = await upload(client, csv_bytes(regels(3)))
    before = await _aantal(db)
    imported = await post_form(client, _import_action(checked.text))

    assert checked.status_code == 200
    assert "Alle regels zijn in orde" in text_of(checked.text)
    assert "Importeren: 3 deelnemers aanmelden" in text_of(checked.text)
    assert before == 0
    assert imported.status_code == 303
    assert await _aantal(db) == 3
    landing = await client.get(imported.headers["location"])
    assert "3 deelnemers uit leden.csv aangemeld" in text_of(landing.text)


async def test_a_file_with_problems_shows_them_per_regel_and_offers_no_import(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder")
    rows = [regel("Gemeente Sneek", "50205671"), regel("Gemeente Hengelo", "08193430", postcode="0123 AB")]

    response = await upload(client, csv_bytes(rows))

    assert response.status_code == 400
    text = text_of(response.text)
    assert "Het bestand is niet ingelezen" in text
    assert "3 postcode Postcode" in text
    assert "begint met 0" in text
    assert "/beheer/deelnemers/import/" not in response.text
    assert await _aantal(db) == 0


async def test_an_upload_without_a_file_or_without_csrf_is_refused(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    empty = await post_form(client, IMPORT)
    forged = await upload(client, csv_bytes(regels(1)), csrf=False)

    assert empty.status_code == 400
    assert "Kies een CSV-bestand." in text_of(empty.text)
    assert forged.status_code == 403


async def test_the_upload_route_takes_bodies_up_to_the_upload_limit(
    client: AsyncTestClient[Litestar], login_as: LoginAs, app: Litestar, settings: Settings
) -> None:
    await login_as("stelselbeheerder")
    big = csv_bytes(regels(6_000))  # more than the general request limit of 1 MB
    assert settings.max_request_bytes < len(big) < settings.max_upload_bytes

    response = await upload(client, big)

    assert response.status_code == 200, text_of(response.text)[:500]
    [handler] = [
        route_handler
        for route in app.routes
        if route.path == IMPORT
        for route_handler in getattr(route, "route_handlers", [])
        if "POST" in route_handler.http_methods
    ]
    assert handler.resolve_request_max_body_size() == settings.max_upload_bytes


async def test_only_the_uploader_can_import_a_checked_file(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder", email="eerste@stelselregister.example")
    checked = await upload(client, csv_bytes(regels(2)))
    await login_as("stelselbeheerder", email="tweede@stelselregister.example")

    other = await post_form(client, _import_action(checked.text))
    made_up = await post_form(client, "/beheer/deelnemers/import/verzonnen")

    assert (other.status_code, made_up.status_code) == (404, 404)
    assert await _aantal(db) == 0


async def test_readers_cannot_import(client: AsyncTestClient[Litestar], login_as: LoginAs) -> None:
    await login_as("casemanager")

    page = await client.get(IMPORT)
    posted = await upload(client, csv_bytes(regels(1)))

    assert (page.status_code, posted.status_code) == (403, 403)


async def test_the_page_says_uploaden_and_a_clean_file_is_simply_imported(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    checked = text_of((await upload(client, csv_bytes(regels(1)))).text)
    page = text_of((await client.get(IMPORT)).text)

    assert "Bestand uploaden" in page
    assert "opladen" not in page.lower()
    assert "Importeren: 1 deelnemer aanmelden" in checked
    assert "Toch" not in checked


async def test_a_problem_with_the_file_itself_is_called_so(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    response = await upload(client, csv_bytes([], kopregel=("naam", "onbekend")))

    text = text_of(response.text)
    assert response.status_code == 400
    assert "met het bestand zelf, zodat de regels niet zijn gelezen" in text
    assert "in 0 regels" not in text
    assert "Problemen met het bestand" in text


async def test_the_problems_are_listed_by_regel_and_kolom(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    make_deelnemer: DeelnemerFactory,
) -> None:
    await make_deelnemer("Gemeente Sneek", kvk="50205671")
    await login_as("stelselbeheerder")
    rows = [*regels(2)]
    rows.append(regel("Jeugdhulp Dubbel", "50205671"))  # regel 4: taken, found as the file is written
    rows += regels(3, seed=11)[:2]
    rows.append(regel("Jeugdhulp Fout", "08193430", postcode="0123 AB", website="javascript:x"))  # regel 7

    response = await upload(client, csv_bytes(rows))

    cells = re.findall(
        r"<td[^>]*>\s*(\d+)\s*</td>\s*<td[^>]*>\s*(?:<code>([^<]*)</code>|<span)", response.text
    )
    assert response.status_code == 400
    found = [(int(nummer), kolom) for nummer, kolom in cells]
    assert [nummer for nummer, _ in found] == sorted(nummer for nummer, _ in found)
    assert found[0][0] == 4
    assert [kolom for nummer, kolom in found if nummer == 7] == sorted(
        kolom for nummer, kolom in found if nummer == 7
    )
