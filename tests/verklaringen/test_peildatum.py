"""A verklaring's status as of a peildatum: what a verifier asks the register about a moment in the
past is answered as the verklaring stood then, not as it stands now. Schorsingen are kept as periods
(also once hersteld), intrekkingen by their moment; migration 0006 rebuilds the periods of a register
that kept only the current suspension."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from registry import migrate
from registry.ledenadministratie.peildatum import AMSTERDAM
from tests.conftest import MovableClock
from tests.verklaringen.conftest import Process
from verklaringen.models import Schorsing, Verklaring
from verklaringen.services import levenscyclus

KVK = "kvk:90000001"
ROL = "dienstverlener"


def _dag(clock: MovableClock, dagen_geleden: int) -> date:
    return (clock.moment - timedelta(days=dagen_geleden)).astimezone(AMSTERDAM).date()


async def _rolcheck(
    client: AsyncTestClient[Litestar], peildatum: date | datetime | None = None
) -> dict[str, Any]:
    params = {"deelnemer": KVK, "rol": ROL}
    if peildatum is not None:
        params["peildatum"] = peildatum.isoformat()
    response = await client.get("/api/v1/rolcheck", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _rollen(client: AsyncTestClient[Litestar], peildatum: date) -> list[str]:
    response = await client.get(
        f"/api/v1/deelnemers/{KVK}/rollen", params={"peildatum": peildatum.isoformat()}
    )
    assert response.status_code == 200, response.text
    return [r["rolCode"] for r in response.json()["items"]]


async def _op(clock: MovableClock, dagen_geleden: int, action: Any, *args: Any) -> Any:
    """``action(*args)`` done ``dagen_geleden`` days ago."""
    now = clock.moment
    clock.moment = now - timedelta(days=dagen_geleden)
    try:
        return await action(*args)
    finally:
        clock.moment = now


def _levenscyclus(process: Process, name: str) -> Any:
    action = getattr(levenscyclus, name)

    async def run(nummer: str, reden: str) -> Any:
        return await action(
            process.db,
            nummer,
            reden,
            principal=process.people.beheerder,
            clock=process.clock,
            base_url=process.settings.base_url,
        )

    return run


async def test_a_schorsing_that_was_lifted_still_withholds_the_role_for_the_days_it_lasted(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await _op(clock, 60, process.afgegeven)).nummer
    await _op(clock, 30, _levenscyclus(process, "schors"), nummer, "Beveiligingsincident in onderzoek.")
    await _op(clock, 7, _levenscyclus(process, "herstel"), nummer, "Incident opgelost.")

    tijdens = await _rolcheck(client, _dag(clock, 20))
    ervoor = await _rolcheck(client, _dag(clock, 45))
    vandaag = await _rolcheck(client)

    assert (tijdens["vervuld"], tijdens["redenCode"]) == (False, "verklaring-niet-geldig")
    assert tijdens["basis"] == {"soort": "verklaring", "referentie": nummer}
    assert f"Verklaring {nummer} was geschorst van" in tijdens["reden"]
    assert ervoor["vervuld"] is True
    assert vandaag["vervuld"] is True
    assert await _rollen(client, _dag(clock, 20)) == []
    assert await _rollen(client, _dag(clock, 45)) == [ROL]
    [periode] = await process.db.scalars(select(Schorsing))
    assert (periode.reden, periode.herstel_reden) == (
        "Beveiligingsincident in onderzoek.",
        "Incident opgelost.",
    )


async def test_a_current_schorsing_withholds_the_role_from_its_start_only(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await _op(clock, 60, process.afgegeven)).nummer
    await _op(clock, 10, _levenscyclus(process, "schors"), nummer, "Beveiligingsincident in onderzoek.")

    geschorst_op = clock.moment - timedelta(days=10)

    ervoor = await _rolcheck(client, _dag(clock, 20))
    een_minuut_ervoor = await _rolcheck(client, geschorst_op - timedelta(minutes=1))
    een_minuut_erna = await _rolcheck(client, geschorst_op + timedelta(minutes=1))
    vandaag = await _rolcheck(client)

    assert ervoor["vervuld"] is True
    assert een_minuut_ervoor["vervuld"] is True
    assert een_minuut_erna["vervuld"] is False
    assert (vandaag["vervuld"], vandaag["redenCode"]) == (False, "verklaring-niet-geldig")
    assert f"Verklaring {nummer} is geschorst sinds" in vandaag["reden"]


async def test_a_withdrawn_verklaring_granted_the_role_until_it_was_withdrawn(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await _op(clock, 60, process.afgegeven)).nummer
    await _op(clock, 1, _levenscyclus(process, "trek_in"), nummer, "Voldoet niet meer.")

    vorige_week = await _rolcheck(client, _dag(clock, 7))
    vandaag = await _rolcheck(client)

    assert vorige_week["vervuld"] is True
    assert vorige_week["basis"] == {"soort": "verklaring", "referentie": nummer}
    assert vandaag["vervuld"] is False
    assert await _rollen(client, _dag(clock, 7)) == [ROL]
    assert await _rollen(client, clock.moment.astimezone(AMSTERDAM).date()) == []


async def test_the_migration_rebuilds_the_schorsingen_from_the_audit_trail_and_the_current_flags(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar]
) -> None:
    tweemaal = (await _op(clock, 60, process.afgegeven)).nummer
    zonder_spoor = (await process.afgegeven("90000002")).nummer
    schors, herstel = _levenscyclus(process, "schors"), _levenscyclus(process, "herstel")
    await _op(clock, 30, schors, tweemaal, "Eerste incident.")
    await _op(clock, 20, herstel, tweemaal, "Eerste incident opgelost.")
    await _op(clock, 10, schors, tweemaal, "Tweede incident.")
    kept = await _periods(process)
    await process.db.commit()

    await asyncio.to_thread(migrate.downgrade, process.settings, "0005")
    # a suspension the trail does not name: only the verklaring's own flags tell it
    geschorst_op = clock.moment - timedelta(days=3)
    await process.db.execute(
        update(Verklaring)
        .where(Verklaring.nummer == zonder_spoor)
        .values(geschorst_op=geschorst_op, schorsing_reden="Onderzoek loopt.")
    )
    await process.db.commit()
    await asyncio.to_thread(migrate.upgrade, process.settings)

    process.db.expire_all()
    rebuilt = await _periods(process)
    assert rebuilt[tweemaal] == kept[tweemaal]
    assert [(van, tot) for van, tot, _, _ in rebuilt[tweemaal]] == [
        (clock.moment - timedelta(days=30), clock.moment - timedelta(days=20)),
        (clock.moment - timedelta(days=10), None),
    ]
    assert rebuilt[zonder_spoor] == [(geschorst_op, None, "Onderzoek loopt.", None)]
    # and the register answers with them as before
    assert "was geschorst van" in (await _rolcheck(client, _dag(clock, 25)))["reden"]
    assert (await _rolcheck(client, _dag(clock, 15)))["vervuld"] is True
    assert (await _rolcheck(client))["vervuld"] is False
    await _levenscyclus(process, "herstel")(zonder_spoor, "Onderzoek afgerond.")
    assert (await _periods(process))[zonder_spoor] == [
        (geschorst_op, clock.moment, "Onderzoek loopt.", "Onderzoek afgerond.")
    ]


async def _periods(process: Process) -> dict[str, list[tuple[Any, ...]]]:
    rows = await process.db.execute(
        select(Verklaring.nummer, Schorsing.van, Schorsing.tot, Schorsing.reden, Schorsing.herstel_reden)
        .join(Verklaring, Verklaring.id == Schorsing.verklaring_id)
        .order_by(Verklaring.nummer, Schorsing.van)
    )
    periods: dict[str, list[tuple[Any, ...]]] = {}
    for nummer, *period in rows:
        periods.setdefault(nummer, []).append(tuple(period))
    return periods
