"""The afgifte renders its PDF before its write transaction takes the audit chain lock: other writes
commit while a PDF renders, and what was rendered is still exactly what is stored.

The renderers here block in their thread (the afgifte renders in a worker thread) until the test
lets them go, each wait bounded, so a lock held during rendering shows as a timeout, not a hang.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections.abc import AsyncIterator, Sequence
from random import Random
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.audit.models import AuditEvent
from registry.audit.services import Actor, audited_write, verify_chain
from registry.database import create_engine, create_session_factory
from registry.errors import InvalidTransition
from registry.ledenadministratie.models import Rolvervulling
from tests.conftest import MovableClock
from tests.verklaringen.conftest import Process
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import schemas
from verklaringen.attestation import numeric_date
from verklaringen.embedded_files import extract_attestation
from verklaringen.models import Document, Intake, Intakeantwoord, Verklaring
from verklaringen.pdf import Bijlage
from verklaringen.services.queries import find_verklaring

WAIT = 10.0
"""Seconds any step may wait for another; far more than each takes when nothing holds a lock."""


class GatedRenderer(FakePdfRenderer):
    """Signals each render as it starts; the first ``gated`` renders then wait for :attr:`go`."""

    def __init__(self, gated: int = 1) -> None:
        super().__init__()
        self.gated = gated
        self.started = threading.Semaphore(0)
        self.go = threading.Event()
        self._count = 0
        self._count_lock = threading.Lock()

    def render(self, html: str, *, bijlagen: Sequence[Bijlage] = ()) -> bytes:
        with self._count_lock:
            self._count += 1
            gated = self._count <= self.gated
        self.started.release()
        if gated and not self.go.wait(WAIT):
            raise TimeoutError("the test never let the renderer finish")
        return super().render(html, bijlagen=bijlagen)

    async def wait_started(self, count: int = 1) -> None:
        """Until ``count`` renders have started (each wait bounded)."""
        for _ in range(count):
            assert await asyncio.to_thread(self.started.acquire, True, WAIT), "no render started"


@pytest.fixture
async def sessions(process: Process) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of their own (own connections), as concurrent requests have."""
    engine = create_engine(process.settings)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def _geef_af(
    sessions: async_sessionmaker[AsyncSession],
    process: Process,
    nummer: str,
    renderer: FakePdfRenderer,
    rng: Random | None = None,
) -> schemas.Verklaring:
    async with sessions() as session:
        return await process.geef_af(nummer, session=session, renderer=renderer, rng=rng)


async def _andere_schrijfactie(sessions: async_sessionmaker[AsyncSession], process: Process) -> int:
    """Any other write of the register: a transaction that appends to the audit chain."""
    async with sessions() as session, audited_write(session, Actor.system("test"), process.clock) as tx:
        tx.record("test.schrijfactie", "test", "1")
    return tx.last_seq


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


async def _opgeslagen(db: AsyncSession, nummer: str) -> tuple[Verklaring, bytes]:
    verklaring = await find_verklaring(db, nummer, lock=True)
    pdf = await db.scalar(select(Document.inhoud).where(Document.id == verklaring.document_id))
    assert pdf is not None
    return verklaring, pdf


def _assert_document_is_the_record(verklaring: Verklaring, pdf: bytes) -> None:
    """The PDF carries the stored attestation, and that states the stored afgifte."""
    assert verklaring.attestatie is not None
    assert verklaring.afgegeven_op is not None
    assert extract_attestation(pdf) == verklaring.attestatie
    claims = _claims(verklaring.attestatie)
    assert claims["jti"] == verklaring.nummer
    assert claims["iat"] == numeric_date(verklaring.afgegeven_op)
    assert claims["status"]["status_list"]["idx"] == verklaring.statuslijst_index
    assert [(o["partij"], o["naam"], o["tijdstip"]) for o in claims["ondertekeningen"]] == [
        (o.partij, o.ondertekenaar_naam, numeric_date(o.ondertekend_op)) for o in verklaring.ondertekeningen
    ]


