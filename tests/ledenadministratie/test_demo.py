"""The demo register is realistic, the same on every run, and loading it twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.ledenadministratie import services
from registry.ledenadministratie.demo import DEMO_KVK, DemoVerklaringen, load_demo_register
from registry.ledenadministratie.models import Deelnemer, DeelnemerIdentificatie
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.verklaringcheck import verklaring_check_installed
from tests.conftest import MovableClock

pytestmark = pytest.mark.usefixtures("catalogus")


async def test_the_demo_register_has_history_and_a_dienstverlener_for_the_demo_contact(
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
    now = Peildatum.at(clock.moment)
    # the demo's dienstverleners rest on demo verklaringen, which only the demo's own check knows
    with verklaring_check_installed(DemoVerklaringen()):
        demo = await services.check_rol(db, f"kvk:{DEMO_KVK}", "dienstverlener", now)
    assert demo.vervuld
    dienstverleners, total = await services.list_dienstverleners(db, now, PageRequest(1, 20))
    assert total == 4
    assert all(d.ondersteunt and d.taken for d in dienstverleners)
    [gemeente], _ = await services.search_deelnemers(
        db, services.Zoekvraag(zoek="Gemeente Utrecht"), now, PageRequest(1, 5)
    )
    last_year = await services.check_rol(db, str(gemeente.id), "bronhouder", Peildatum.on(date(2025, 6, 1)))
    this_year = await services.check_rol(db, str(gemeente.id), "bronhouder", now)
    assert (last_year.vervuld, this_year.vervuld) == (True, False)


async def test_the_demo_register_is_deterministic(db: AsyncSession, clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)
    await load_demo_register(db, clock)

    numbers = sorted(
        (await db.execute(select(DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde))).tuples()
    )

    assert len(numbers) == len(set(numbers))
    # the same seed gives the same register on every machine and every run
    assert numbers[:3] == [("agb", "20998123"), ("agb", "61230239"), ("agb", "91366349")]
