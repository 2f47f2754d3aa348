"""The demo data: verklaringen in every state for the demo's dienstverleners and others, loaded once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.clock import Clock
from registry.database import create_engine, create_session_factory
from registry.demo import DemoContext, load_demo
from registry.ledenadministratie.demo import DIENSTVERLENERS
from registry.ledenadministratie.models import Ondersteuningsrelatie
from registry.settings import Settings
from registry.signing import KeyRing
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import demo
from verklaringen.models import Aanmelding, Verklaring
from verklaringen.services.queries import today_of, verklaring_status


async def test_the_demo_has_every_state_and_loading_again_changes_nothing(
    db: AsyncSession, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "WeasyPrintRenderer", FakePdfRenderer)  # the layout is tested elsewhere
    KeyRing(settings.keys_dir).generate()
    context = DemoContext(session=db, settings=settings, clock=clock)

    report = await load_demo(context)
    again = await load_demo(context)

    assert any(line.startswith("verklaringen: VKL-") for line in report), report
    assert "verklaringen: demo verklaringen already present" in again
    today = today_of(clock.now())
    verklaringen = list(await db.scalars(select(Verklaring).order_by(Verklaring.nummer)))
    statuses = {verklaring_status(v, today) for v in verklaringen}
    assert statuses == {
        "geldig",
        "verlopen",
        "ingetrokken",
        "geschorst",
        "nog_niet_geldig",
        "in_voorbereiding",
    }
    demo_deelnemer = [
        (v.rol_code, verklaring_status(v, today)) for v in verklaringen if "kvk:90000001" in v.identificaties
    ]
    assert demo_deelnemer == [("dienstverlener", "geldig"), ("gtk-beheerder", "geldig")]
    # every dienstverlener of the demo register got its verklaring as a dienstverlener
    dienstverleners = {f"kvk:{d.kvk}" for d in DIENSTVERLENERS}
    issued = {
        i
        for v in verklaringen
        if v.rol_code == "dienstverlener" and v.fase == "afgegeven"
        for i in v.identificaties
    }
    assert dienstverleners <= issued
    aanmeldingen = {a.status for a in await db.scalars(select(Aanmelding))}
    assert {"in_behandeling", "afgewezen", "afgerond", "toegekend"} <= aanmeldingen


async def test_the_demo_verklaringen_have_a_history(
    db: AsyncSession, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "WeasyPrintRenderer", FakePdfRenderer)
    KeyRing(settings.keys_dir).generate()
    await load_demo(DemoContext(session=db, settings=settings, clock=clock))
    today = today_of(clock.now())

    events = [
        (e.action, e.entity_id)
        for e in await db.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "verklaring").order_by(AuditEvent.occurred_at)
        )
    ]
    verklaringen = {v.nummer: v for v in await db.scalars(select(Verklaring))}
    relaties = list(await db.scalars(select(Ondersteuningsrelatie)))

    # one verklaring was geschorst and hersteld: it holds again
    [hersteld] = [n for action, n in events if action == "verklaring.hersteld"]
    assert ("verklaring.geschorst", hersteld) in events
    assert verklaring_status(verklaringen[hersteld], today) == "geldig"
    # one was renewed: the renewal holds from the day the first one ends
    [renewal] = [v for v in verklaringen.values() if v.vernieuwt]
    assert renewal.geldig_van == verklaringen[renewal.vernieuwt].geldig_tot
    assert verklaring_status(renewal, today) == "nog_niet_geldig"
    # the relations of the dienstverlener whose verklaring was withdrawn ended on that day
    [ingetrokken] = [v for v in verklaringen.values() if v.ingetrokken_op is not None]
    beeindigd = [r for r in relaties if r.dienstverlener_id == ingetrokken.deelnemer_id]
    assert beeindigd
    assert {(r.status, r.geldig_tot) for r in beeindigd} == {
        ("beeindigd", today_of(ingetrokken.ingetrokken_op))
    }
    # the verklaringen were issued over the last years, not all today
    assert len({v.afgegeven_op.year for v in verklaringen.values() if v.afgegeven_op}) >= 2
    # and all of it is in the audit trail, as read back from the database
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as fresh:
            report = await verify_chain(fresh)
    finally:
        await engine.dispose()
    assert report.ok, report