async def test_another_write_commits_while_the_pdf_renders(
    process: Process, db: AsyncSession, clock: MovableClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    nummer = await process.ondertekend_door_deelnemer("90000061")
    signed_at = clock.now()
    renderer = GatedRenderer()
    issuing = asyncio.create_task(_geef_af(sessions, process, nummer, renderer))
    try:
        await renderer.wait_started()
        clock.advance(seconds=5)
        other_seq = await asyncio.wait_for(_andere_schrijfactie(sessions, process), WAIT / 2)
    finally:
        renderer.go.set()
    issued = await asyncio.wait_for(issuing, WAIT)

    assert issued.fase == "afgegeven"
    verklaring, pdf = await _opgeslagen(db, nummer)
    _assert_document_is_the_record(verklaring, pdf)
    assert verklaring.afgegeven_op == signed_at
    assert [o.ondertekend_op for o in verklaring.ondertekeningen][-1] == signed_at
    afgifte_events = await db.scalars(
        select(AuditEvent.seq).where(
            AuditEvent.action == "verklaring.afgegeven", AuditEvent.entity_id == nummer
        )
    )
    assert all(seq > other_seq for seq in afgifte_events)
    assert (await verify_chain(db)).ok


async def test_two_afgiftes_of_one_verklaring_render_together_and_only_one_issues(
    process: Process, db: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    nummer = await process.ondertekend_door_deelnemer("90000062")
    renderer = GatedRenderer(gated=2)
    tasks = [asyncio.create_task(_geef_af(sessions, process, nummer, renderer)) for _ in range(2)]
    try:
        await renderer.wait_started(2)
    finally:
        renderer.go.set()
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["InvalidTransition", "Verklaring"]
    assert any(isinstance(outcome, InvalidTransition) for outcome in outcomes)
    verklaring, pdf = await _opgeslagen(db, nummer)
    assert [o.partij for o in verklaring.ondertekeningen] == ["deelnemer", "stelsel"]
    _assert_document_is_the_record(verklaring, pdf)
    documents = await db.scalar(
        select(func.count()).select_from(Document).where(Document.soort == "verklaring")
    )
    granted = await db.scalar(select(func.count()).select_from(Rolvervulling))
    assert (documents, granted) == (1, 1)
    assert (await verify_chain(db)).ok


async def test_a_status_list_index_taken_while_rendering_is_chosen_again(
    process: Process, db: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    nummers = [await process.ondertekend_door_deelnemer(kvk) for kvk in ("90000063", "90000064")]
    renderer = GatedRenderer(gated=2)
    # The same random sequence: both afgiftes pick the same free index before either is stored.
    tasks = [asyncio.create_task(_geef_af(sessions, process, n, renderer, Random(7))) for n in nummers]
    try:
        await renderer.wait_started(2)
    finally:
        renderer.go.set()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT)

    stored = [await _opgeslagen(db, nummer) for nummer in nummers]
    for verklaring, pdf in stored:
        _assert_document_is_the_record(verklaring, pdf)
    assert len({verklaring.statuslijst_index for verklaring, _ in stored}) == 2
    assert len(renderer.rendered) == 3
    assert (await verify_chain(db)).ok


async def test_a_duty_text_changed_while_rendering_is_rendered_again(
    process: Process, db: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    nummer = await process.ondertekend_door_deelnemer("90000065")
    aanmelding_id = (await find_verklaring(db, nummer)).aanmelding_id
    renderer = GatedRenderer()
    issuing = asyncio.create_task(_geef_af(sessions, process, nummer, renderer))
    try:
        await renderer.wait_started()
        async with sessions() as session, session.begin():
            intake_id = select(Intake.id).where(Intake.aanmelding_id == aanmelding_id).scalar_subquery()
            await session.execute(
                update(Intakeantwoord)
                .where(Intakeantwoord.intake_id == intake_id)
                .values(tekst=Intakeantwoord.tekst + " (herzien)")
            )
    finally:
        renderer.go.set()
    await asyncio.wait_for(issuing, WAIT)

    assert len(renderer.rendered) == 2
    assert "(herzien)" not in renderer.rendered[0]
    assert "(herzien)" in renderer.rendered[1]
    verklaring, pdf = await _opgeslagen(db, nummer)
    _assert_document_is_the_record(verklaring, pdf)
    assert hashlib.sha256(renderer.rendered[1].encode()).hexdigest().encode() in pdf
