"""The catalogue admin pages speak the stelsel's Dutch: a duty is a taak, verantwoordelijkheid or
bevoegdheid, a release "is in consultatie", and the breadcrumbs start at Home like every admin page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from roles import editing, schemas, services
from tests.conftest import LoginAs
from tests.roles.html import section, text_of

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")

Client = AsyncTestClient[Litestar]
BASE = "/beheer/catalogus"
ENGELS = re.compile(r"\bdut(y|ies)\b", re.IGNORECASE)


async def submit(client: Client, path: str, data: dict[str, Any]) -> httpx.Response:
    if "stelsel_csrf" not in client.cookies:
        await client.get(BASE)
    return await client.post(
        path, data={**data, "_csrf_token": client.cookies["stelsel_csrf"]}, follow_redirects=False
    )


def kruimelpad(html: str) -> list[str]:
    nav = html[
        html.index('aria-label="Kruimelpad"') : html.index("</nav>", html.index('aria-label="Kruimelpad"'))
    ]
    return [text_of(label) for label in re.findall(r"<a [^>]*>(.*?)</a>", nav)]


@pytest.fixture
async def concept(
    db: AsyncSession,
    clock: Clock,
    beheerder: Actor,
    catalogus_1_2_0: services.Laadresultaat,
    login_as: LoginAs,
) -> str:
    await services.create_release(db, "1.3.0", actor=beheerder, clock=clock)
    await login_as("stelselbeheerder")
    return "1.3.0"


async def test_adding_moving_and_removing_a_duty_is_said_in_dutch(client: Client, concept: str) -> None:
    rol_url = f"{BASE}/{concept}/rollen/melder"
    for soort, tekst in (("taak", "Meldt zorgen."), ("bevoegdheid", "Mag de uitkomst inzien.")):
        added = await submit(client, f"{rol_url}/duties", {"soort": soort, "tekst": tekst, "verplicht": "1"})
        page = await client.get(added.headers["location"])
        assert f"De {soort} is toegevoegd aan het eind van de lijst." in text_of(page.text)

    rol_page = await client.get(rol_url)
    lijst = section(rol_page.text, "duties")
    assert "Taken, verantwoordelijkheden en bevoegdheden van Melder, in volgorde" in text_of(lijst)
    assert 'data-confirm="Bevoegdheid melder-b01 verwijderen?"' in lijst
    assert "Taak, verantwoordelijkheid of bevoegdheid toevoegen" in text_of(lijst)

    moved = await submit(client, f"{BASE}/{concept}/duties/melder-b01/verplaatsen", {"richting": "omhoog"})
    assert "De bevoegdheid melder-b01 is een plaats omhoog gezet." in text_of(
        (await client.get(moved.headers["location"])).text
    )
    duty_page = await client.get(f"{BASE}/{concept}/duties/melder-t01")
    assert "Taak melder-t01 van Melder" in text_of(duty_page.text)
    removed = await submit(client, f"{BASE}/{concept}/duties/melder-t01/verwijderen", {})
    assert "De taak melder-t01 is verwijderd." in text_of(
        (await client.get(removed.headers["location"])).text
    )

    for page in (rol_page, duty_page):
        assert not ENGELS.search(text_of(page.text)), ENGELS.search(text_of(page.text))


async def test_a_duty_without_a_soort_asks_for_one_of_the_soorten(client: Client, concept: str) -> None:
    refused = await submit(client, f"{BASE}/{concept}/rollen/melder/duties", {"soort": "", "tekst": "Meldt."})

    assert refused.status_code == 400
    assert "Kies de soort: taak, verantwoordelijkheid of bevoegdheid." in text_of(refused.text)
    assert "Onbekend" not in text_of(refused.text)


async def test_release_and_differences_pages_count_and_list_taken(
    client: Client, db: AsyncSession, clock: Clock, beheerder: Actor, concept: str
) -> None:
    await editing.add_duty(
        db,
        concept,
        schemas.DutyInvoer(rol="melder", soort="taak", tekst="Meldt zorgen.", verplicht=True),
        actor=beheerder,
        clock=clock,
    )

    release = await client.get(f"{BASE}/{concept}")
    verschillen = await client.get(f"{BASE}/{concept}/verschillen")

    rollen = section(release.text, "rollen")
    assert re.search(r"<th [^>]*>Taken</th>", rollen)
    assert "Taken, verantwoordelijkheden en bevoegdheden toegevoegd:" in text_of(verschillen.text)
    for page in (release, verschillen):
        assert not ENGELS.search(text_of(page.text)), ENGELS.search(text_of(page.text))


async def test_a_release_in_consultatie_says_so(
    client: Client, db: AsyncSession, clock: Clock, beheerder: Actor, concept: str
) -> None:
    await services.start_consultatie(db, concept, actor=beheerder, clock=clock)

    page = text_of((await client.get(f"{BASE}/{concept}")).text)
    rol = text_of((await client.get(f"{BASE}/{concept}/rollen/dienstverlener")).text)

    assert "Deze release is in consultatie en kan niet meer worden gewijzigd." in page
    assert f"Release {concept} is in consultatie: deze rol kan niet meer worden gewijzigd." in rol


@pytest.mark.parametrize("pad", ["", "/1.2.0", "/1.2.0/rollen/dienstverlener", "/1.2.0/verschillen"])
async def test_the_breadcrumbs_start_at_home_like_the_other_admin_pages(
    client: Client, login_as: LoginAs, pad: str
) -> None:
    await login_as("stelselbeheerder")

    page = await client.get(BASE + pad)

    assert page.status_code == 200
    assert kruimelpad(page.text)[:3] == ["Home", "Beheer", "Catalogus"]
    assert kruimelpad((await client.get("/beheer/aanmeldingen")).text)[:2] == ["Home", "Beheer"]
