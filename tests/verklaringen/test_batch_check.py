"""The verklaringen of a whole page judged at once: every answer (``geldig`` and ``reden``) is the one
the check gives question by question, as of any moment (schorsingen lifted or not, an intrekking from
its moment, expiry, another deelnemer or role, an unknown or unissued number), in two statements."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import session_snapshot
from registry.ledenadministratie.catalogus import catalogusstand
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services import lookup
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    check_verklaringen,
    verklaring_check_installed,
)
from tests.conftest import MovableClock, statements
from tests.verklaringen.conftest import Process
from verklaringen.models import Schorsing, Verklaring
from verklaringen.services.verklaringcheck import verklaring_check, verklaringen_check

ROL = "dienstverlener"


async def _verklaring(process: Process, kvk: str) -> Verklaring:
    nummer = (await process.afgegeven(kvk)).nummer
    verklaring = await process.db.scalar(select(Verklaring).where(Verklaring.nummer == nummer))
    assert verklaring is not None
    return verklaring


async def _zet(db: AsyncSession, verklaring: Verklaring, **values: Any) -> None:
    await db.execute(update(Verklaring).where(Verklaring.id == verklaring.id).values(**values))


async def test_the_batch_answers_every_question_as_the_check_does(
    process: Process, clock: MovableClock, db: AsyncSession
) -> None:
    now = clock.moment
    dag = timedelta(days=1)
    geldig, ingetrokken, geschorst, verlopen = [
        await _verklaring(process, kvk) for kvk in ("90000001", "90000002", "90000003", "90000004")
    ]
    unissued = await process.toegekend("90000005")
    # two lifted schorsingen of the valid one; the open one of the geschorste
    db.add_all(
        [
            Schorsing(verklaring_id=geldig.id, van=now - 30 * dag, tot=now - 20 * dag, reden="a"),
            Schorsing(verklaring_id=geldig.id, van=now - 10 * dag, tot=now - 5 * dag, reden="b"),
            Schorsing(verklaring_id=geschorst.id, van=now - 2 * dag, tot=None, reden="c"),
        ]
    )
    await _zet(db, ingetrokken, ingetrokken_op=now - 3 * dag, intrekking_reden="weg")
    await _zet(db, geschorst, geschorst_op=now - 2 * dag, schorsing_reden="c")
    await _zet(db, verlopen, geldig_van=(now - 400 * dag).date(), geldig_tot=(now - 40 * dag).date())
    await db.flush()
    for verklaring in (geldig, ingetrokken, geschorst, verlopen):
        await db.refresh(verklaring)

    def vraag(v: Verklaring, op: datetime, **other: Any) -> Verklaringvraag:
        values: dict[str, Any] = {
            "referentie": v.nummer,
            "deelnemer_id": v.deelnemer_id,
            "identificaties": (),
            "rol_code": ROL,
            "geldig_van": op.date(),
            "op": op,
        }
        return Verklaringvraag(**(values | other))

    moments = [now, now - 7 * dag, now - 25 * dag, now - 4 * dag, now - 60 * dag, now - 30 * dag]
    vragen = [vraag(v, op) for v in (geldig, ingetrokken, geschorst, verlopen) for op in moments]
    vragen += [
        vraag(geldig, now, referentie=f"  {geldig.nummer.lower()} "),
        vraag(geldig, now, rol_code="gtk-beheerder"),
        vraag(geldig, now, deelnemer_id=uuid.uuid4()),
        vraag(geldig, now, geldig_van=(now + 4000 * dag).date()),
        vraag(geldig, now, referentie="VK-1999-9999"),
        vraag(geldig, now, referentie=unissued),
    ]

    expected = [await verklaring_check(db, v) for v in vragen]
    with statements(db) as seen:
        answers = await verklaringen_check(session_snapshot(db), vragen)
    assert answers == expected
    assert len(seen) == 2, "the verklaringen, then the lifted schorsingen"
    assert {answer.reden for answer in answers if not answer.geldig} >= {
        f"Verklaring {geldig.nummer} was geschorst van {(now - 10 * dag).isoformat().replace('+00:00', 'Z')} "
        f"tot {(now - 5 * dag).isoformat().replace('+00:00', 'Z')}.",
    }
    assert any(answer.geldig for answer in answers)


async def test_check_verklaringen_asks_the_registered_batch_or_else_each_question(
    process: Process, db: AsyncSession, clock: MovableClock
) -> None:
    verklaring = await _verklaring(process, "90000001")
    vraag = Verklaringvraag(
        verklaring.nummer, verklaring.deelnemer_id, (), ROL, clock.moment.date(), clock.moment
    )
    with verklaring_check_installed(verklaring_check), statements(db) as seen:
        assert await check_verklaringen(db, [vraag, vraag]) == [Verklaringoordeel.ja()] * 2
    assert len(seen) == 2, "one statement for the verklaringen, one for the schorsingen"

    async def eigen(session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel:
        return Verklaringoordeel.nee(f"eigen oordeel over {vraag.referentie}")

    with verklaring_check_installed(eigen):
        assert await check_verklaringen(db, [vraag]) == [
            Verklaringoordeel.nee(f"eigen oordeel over {verklaring.nummer}")
        ]
    with verklaring_check_installed(None):
        assert await check_verklaringen(db, [vraag]) is None


async def test_the_rolcheck_judges_the_verklaring_on_its_own_snapshot_without_a_session(
    process: Process, db: AsyncSession, clock: MovableClock
) -> None:
    verklaring = await _verklaring(process, "90000001")
    catalogus = await catalogusstand(db)

    async def no_session() -> AsyncSession:
        raise AssertionError("the rolcheck asked for a session")

    async def rolcheck() -> Any:
        return await lookup.rolcheck(
            session_snapshot(db),
            "kvk:90000001",
            ROL,
            Peildatum.at(clock.moment),
            catalogus=catalogus,
            session=no_session,
        )

    with verklaring_check_installed(verklaring_check):
        assert (await rolcheck()).vervuld is True
        await _zet(db, verklaring, geschorst_op=clock.moment - timedelta(hours=1), schorsing_reden="c")
        geschorst = await rolcheck()
    assert (geschorst.vervuld, geschorst.reden_code) == (False, "verklaring-niet-geldig")
    assert f"Verklaring {verklaring.nummer} is geschorst sinds" in (geschorst.reden or "")
