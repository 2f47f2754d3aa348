"""The lookup answers kept per worker: a write shows in the very next answer (in this process, and on
every worker of a served portal written to from another process), answers are kept apart by
peildatum, visibility and representation, and the cached read path says what the ORM path says."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import session_snapshot
from registry.ledenadministratie import services
from registry.ledenadministratie.catalogus import catalogusstand
from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services import directe_lookup
from registry.readcache import read_cache
from registry.settings import Settings
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory
from tests.reliability.served import served_portal

pytestmark = pytest.mark.usefixtures("catalogus", "verklaringen")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LOOKUP = "/api/v1/deelnemers?identificatie=kvk%3A90000001"
ROLCHECK = "/api/v1/rolcheck?deelnemer=kvk%3A90000001&rol=dienstverlener"


@pytest.fixture
async def koppelpunt(clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory) -> Deelnemer:
    clock.moment = datetime(2025, 1, 2, 9, tzinfo=UTC)
    deelnemer = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(deelnemer.id, "dienstverlener", date(2025, 1, 1), verklaring="VK-2025-0001")
    clock.moment = NOW
    return deelnemer


async def _status(client: AsyncTestClient[Litestar], path: str = LOOKUP) -> str:
    return str((await client.get(path)).json()["items"][0]["status"])


async def test_a_write_shows_in_the_very_next_lookup(
    client: AsyncTestClient[Litestar],
    app: Litestar,
    db: AsyncSession,
    clock: MovableClock,
    koppelpunt: Deelnemer,
) -> None:
    assert await _status(client) == "actief"
    assert (await client.get(ROLCHECK)).json()["vervuld"] is True
    assert read_cache(app.state).entries, "the answers are kept"

    await services.change_deelnemer_status(
        db,
        koppelpunt.id,
        "geschorst",
        "Onderzoek",
        actor=BEHEERDER,
        clock=clock,
    )

    assert await _status(client) == "geschorst"
    assert (await client.get(ROLCHECK)).json()["redenCode"] == "deelnemer-geschorst"


async def test_an_answer_as_of_now_names_each_requests_moment_and_a_peildatum_is_its_own_answer(
    client: AsyncTestClient[Litestar], clock: MovableClock, koppelpunt: Deelnemer
) -> None:
    first = (await client.get(ROLCHECK)).json()
    clock.advance(minutes=5)
    second = (await client.get(ROLCHECK)).json()
    before_the_role = (await client.get(ROLCHECK + "&peildatum=2024-12-31")).json()

    assert first["peildatum"] == "2026-11-23T09:00:00Z"
    assert second["peildatum"] == "2026-11-23T09:05:00Z"
    assert {k: v for k, v in first.items() if k != "peildatum"} == {
        k: v for k, v in second.items() if k != "peildatum"
    }
    assert before_the_role["vervuld"] is False
    assert before_the_role["redenCode"] == "niet-geregistreerd"
    assert before_the_role["reden"] == "Koppelpunt BV stond op 31 december 2024 nog niet in het register."


async def test_visibility_and_representation_are_kept_apart(
    client: AsyncTestClient[Litestar],
    app: Litestar,
    koppelpunt: Deelnemer,
    api_token: Callable[..., Awaitable[str]],
) -> None:
    app.state.keyring.generate()
    token = await api_token("lookup:read")
    path = f"/api/v1/deelnemers/{koppelpunt.id}"

    anonymous = (await client.get(path)).json()
    full = (await client.get(path, headers={"Authorization": f"Bearer {token}"})).json()
    anonymous_again = (await client.get(path)).json()
    signed = await client.get(path, headers={"Accept": "application/jwt"})

    assert "contactpersonen" not in anonymous
    assert full["contactpersonen"][0]["naam"] == "Anna de Vries"
    assert anonymous_again == anonymous
    assert signed.headers["content-type"].startswith("application/jwt")
    payload = signed.text.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert {k: v for k, v in claims.items() if k not in {"iss", "iat", "exp", "jti", "request"}} == anonymous


async def test_the_direct_read_path_answers_as_the_orm_does(
    db: AsyncSession, koppelpunt: Deelnemer, make_deelnemer: DeelnemerFactory
) -> None:
    moment = Peildatum.at(NOW)
    direct = await directe_lookup.deelnemer(
        session_snapshot(db),
        directe_lookup.Verwijzing.lees("kvk:90000001", "id"),
        moment,
        await catalogusstand(db),
    )
    orm = await services.get_deelnemer(db, "kvk:90000001", moment)
    assert direct == orm


async def test_a_suspended_verklaring_grants_no_role(
    client: AsyncTestClient[Litestar], koppelpunt: Deelnemer, verklaringen: object
) -> None:
    rollen = f"/api/v1/deelnemers/{koppelpunt.id}/rollen"
    assert (await client.get(ROLCHECK)).json()["vervuld"] is True
    assert (await client.get(rollen)).json()["total"] == 1

    async def geschorst(_session: AsyncSession, vraag: object) -> object:
        from registry.ledenadministratie.verklaringcheck import Verklaringoordeel

        return Verklaringoordeel.nee("Verklaring VK-2025-0001 is geschorst.")

    from registry.ledenadministratie.verklaringcheck import verklaring_check_installed

    deelnemer = f"/api/v1/deelnemers/{koppelpunt.id}"
    with verklaring_check_installed(geschorst):  # type: ignore[arg-type]
        check = (await client.get(ROLCHECK)).json()
        listed = (await client.get(rollen)).json()
        # a check without a batch form is asked in a session, on the direct read path too
        [rol] = (await client.get(deelnemer)).json()["rollen"]
    with verklaring_check_installed(None):  # without a verklaringen domain the grant stands
        [zonder_check] = (await client.get(deelnemer)).json()["rollen"]

    assert check["vervuld"] is False
    assert check["redenCode"] == "verklaring-niet-geldig"
    assert check["reden"] == "Niet toegekend: Verklaring VK-2025-0001 is geschorst."
    assert check["basis"] == {"soort": "verklaring", "referentie": "VK-2025-0001"}
    assert listed["total"] == 0
    assert rol["verklaringbezwaar"] == "Verklaring VK-2025-0001 is geschorst."
    assert zonder_check["verklaringbezwaar"] is None


async def test_every_worker_of_a_served_portal_answers_after_a_write_from_another_process(
    settings: Settings, db: AsyncSession, koppelpunt: Deelnemer, tmp_path: Path
) -> None:
    """Two workers each keep their answers; a write made by another process (here: this test, as
    the command line would) shows in every answer that follows, whichever worker gives it."""
    from registry.audit.services import Actor
    from registry.clock import SystemClock

    async with served_portal(settings, tmp_path / "server.log", workers=2) as portal:

        async def statuses(times: int) -> set[str]:
            found = set()
            for _ in range(times):  # a new connection each time, so both workers get requests
                async with httpx.AsyncClient(base_url=portal.url, timeout=10) as http:
                    found.add(str((await http.get(LOOKUP)).json()["items"][0]["status"]))
                    listed = "Koppelpunt BV" in (await http.get("/dienstverleners?zoek=koppel")).text
                    found.add("op de lijst" if listed else "niet op de lijst")
            return found

        assert await statuses(40) == {"actief", "op de lijst"}
        await services.change_deelnemer_status(
            db,
            koppelpunt.id,
            "geschorst",
            "Onderzoek",
            actor=Actor.cli(),
            clock=SystemClock(),
        )
        assert await statuses(40) == {"geschorst", "niet op de lijst"}


# --- the public dienstverlener page and its downloads ---------------------------------------------------

PAGE = "/dienstverleners"


async def test_the_anonymous_page_and_downloads_show_a_write_in_the_very_next_request(
    client: AsyncTestClient[Litestar],
    app: Litestar,
    db: AsyncSession,
    clock: MovableClock,
    koppelpunt: Deelnemer,
) -> None:
    first = await client.get(PAGE, params={"zoek": "koppel"})
    again = await client.get(PAGE, params={"zoek": "koppel"})
    as_csv = (await client.get(PAGE + ".csv")).text
    assert as_csv == (await client.get(PAGE + ".csv")).text
    assert "Koppelpunt BV" in first.text
    assert again.text == first.text
    assert again.headers["content-type"] == first.headers["content-type"] == "text/html; charset=utf-8"
    assert any(key[0] == "page" for key in read_cache(app.state).entries), "the page is kept"
    assert any(key[0] == "download" for key in read_cache(app.state).entries), "the download is kept"

    await services.change_deelnemer_status(
        db, koppelpunt.id, "geschorst", "Onderzoek", actor=BEHEERDER, clock=clock
    )

    assert "Koppelpunt BV" not in (await client.get(PAGE, params={"zoek": "koppel"})).text
    assert "Koppelpunt BV" not in (await client.get(PAGE + ".csv")).text
    assert json.loads((await client.get(PAGE + ".json")).text) == []


async def test_filters_are_kept_apart_and_a_logged_in_user_gets_their_own_page(
    client: AsyncTestClient[Litestar], koppelpunt: Deelnemer, login_as: Callable[..., Awaitable[object]]
) -> None:
    found = (await client.get(PAGE, params={"zoek": "koppel"})).text
    none = (await client.get(PAGE, params={"zoek": "anders"})).text
    found_with_regio = await client.get(PAGE, params={"zoek": "koppel", "regio": "Nergens"})
    refused = await client.get(PAGE, params={"rol": "bronhouder"})
    refused_again = await client.get(PAGE, params={"rol": "bronhouder"})
    assert "Koppelpunt BV" in found
    assert "Koppelpunt BV" not in none
    assert "Koppelpunt BV" not in found_with_regio.text
    assert refused.status_code == refused_again.status_code == 400

    await login_as("stelselbeheerder", display_name="Bea Beheer")
    logged_in = (await client.get(PAGE, params={"zoek": "koppel"})).text

    assert "Koppelpunt BV" in logged_in
    assert "Bea Beheer" in logged_in
    assert "/uitloggen" in logged_in
    assert "/beheer/deelnemers" in logged_in
    assert "/uitloggen" not in found
    assert "/inloggen" in found


async def test_the_direct_search_answers_as_the_orm_does(
    db: AsyncSession, koppelpunt: Deelnemer, make_deelnemer: DeelnemerFactory
) -> None:
    from registry.api import PageRequest

    await make_deelnemer("Koppeling Zorg", kvk="90000002")
    await make_deelnemer("De Koppelaar 100% _zeker_", kvk="90000003")
    moment = Peildatum.at(NOW)
    catalogus = await catalogusstand(db)
    for zoek, paging in [
        ("koppel", PageRequest(page=1, page_size=20)),
        ("KOPPEL", PageRequest(page=2, page_size=1)),
        ("90000002", PageRequest(page=1, page_size=20)),
        ("kvk:90000003", PageRequest(page=1, page_size=20)),
        ("100%", PageRequest(page=1, page_size=20)),
        ("_z", PageRequest(page=1, page_size=20)),
        ("niemand", PageRequest(page=1, page_size=20)),
    ]:
        direct = await directe_lookup.gezocht(session_snapshot(db), zoek, moment, catalogus, paging)
        orm = await services.search_deelnemers(db, services.Zoekvraag(zoek=zoek), moment, paging)
        assert direct == orm, zoek
