"""The demo data: verklaringen in every state for the demo deelnemer and others, loaded once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.clock import Clock
from registry.demo import DemoContext, load_demo
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
    verklaringen = list(await db.scalars(select(Verklaring)))
    statuses = {verklaring_status(v, today) for v in verklaringen}
    assert {"geldig", "verlopen", "ingetrokken", "geschorst"} <= statuses
    demo_deelnemer = [v for v in verklaringen if "kvk:90000001" in v.identificaties]
    assert [verklaring_status(v, today) for v in demo_deelnemer] == ["geldig"]
    aanmeldingen = {a.status for a in await db.scalars(select(Aanmelding))}
    assert {"in_behandeling", "afgewezen", "afgerond"} <= aanmeldingen
