"""The role page names who fills the role: the source's words and, from whatever domain registered a
provider (the ledenadministratie), the deelnemers holding it today."""

from __future__ import annotations

from datetime import datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from roles.invulling import Invuller, Invulling, invulling_provider_installed
from tests.roles.html import text_of

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")

Client = AsyncTestClient[Litestar]


async def test_the_role_page_lists_the_deelnemers_the_provider_names(client: Client) -> None:
    asked: list[tuple[str, int]] = []

    async def provider(_session: AsyncSession, rol_code: str, _moment: datetime, limit: int) -> Invulling:
        asked.append((rol_code, limit))
        return Invulling(
            invullers=[
                Invuller("Koppelpunt BV", "/dienstverleners?zoek=kvk%3A90000001"),
                Invuller("Ketenlink"),
            ],
            totaal=30,
        )

    with invulling_provider_installed(provider):
        response = await client.get("/catalogus/rollen/dienstverlener")

    text = text_of(response.text)
    assert asked == [("dienstverlener", 25)]
    assert "Nu vervuld door 30 deelnemers: Koppelpunt BV Ketenlink" in text
    assert 'href="/dienstverleners?zoek=kvk%3A90000001"' in response.text
    assert "En nog 28 andere." in text


async def test_without_a_provider_the_page_shows_the_words_alone(client: Client) -> None:
    with invulling_provider_installed(None):
        response = await client.get("/catalogus/rollen/stelselhouder")

    text = text_of(response.text)
    assert "Invulling rol nog te bepalen" in text
    assert "Nu vervuld door" not in text
