"""Anyone looks up who can support a deelnemer: the published list of dienstverleners and GtK
beheerders, searchable by name, role, duty and regio, with contact details, the verklaring each role
rests on (and whether it is geldig, with a link to verify it), as a page, CSV, JSON and in the API."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.ledenadministratie import services
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import AdresInvoer, OndersteuningsrelatieCreate
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    verklaring_check_installed,
)
from registry.ledenadministratie.views import dienstverleners as page_view
from registry.settings import Settings
from tests.accounts.factories import text_of
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus")


@dataclass
class Lijst:
    koppelpunt: str
    knooppunt: str
    gemeente: str


@pytest.fixture
async def lijst(
    db: AsyncSession,
    clock: MovableClock,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    verklaringen: VerklaringenStandIn,
) -> Lijst:
    """Koppelpunt (dienstverlener, Landelijk) supports Gemeente Hengelo; Knooppunt Beheer (GtK
    beheerder, Twente) supports nobody yet; Gemeente Hengelo is no dienstverlener."""
    clock.moment = datetime(2026, 3, 1, 9, tzinfo=UTC)
    adres = AdresInvoer(straat="Stationsplein", huisnummer="1", postcode="3511 ED", plaats="Utrecht")
    koppelpunt = await make_deelnemer(
        "Koppelpunt BV", soort="softwareleverancier", kvk="90000001", regio="Landelijk",
        adres=adres, website="https://koppelpunt.example",
    )  # fmt: skip
    await grant(koppelpunt.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")
    knooppunt = await make_deelnemer("Knooppunt Beheer BV", soort="softwareleverancier", regio="Twente")
    await grant(knooppunt.id, "gtk-beheerder", date(2026, 2, 1), verklaring="VK-2026-0002")
    gemeente = await make_deelnemer("Gemeente Hengelo", kvk="08193430", regio="Twente")
    await services.create_ondersteuningsrelatie(
        db,
        OndersteuningsrelatieCreate(
            dienstverlener_id=koppelpunt.id, deelnemer_id=gemeente.id,
            taken=["dienstverlener-t01", "dienstverlener-t03"], geldig_van=date(2026, 2, 1),
        ),
        actor=BEHEERDER, clock=clock,
    )  # fmt: skip
    return Lijst(str(koppelpunt.id), str(knooppunt.id), str(gemeente.id))


def _names(html: str) -> list[str]:
    """The entries on the page, in order."""
    text = text_of(html)
    found = [(text.find(f"{naam} Website"), naam) for naam in ("Koppelpunt BV", "Knooppunt Beheer BV")]
    return [naam for position, naam in sorted(found) if position >= 0]


async def test_each_entry_has_contact_details_roles_and_the_verklaring_to_verify(
    client: AsyncTestClient[Litestar], lijst: Lijst, settings: Settings
) -> None:
    response = await client.get("/dienstverleners")

    assert response.status_code == 200
    text = text_of(response.text)
    assert _names(response.text) == ["Knooppunt Beheer BV", "Koppelpunt BV"]
    assert "Stationsplein 1, 3511 ED Utrecht" in text
    assert 'href="https://koppelpunt.example"' in response.text
    assert f'href="{settings.base_url}/verifieer/VK-2026-0001"' in response.text
    assert "VK-2026-0001 verifiëren Geldig" in text
    assert "GtK Beheerder" in text
    assert "Gemeente Hengelo" in text  # whom Koppelpunt supports
    assert 'id="dienstverlener-' + lijst.koppelpunt + '"' in response.text


async def test_the_list_is_filtered_by_name_role_duty_and_regio(
    client: AsyncTestClient[Litestar], lijst: Lijst
) -> None:
    async def names(**params: str) -> list[str]:
        return _names((await client.get("/dienstverleners", params=params)).text)

    assert await names(zoek="koppel") == ["Koppelpunt BV"]
    assert await names(zoek="90000001") == ["Koppelpunt BV"]
    assert await names(rol="gtk-beheerder") == ["Knooppunt Beheer BV"]
    assert await names(rol="dienstverlener") == ["Koppelpunt BV"]
    assert await names(taak="dienstverlener-t03") == ["Koppelpunt BV"]
    assert await names(taak="dienstverlener-t02") == []
    assert await names(regio="Twente") == ["Knooppunt Beheer BV"]
    assert await names(regio="Twente", rol="dienstverlener") == []
    refused = await client.get("/dienstverleners", params={"taak": "koffie-zetten", "rol": "bronhouder"})
    assert refused.status_code == 400
    assert "geen taak van een dienstverlener" in text_of(refused.text)
    assert "Kies een rol van dienstverlening" in text_of(refused.text)


async def test_the_total_counts_exactly_the_dienstverleners_each_filter_lists(
    db: AsyncSession,
    clock: MovableClock,
    lijst: Lijst,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
) -> None:
    geschorst = await make_deelnemer("Koppelweg BV", soort="softwareleverancier", regio="Twente")
    await grant(geschorst.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0003")
    await services.change_deelnemer_status(
        db, geschorst.id, "geschorst", "Onderzoek", actor=BEHEERDER, clock=clock
    )
    later = await make_deelnemer("Koppelhuis BV", soort="softwareleverancier", regio="Twente")
    await grant(later.id, "dienstverlener", date(2026, 6, 1), verklaring="VK-2026-0004")
    peildatum = Peildatum.at(clock.now())

    async def listed(**filters: str) -> tuple[list[str], int]:
        items, total = await services.list_dienstverleners(
            db, peildatum, PageRequest(page=1, page_size=100), services.Dienstverlenervraag(**filters)
        )
        return [item.naam for item in items], total

    for filters, names in [
        ({}, ["Knooppunt Beheer BV", "Koppelpunt BV"]),
        ({"zoek": "koppel"}, ["Koppelpunt BV"]),
        ({"zoek": "kvk:90000001"}, ["Koppelpunt BV"]),
        ({"rol": "gtk-beheerder"}, ["Knooppunt Beheer BV"]),
        ({"taak": "dienstverlener-t03"}, ["Koppelpunt BV"]),
        ({"regio": "Twente"}, ["Knooppunt Beheer BV"]),
        ({"regio": "Twente", "rol": "dienstverlener"}, []),
    ]:
        assert await listed(**filters) == (names, len(names)), filters


async def test_a_verklaring_that_is_no_longer_geldig_says_so(
    client: AsyncTestClient[Litestar], lijst: Lijst
) -> None:
    async def geschorst(_session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel:
        return Verklaringoordeel.nee(f"Verklaring {vraag.referentie} is geschorst.")

    with verklaring_check_installed(geschorst):
        text = text_of((await client.get("/dienstverleners", params={"zoek": "koppel"})).text)
    with verklaring_check_installed(None):
        unchecked = text_of((await client.get("/dienstverleners", params={"zoek": "koppel"})).text)

    assert "Niet geldig Verklaring VK-2026-0001 is geschorst." in text
    assert "Niet te controleren" in unchecked


async def test_the_list_downloads_as_csv_and_json_with_the_same_filters(
    client: AsyncTestClient[Litestar], lijst: Lijst, settings: Settings
) -> None:
    as_csv = await client.get("/dienstverleners.csv")
    kept = await client.get("/dienstverleners.csv")  # the second answer comes from the kept download
    as_json = await client.get("/dienstverleners.json", params={"rol": "dienstverlener"})
    refused = await client.get("/dienstverleners.json", params={"rol": "bronhouder"})

    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == kept.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["naam"] for row in rows] == ["Knooppunt Beheer BV", "Koppelpunt BV"]
    koppelpunt = rows[1]
    assert (koppelpunt["rollen"], koppelpunt["verklaringen"]) == ("dienstverlener", "VK-2026-0001 (geldig)")
    assert koppelpunt["taken"] == "dienstverlener-t01;dienstverlener-t03"
    assert (koppelpunt["postcode"], koppelpunt["ondersteunt"]) == ("3511 ED", "Gemeente Hengelo")
    [item] = json.loads(as_json.text)
    assert item["naam"] == "Koppelpunt BV"
    assert item["rollen"][0]["verklaring"] == {
        "nummer": "VK-2026-0001", "geldig": True, "toelichting": None,
        "verificatie": f"{settings.base_url}/verifieer/VK-2026-0001",
    }  # fmt: skip
    assert refused.status_code == 400


async def test_a_csv_download_never_carries_a_formula(
    client: AsyncTestClient[Litestar],
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    verklaringen: VerklaringenStandIn,
) -> None:
    evil = await make_deelnemer("=cmd|' /C calc'!A0", soort="softwareleverancier", regio="+Regio")
    await grant(evil.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0009")

    [row] = list(csv.DictReader(io.StringIO((await client.get("/dienstverleners.csv")).text)))

    assert row["naam"].startswith("'=")
    assert row["regio"] == "'+Regio"


async def test_the_api_filters_and_shows_roles_address_and_verklaring(
    client: AsyncTestClient[Litestar], lijst: Lijst
) -> None:
    body = (await client.get("/api/v1/dienstverleners", params={"rol": "gtk-beheerder"})).json()
    everyone = (await client.get("/api/v1/dienstverleners")).json()

    [item] = body["items"]
    assert item["naam"] == "Knooppunt Beheer BV"
    assert [(r["code"], r["verklaring"]["geldig"]) for r in item["rollen"]] == [("gtk-beheerder", True)]
    assert item["dienstverlenerSinds"] == "2026-02-01"
    koppelpunt = next(i for i in everyone["items"] if i["naam"] == "Koppelpunt BV")
    assert koppelpunt["adres"]["plaats"] == "Utrecht"
    assert koppelpunt["taken"] == ["dienstverlener-t01", "dienstverlener-t03"]


async def test_visitors_asking_for_the_same_page_at_once_wait_for_one_rendering(
    app: Litestar, client: AsyncTestClient[Litestar], lijst: Lijst, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def counted(name: str) -> None:
        original = getattr(page_view, name)

        async def slow(*args: object, **kwargs: object) -> object:
            calls.append(name)
            await asyncio.sleep(0.05)  # still computing while the others arrive
            return await original(*args, **kwargs)

        monkeypatch.setattr(page_view, name, slow)

    counted("dienstverlener_ids")
    counted("dienstverleners_van")
    # in this event loop, so that the requests really run at the same time
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as concurrent:

        async def at_once(times: int, **params: str) -> list[httpx.Response]:
            return list(
                await asyncio.gather(
                    *(concurrent.get("/dienstverleners", params=params) for _ in range(times))
                )
            )

        pages = await at_once(4, regio="Twente")
        assert [page.status_code for page in pages] == [200] * 4
        assert len({page.text for page in pages}) == 1
        assert calls == ["dienstverlener_ids", "dienstverleners_van"], "one computation for the four"

        calls.clear()
        await at_once(2, regio="Twente", page="2")
        assert calls == ["dienstverleners_van"], "the ids the filters found are kept"

        calls.clear()
        refused = await at_once(2, rol="burger")
        assert [page.status_code for page in refused] == [400, 400]
        await concurrent.get("/dienstverleners", params={"rol": "burger"})
        assert calls == ["dienstverlener_ids"] * 2, "shared by the two at once, but not kept"
