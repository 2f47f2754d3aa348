"""The catalogue's role page shows which deelnemers fill the role today, as the ledenadministratie
knows them: actieve holders by name, and for a dienstverlening role a link to their public entry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie.invulling import deelnemers_met_rol
from tests.accounts.factories import text_of
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus")


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def test_the_role_page_names_the_actieve_holders_and_links_dienstverleners(
    client: AsyncTestClient[Litestar],
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    verklaringen: VerklaringenStandIn,
) -> None:
    koppelpunt = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(koppelpunt.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")
    geschorst = await make_deelnemer("Ketenlink BV", soort="softwareleverancier", status="geschorst")
    await grant(geschorst.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0002")
    gemeente = await make_deelnemer("Gemeente Hengelo")
    await grant(gemeente.id, "afnemer", date(2026, 1, 1))
    await grant(gemeente.id, "bronhouder", date(2025, 1, 1), date(2026, 1, 1))  # no longer

    dienstverlener = await client.get("/catalogus/rollen/dienstverlener")
    afnemer = text_of((await client.get("/catalogus/rollen/afnemer")).text)
    bronhouder = text_of((await client.get("/catalogus/rollen/bronhouder")).text)

    assert "Nu vervuld door 1 deelnemer: Koppelpunt BV" in text_of(dienstverlener.text)
    assert (
        f'href="/dienstverleners?zoek=kvk%3A90000001#dienstverlener-{koppelpunt.id}"' in dienstverlener.text
    )
    assert "Ketenlink" not in text_of(dienstverlener.text)
    assert "Nu vervuld door 1 deelnemer: Gemeente Hengelo" in afnemer
    assert "Nu door geen deelnemer vervuld." in bronhouder
    listing = await client.get("/dienstverleners?zoek=kvk%3A90000001")
    assert f'id="dienstverlener-{koppelpunt.id}"' in listing.text


async def test_a_long_list_names_the_first_by_name_and_counts_the_rest(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    for naam in ("Gemeente Zwolle", "Gemeente Almere", "Gemeente Borne"):
        await grant((await make_deelnemer(naam)).id, "afnemer", date(2026, 1, 1))

    invulling = await deelnemers_met_rol(db, "afnemer", clock.now(), 2)

    assert [i.naam for i in invulling.invullers] == ["Gemeente Almere", "Gemeente Borne"]
    assert invulling.totaal == 3
    assert all(i.href is None for i in invulling.invullers)  # no public page for an afnemer
