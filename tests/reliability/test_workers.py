"""Two server workers (``stelsel serve --workers 2``) on one PostgreSQL database, written to at once.

Twenty afgiftes arrive together, spread over both worker processes, and then ten assignments of the
same role to the same deelnemer for the same period. Every afgifte succeeds and the verklaringen are
issued completely, each with a status list index of its own; exactly one of the assignments is made
and the others are refused with a clear conflict; no answer is a server error, and none speaks of a
deadlock or a serialization failure. And writes that queue behind a long write (an import) wait
for it instead of being told the register is unavailable. Only on PostgreSQL: SQLite is served by
one process.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie.models import Rolvervulling
from registry.settings import Settings
from tests.accounts.factories import text_of
from tests.reliability.databases import PG_URL_ENV, migrated_database
from tests.reliability.served import (
    ROL_ZONDER_VERKLARING,
    Beheerder,
    cpu_seconds,
    prepare_register,
    served_portal,
    settings_for,
)
from verklaringen.models import Document, Verklaring

pytestmark = pytest.mark.skipif(
    not os.environ.get(PG_URL_ENV),
    reason=f"several workers share one database only on PostgreSQL: set {PG_URL_ENV}",
)

WORKERS = 2
AFGIFTES = 20
TOEKENNINGEN = 10
BUSY = 0.05  # CPU seconds a worker uses at least while it serves writes (an idle one uses none)
DATABASE_TROUBLE = ("deadlock", "serializ", "could not obtain lock", "lock timeout")


@pytest.fixture
def register_settings(tmp_path: Path) -> Iterator[Settings]:
    with migrated_database("postgresql", tmp_path) as url:
        yield settings_for(url, tmp_path / "data")


async def test_two_workers_issue_and_assign_at_the_same_moment(
    register_settings: Settings, tmp_path: Path
) -> None:
    register = await prepare_register(register_settings, verklaringen=AFGIFTES, deelnemers=1)
    [deelnemer] = register.deelnemers

    async with served_portal(register_settings, tmp_path / "server.log", workers=WORKERS) as portal:
        workers = portal.worker_pids()
        assert len(workers) == WORKERS, f"worker processes {workers}:\n{portal.log_tail()}"
        busy_before = {pid: cpu_seconds(pid) for pid in workers}
        async with Beheerder(portal, register) as beheerder:
            afgiftes = await asyncio.gather(
                *(beheerder.geef_af(nummer, inhoud) for nummer, inhoud in register.verklaringen.items())
            )
            toekenningen = await asyncio.gather(
                *(
                    beheerder.ken_rol_toe(deelnemer, date(2026, 1, 1), f"BESLUIT-2026-{index:03d}")
                    for index in range(TOEKENNINGEN)
                )
            )
            # the same two workers served throughout: none died or was replaced by the supervisor
            assert portal.worker_pids() == workers, portal.log_tail()
            busy = {pid: cpu_seconds(pid) - busy_before[pid] for pid in workers}
            listed = (await beheerder.client.get("/api/v1/verklaringen", params={"pageSize": 100})).json()

    every_answer = [*afgiftes, *toekenningen]
    failed = [
        (a.status_code, a.request.url.path, a.headers.get("retry-after"), text_of(a.text)[:400])
        for a in every_answer
        if a.status_code >= 500
    ]
    assert failed == [], portal.log_tail()
    troubled = [a.text[:300] for a in every_answer if any(w in a.text.lower() for w in DATABASE_TROUBLE)]
    assert troubled == []
    # both workers took part: each used the CPU that serving writes takes
    assert all(seconds > BUSY for seconds in busy.values()), busy

    # (a) every afgifte succeeded, each verklaring complete and with its own status list index
    assert [a.status_code for a in afgiftes] == [303] * AFGIFTES, [a.text[:300] for a in afgiftes]
    assert sorted(a.headers["location"] for a in afgiftes) == sorted(
        f"/beheer/verklaringen/{nummer}" for nummer in register.verklaringen
    )
    published = sorted(item["nummer"] for item in listed["items"] if item["status"] == "geldig")
    assert published == sorted(register.verklaringen)

    # (b) one assignment made, the others refused as a conflict, readable to the beheerder
    statuses = sorted(t.status_code for t in toekenningen)
    assert statuses == [303] + [409] * (TOEKENNINGEN - 1), [text_of(t.text)[:300] for t in toekenningen]
    refused = [t for t in toekenningen if t.status_code == 409]
    assert all("overlapt" in text_of(t.text) for t in refused)

    engine = create_engine(register_settings)
    try:
        async with create_session_factory(engine)() as session:
            verklaringen = (await session.scalars(select(Verklaring))).all()
            assert {v.fase for v in verklaringen} == {"afgegeven"}
            assert len({v.nummer for v in verklaringen}) == AFGIFTES
            assert len({v.statuslijst_index for v in verklaringen}) == AFGIFTES
            for verklaring in verklaringen:
                document = await session.get(Document, verklaring.document_id)
                assert document is not None
                assert hashlib.sha256(document.inhoud).hexdigest() == verklaring.pdf_sha256
                assert verklaring.attestatie
                assert verklaring.rolvervulling_id is not None
            rollen = (
                await session.scalars(
                    select(Rolvervulling).where(
                        Rolvervulling.deelnemer_id == deelnemer,
                        Rolvervulling.rol_code == ROL_ZONDER_VERKLARING,
                    )
                )
            ).all()
            assert len(rollen) == 1
            events = (
                await session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.action.in_(["verklaring.afgegeven", "rolvervulling.toegekend"])
                    )
                )
            ).all()
            assert (
                sorted(e.action for e in events)
                == ["rolvervulling.toegekend"] * (AFGIFTES + 1) + ["verklaring.afgegeven"] * AFGIFTES
            )
            assert (await verify_chain(session)).ok
    finally:
        await engine.dispose()


WRITERS = 30  # more than one worker's connection pool holds (pool_size 10 + max_overflow 10)
LONG_WRITE = 8.0  # seconds: longer than STELSEL_DATABASE_TIMEOUT_SECONDS (5), as a large import takes


async def test_writes_queued_behind_a_long_write_wait_for_it_instead_of_503(
    register_settings: Settings, tmp_path: Path
) -> None:
    register = await prepare_register(register_settings, verklaringen=0, deelnemers=WRITERS)
    async with served_portal(register_settings, tmp_path / "server.log") as portal:
        engine = create_engine(register_settings)
        try:
            async with Beheerder(portal, register) as beheerder:
                # A long write holds the chain lock, as an import of a large file does.
                async with engine.begin() as long_write:
                    await long_write.execute(
                        text("SELECT seq FROM audit_head WHERE singleton = 1 FOR UPDATE")
                    )
                    writes = [
                        asyncio.create_task(
                            beheerder.ken_rol_toe(deelnemer, date(2026, 1, 1), "BESLUIT-2026-100")
                        )
                        for deelnemer in register.deelnemers
                    ]
                    await asyncio.sleep(LONG_WRITE)
                answers = await asyncio.gather(*writes)
        finally:
            await engine.dispose()

    outcome = sorted(a.status_code for a in answers)
    assert outcome == [303] * WRITERS, portal.log_tail(1500)
