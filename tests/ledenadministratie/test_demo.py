"""The demo register is realistic, the same on every run, and loading it twice changes nothing; with
the whole demo loaded (``stelsel demo``), what the register says about its dienstverleners is true
by the real verklaringen: a user asking the API gets the same answer as a verifier of the verklaring.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.demo import DemoContext, load_demo
from registry.ledenadministratie import services
from registry.ledenadministratie.demo import DEMO_KVK, DIENSTVERLENERS, load_demo_register
from registry.ledenadministratie.models import Deelnemer, DeelnemerIdentificatie, Rolvervulling
from registry.ledenadministratie.peildatum import Peildatum
from registry.settings import Settings
from registry.signing import KeyRing
from tests.conftest import MovableClock
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import demo as verklaringen_demo
from verklaringen.models import Verklaring

INGETROKKEN_KVK = "91000002"  # Verbindingshuis Oost B.V.: its verklaring was withdrawn
GESCHORST_KVK = "91000003"  # Jeugdnet Diensten B.V.: its verklaring is suspended
VERLOPEN_KVK = "91000004"  # Oude Schakel B.V.: its verklaring ran out this year
KETENLINK_KVK = "90000002"  # Ketenlink Coöperatie U.A.: its verklaring was geschorst and hersteld


@pytest.mark.usefixtures("catalogus")
async def test_the_demo_register_has_history_and_dienstverleners_waiting_for_their_verklaring(
    db: AsyncSession, clock: MovableClock
) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)

    report = await load_demo_register(db, clock)
    again = await load_demo_register(db, clock)

    assert "deelnemers" in report[0]
    assert again == ["ledenadministratie: demo register already present"]
    count = await db.scalar(select(func.count()).select_from(Deelnemer))
    assert count is not None
    assert count >= 36
    statuses = set((await db.scalars(select(Deelnemer.status))).all())
    assert statuses == {"aangemeld", "actief", "geschorst", "beeindigd"}
    # without the verklaringen demo nobody holds a role on a verklaring: the dienstverleners applied
    on_verklaring = select(func.count()).where(Rolvervulling.basis_soort == "verklaring")
    assert await db.scalar(on_verklaring) == 0
    now = Peildatum.at(clock.moment)
    demo = await services.check_rol(db, f"kvk:{DEMO_KVK}", "dienstverlener", now)
    assert (demo.vervuld, demo.reden_code) == (False, "geen-rolvervulling")
    [gemeente], _ = await services.search_deelnemers(
        db, services.Zoekvraag(zoek="Gemeente Utrecht"), now, PageRequest(1, 5)
    )
    last_year = await services.check_rol(db, str(gemeente.id), "bronhouder", Peildatum.on(date(2025, 6, 1)))
    this_year = await services.check_rol(db, str(gemeente.id), "bronhouder", now)
    assert (last_year.vervuld, this_year.vervuld) == (True, False)


@pytest.mark.usefixtures("catalogus")
async def test_the_demo_register_is_deterministic(db: AsyncSession, clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)
    await load_demo_register(db, clock)

    numbers = sorted(
        (await db.execute(select(DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde))).tuples()
    )

    assert len(numbers) == len(set(numbers))
    # the same seed gives the same register on every machine and every run
    assert numbers[:3] == [("agb", "20998123"), ("agb", "61230239"), ("agb", "91366349")]


# --- the whole demo, asked through the API ------------------------------------------------------------


@pytest.fixture
async def demo_loaded(
    db: AsyncSession, settings: Settings, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """``stelsel demo`` on the test database: every domain's loader, in the app's order."""
    monkeypatch.setattr(verklaringen_demo, "WeasyPrintRenderer", FakePdfRenderer)  # layout tested elsewhere
    KeyRing(settings.keys_dir).generate()
    return await load_demo(DemoContext(session=db, settings=settings, clock=clock))


async def _rolcheck(
    client: AsyncTestClient[Litestar], deelnemer: str, rol: str, peildatum: date | None = None
) -> dict[str, Any]:
    params = {"deelnemer": deelnemer, "rol": rol}
    if peildatum is not None:
        params["peildatum"] = peildatum.isoformat()
    response = await client.get("/api/v1/rolcheck", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _verificatie(client: AsyncTestClient[Litestar], nummer: str) -> dict[str, Any]:
    token = (await client.get(f"/api/v1/verklaringen/{nummer}/attestatie")).text
    response = await client.post("/api/v1/verificaties", json={"token": token})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _roles_on_verklaringen(db: AsyncSession, today: date) -> list[str]:
    """Checks that every rolvervulling on a verklaring rests on the issued verklaring of that deelnemer
    and role that granted it; returns the numbers of those that hold today and were issued more than
    a year ago."""
    rolvervullingen = list(
        await db.scalars(select(Rolvervulling).where(Rolvervulling.basis_soort == "verklaring"))
    )
    verklaringen = {v.nummer: v for v in await db.scalars(select(Verklaring))}

    assert len(rolvervullingen) >= 8
    for rolvervulling in rolvervullingen:
        verklaring = verklaringen[rolvervulling.basis_referentie]
        assert verklaring.fase == "afgegeven"
        assert verklaring.rolvervulling_id == rolvervulling.id
        assert (verklaring.deelnemer_id, verklaring.rol_code) == (
            rolvervulling.deelnemer_id,
            rolvervulling.rol_code,
        )
        assert rolvervulling.geldig_van == verklaring.geldig_van
    # those that hold today and were issued more than a year ago
    return [
        v.nummer
        for v in verklaringen.values()
        if v.afgegeven_op is not None
        and (today - v.afgegeven_op.date()).days > 365
        and v.geldig_van <= today < v.geldig_tot
        and v.ingetrokken_op is None
        and v.geschorst_op is None
    ]


async def test_every_listed_dienstverlener_holds_its_role_exactly_when_its_verklaring_verifies(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: MovableClock, demo_loaded: list[str]
) -> None:
    listed = (await client.get("/api/v1/dienstverleners", params={"pageSize": 50})).json()["items"]

    names = [d["naam"] for d in listed]
    assert {d.naam for d in DIENSTVERLENERS} <= set(names)
    suspended = []
    for dienstverlener in listed:
        kvk = next(i["tekst"] for i in dienstverlener["identificaties"] if i["soort"] == "kvk")
        for rol in dienstverlener["rollen"]:
            nummer = rol["verklaring"]["nummer"]
            check = await _rolcheck(client, kvk, rol["code"])
            verificatie = await _verificatie(client, nummer)
            # the list, the rolcheck and a verifier of the verklaring tell the same story
            assert check["basis"] == {"soort": "verklaring", "referentie": nummer}
            assert check["vervuld"] is rol["verklaring"]["geldig"] is verificatie["valid"], (kvk, nummer)
            assert verificatie["claims"]["sub"] == kvk
            assert verificatie["claims"]["rol"] == rol["code"]
            if not check["vervuld"]:
                suspended.append((dienstverlener["naam"], check["redenCode"], verificatie["status"]))
    # one dienstverlener is listed with its verklaring geschorst; it does not hold the role meanwhile
    assert suspended == [("Jeugdnet Diensten B.V.", "verklaring-niet-geldig", "suspended")]
    supporting = [d["naam"] for d in listed if d["ondersteunt"] and d["taken"]]
    assert set(supporting) == set(names)
    # no role rests on anything but a real verklaring; some of them were issued more than a year ago
    assert len(await _roles_on_verklaringen(db, clock.now().date())) >= 2


async def test_a_withdrawn_verklaring_grants_nothing_and_an_expired_one_granted_the_role_last_year(
    client: AsyncTestClient[Litestar], clock: MovableClock, demo_loaded: list[str]
) -> None:
    today = clock.now().date()
    a_year_ago = today - timedelta(days=365)

    ingetrokken = await _rolcheck(client, f"kvk:{INGETROKKEN_KVK}", "dienstverlener")
    withdrawn = (
        await client.get("/api/v1/verklaringen", params={"deelnemer": f"kvk:{INGETROKKEN_KVK}"})
    ).json()["items"]
    verlopen_now = await _rolcheck(client, f"kvk:{VERLOPEN_KVK}", "dienstverlener")
    verlopen_then = await _rolcheck(client, f"kvk:{VERLOPEN_KVK}", "dienstverlener", a_year_ago)
    listed = (await client.get("/api/v1/dienstverleners", params={"pageSize": 50})).json()["items"]

    assert ingetrokken["vervuld"] is False
    [verklaring] = withdrawn
    assert verklaring["status"] == "ingetrokken"
    assert (await _verificatie(client, verklaring["nummer"]))["status"] == "revoked"
    assert (verlopen_now["vervuld"], verlopen_now["redenCode"]) == (False, "geen-rolvervulling")
    assert verlopen_then["vervuld"] is True
    assert verlopen_then["basis"]["soort"] == "verklaring"
    assert not {"Verbindingshuis Oost B.V.", "Oude Schakel B.V."} & {d["naam"] for d in listed}


async def test_the_demo_answers_as_of_a_peildatum_as_its_verklaringen_stood_then(
    client: AsyncTestClient[Litestar], clock: MovableClock, demo_loaded: list[str]
) -> None:
    today = Peildatum.at(clock.now()).datum

    def dagen_geleden(dagen: int) -> date:
        return today - timedelta(days=dagen)

    # Ketenlink's verklaring was geschorst 150 days ago and hersteld 120 days ago
    tijdens = await _rolcheck(client, f"kvk:{KETENLINK_KVK}", "dienstverlener", dagen_geleden(135))
    ervoor = await _rolcheck(client, f"kvk:{KETENLINK_KVK}", "dienstverlener", dagen_geleden(160))
    nu = await _rolcheck(client, f"kvk:{KETENLINK_KVK}", "dienstverlener")
    # Verbindingshuis's was withdrawn 20 days ago, Jeugdnet's is geschorst since 5 days ago
    ingetrokken_toen = await _rolcheck(client, f"kvk:{INGETROKKEN_KVK}", "dienstverlener", dagen_geleden(30))
    geschorst_toen = await _rolcheck(client, f"kvk:{GESCHORST_KVK}", "dienstverlener", dagen_geleden(10))
    geschorst_nu = await _rolcheck(client, f"kvk:{GESCHORST_KVK}", "dienstverlener")

    assert (tijdens["vervuld"], tijdens["redenCode"]) == (False, "verklaring-niet-geldig")
    assert "was geschorst van" in tijdens["reden"]
    assert ervoor["vervuld"] is nu["vervuld"] is True
    assert ingetrokken_toen["vervuld"] is True
    assert ingetrokken_toen["basis"]["soort"] == "verklaring"
    assert geschorst_toen["vervuld"] is True
    assert (geschorst_nu["vervuld"], geschorst_nu["redenCode"]) == (False, "verklaring-niet-geldig")
    assert "is geschorst sinds" in geschorst_nu["reden"]
