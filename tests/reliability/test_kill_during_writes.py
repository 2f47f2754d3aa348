"""The server is killed (SIGKILL, server and workers at once) while writes are in flight.

The real server (``stelsel serve``) gets concurrent afgiftes of verklaringen, a CSV import of
deelnemers and role assignments from a beheerder's browser, and is killed after a random delay.
Afterwards the register holds each write completely or not at all: a verklaring is issued with its
signature, status list index, attestation, PDF, rolvervulling and audit event, or is still as it
was; the import registered every deelnemer of its file or none; every rolvervulling has its audit
event; every write that was answered is there; and the audit chain verifies. The server starts
again on the same database and serves, including the verklaringen issued just before the kill.

Several rounds with random kill moments run on one register (``KILL_SEED=n`` replays the moments).
The long variant (``make reliability``) runs more rounds with more writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie.models import DeelnemerIdentificatie, Rolvervulling
from registry.settings import Settings
from tests.ledenadministratie.bestanden import csv_bytes, regel
from tests.reliability.databases import migrated_database
from tests.reliability.served import (
    Beheerder,
    Register,
    ServedPortal,
    prepare_register,
    settings_for,
    stelsel,
)
from verklaringen.embedded_files import extract_attestation
from verklaringen.models import Aanmelding, Document, Verklaring

LONG = os.environ.get("STELSEL_LONG_RELIABILITY") == "1"


@dataclass(frozen=True)
class Variant:
    rounds: int
    afgiftes: int  # per round
    rollen: int  # per round
    regels: int  # in the import file of each round
    longest_delay: float  # the kill comes up to this many seconds after the start or the first answer


SHORT_VARIANT = Variant(rounds=3, afgiftes=4, rollen=4, regels=1_500, longest_delay=1.0)
LONG_VARIANT = Variant(rounds=9, afgiftes=8, rollen=8, regels=5_000, longest_delay=3.0)

NO_ANSWER = 0  # a write whose answer never came: the server died first
DONE = 303  # each of these forms answers a completed write with a redirect


@pytest.fixture
def register_settings(db_backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A migrated database of this test's own (SQLite, or a new database on the PostgreSQL server)."""
    with migrated_database(db_backend, tmp_path) as url:
        yield settings_for(url, tmp_path / "data")


@dataclass
class Round:
    """The writes of one round and what the beheerder's browser got back."""

    number: int
    delay: float
    after_first_answer: bool  # the delay counts from the first answer instead of from the start
    afgiftes: list[str]
    deelnemers: list[uuid.UUID]
    import_naam: str
    import_kvk: list[str]
    before: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def moment(self) -> str:
        anchor = "the first answer" if self.after_first_answer else "the start"
        return f"killed {self.delay:.2f} s after {anchor}"

    def answer(self, key: str) -> int:
        return self.answers[key]


def _import_file(round_number: int, regels: int) -> tuple[list[str], bytes]:
    kvk = [f"95{round_number:02d}{index:04d}" for index in range(regels)]
    rows = [
        regel(f"Jeugdhulp Ronde {round_number} nummer {index}", nummer) for index, nummer in enumerate(kvk)
    ]
    return kvk, csv_bytes(rows)


async def _as_it_was(session: AsyncSession, nummer: str) -> tuple[Any, ...]:
    """What an afgifte changes of a verklaring, to compare with after the kill."""
    verklaring = await session.scalar(
        select(Verklaring).where(Verklaring.nummer == nummer).execution_options(populate_existing=True)
    )
    assert verklaring is not None
    aanmelding = await session.get(Aanmelding, verklaring.aanmelding_id, populate_existing=True)
    assert aanmelding is not None
    return (
        verklaring.fase,
        verklaring.statuslijst_index,
        verklaring.attestatie,
        verklaring.document_id,
        verklaring.pdf_sha256,
        verklaring.rolvervulling_id,
        verklaring.afgegeven_op,
        sorted(o.partij for o in verklaring.ondertekeningen),
        aanmelding.status,
    )


async def _events(session: AsyncSession, action: str, entity_id: str) -> list[AuditEvent]:
    return list(
        (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity_id == entity_id)
            )
        ).all()
    )


async def _fire_and_kill(portal: ServedPortal, register: Register, ronde: Round, csv: bytes) -> None:
    """Start every write of the round at once and kill the server ``ronde.delay`` seconds later
    (after the first answer when the round says so: how long an afgifte takes depends on the
    machine, so that the kill also comes when some writes are done and others are not)."""
    async with Beheerder(portal, register) as beheerder:
        import_path = await beheerder.controleer_import(csv, ronde.import_naam)
        writes = {
            **{
                f"afgifte {nummer}": beheerder.geef_af(nummer, register.verklaringen[nummer])
                for nummer in ronde.afgiftes
            },
            "import": beheerder.post_form(import_path, {}),
            **{
                f"rol {deelnemer}": beheerder.ken_rol_toe(
                    deelnemer, date(2026, 1, 1), f"BESLUIT-{ronde.number}"
                )
                for deelnemer in ronde.deelnemers
            },
        }
        tasks = {key: asyncio.create_task(write) for key, write in writes.items()}
        if ronde.after_first_answer:
            await asyncio.wait(tasks.values(), return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(ronde.delay)
        portal.kill()
        outcomes = await asyncio.gather(*tasks.values(), return_exceptions=True)
    for key, outcome in zip(tasks, outcomes, strict=True):
        if isinstance(outcome, httpx.TransportError):
            ronde.answers[key] = NO_ANSWER
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            ronde.answers[key] = outcome.status_code


async def _check_after_kill(settings: Settings, register: Register, ronde: Round) -> list[str]:
    """Every write of the round complete or absent; returns the verklaringen that were issued."""
    context = f"round {ronde.number}, {ronde.moment}, answers {ronde.answers}"
    issued: list[str] = []
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            for nummer in ronde.afgiftes:
                state = await _as_it_was(session, nummer)
                events = await _events(session, "verklaring.afgegeven", nummer)
                granted = (
                    await session.scalars(
                        select(Rolvervulling).where(Rolvervulling.basis_referentie == nummer)
                    )
                ).all()
                if state[0] != "afgegeven":
                    assert state == ronde.before[nummer], f"{nummer} half issued: {state}; {context}"
                    assert (events, granted) == ([], []), f"{nummer} left traces; {context}"
                    assert ronde.answer(f"afgifte {nummer}") == NO_ANSWER, context
                    continue
                issued.append(nummer)
                verklaring = await session.scalar(select(Verklaring).where(Verklaring.nummer == nummer))
                assert verklaring is not None
                document = await session.get(Document, verklaring.document_id)
                assert document is not None, f"{nummer} issued without its PDF; {context}"
                assert document.sha256 == verklaring.pdf_sha256 == hashlib.sha256(document.inhoud).hexdigest()
                assert extract_attestation(document.inhoud) == verklaring.attestatie
                assert verklaring.statuslijst_index is not None
                assert sorted(o.partij for o in verklaring.ondertekeningen) == ["deelnemer", "stelsel"]
                assert [r.id for r in granted] == [verklaring.rolvervulling_id], context
                assert len(events) == 1, context
                assert state[-1] == "afgerond", context
                assert ronde.answer(f"afgifte {nummer}") in {DONE, NO_ANSWER}, context

            kvk_count = await session.scalar(
                select(func.count(func.distinct(DeelnemerIdentificatie.deelnemer_id))).where(
                    DeelnemerIdentificatie.soort == "kvk", DeelnemerIdentificatie.waarde.in_(ronde.import_kvk)
                )
            )
            imports = [
                event
                for event in (
                    await session.scalars(
                        select(AuditEvent).where(AuditEvent.action == "deelnemers.geimporteerd")
                    )
                ).all()
                if event.changes["bestand"]["after"] == ronde.import_naam
            ]
            if kvk_count:
                assert kvk_count == len(ronde.import_kvk), f"import of {kvk_count} regels; {context}"
                assert [e.changes["aantal"]["after"] for e in imports] == [len(ronde.import_kvk)], context
                assert ronde.answer("import") in {DONE, NO_ANSWER}, context
            else:
                assert imports == [], context
                assert ronde.answer("import") == NO_ANSWER, context

            for deelnemer in ronde.deelnemers:
                rollen = (
                    await session.scalars(
                        select(Rolvervulling).where(Rolvervulling.deelnemer_id == deelnemer)
                    )
                ).all()
                assert len(rollen) <= 1, context
                if not rollen:
                    assert ronde.answer(f"rol {deelnemer}") == NO_ANSWER, context
                else:
                    assert ronde.answer(f"rol {deelnemer}") in {DONE, NO_ANSWER}, context

            every_role = (await session.scalars(select(Rolvervulling))).all()
            for rolvervulling in every_role:
                assert len(await _events(session, "rolvervulling.toegekend", str(rolvervulling.id))) == 1, (
                    f"rolvervulling {rolvervulling.id} without its audit event; {context}"
                )
            report = await verify_chain(session)
            assert report.ok, f"audit chain broken at {report.broken_seq}: {report.problem}; {context}"
    finally:
        await engine.dispose()
    return issued


async def _check_served(portal: ServedPortal, register: Register, issued: list[str]) -> None:
    """After a restart the portal serves, and every verklaring issued before the kill verifies."""
    async with Beheerder(portal, register) as beheerder:
        client = beheerder.client
        assert (await client.get("/beheer/verklaringen")).status_code == 200
        for nummer in issued:
            token = (await client.get(f"/api/v1/verklaringen/{nummer}/attestatie")).text
            verification = (await client.post("/api/v1/verificaties", json={"token": token})).json()
            assert verification["valid"], (nummer, verification["reasons"])
            pdf = await client.get(f"/api/v1/verklaringen/{nummer}/pdf")
            assert pdf.status_code == 200
            assert extract_attestation(pdf.content) == token


async def _snapshot(settings: Settings, nummers: list[str]) -> dict[str, tuple[Any, ...]]:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            return {nummer: await _as_it_was(session, nummer) for nummer in nummers}
    finally:
        await engine.dispose()


async def test_a_killed_server_leaves_every_write_complete_or_absent(
    register_settings: Settings, tmp_path: Path
) -> None:
    variant = LONG_VARIANT if LONG else SHORT_VARIANT
    seed = int(os.environ.get("KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    register = await prepare_register(
        register_settings,
        verklaringen=variant.rounds * variant.afgiftes,
        deelnemers=variant.rounds * variant.rollen,
    )
    nummers = list(register.verklaringen)
    portal = ServedPortal(register_settings, tmp_path / "server.log")
    rounds: list[Round] = []
    issued: list[str] = []
    try:
        for number in range(variant.rounds):
            await portal.start()
            await _check_served(portal, register, issued)
            kvk, csv = _import_file(number, variant.regels)
            ronde = Round(
                number=number,
                delay=rng.uniform(0.0, variant.longest_delay),
                after_first_answer=number % 3 != 0,
                afgiftes=nummers[number * variant.afgiftes : (number + 1) * variant.afgiftes],
                deelnemers=register.deelnemers[number * variant.rollen : (number + 1) * variant.rollen],
                import_naam=f"leden-ronde-{number}.csv",
                import_kvk=kvk,
            )
            ronde.before = await _snapshot(register_settings, ronde.afgiftes)
            await _fire_and_kill(portal, register, ronde, csv)
            rounds.append(ronde)
            issued += await _check_after_kill(register_settings, register, ronde)

        await portal.start()
        await _check_served(portal, register, issued)
    finally:
        portal.kill()

    verified = stelsel(register_settings, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # The kills came while writes were under way, and some writes got through: else this proved little.
    cut_off = sum(answer == NO_ANSWER for ronde in rounds for answer in ronde.answers.values())
    answered = sum(answer == DONE for ronde in rounds for answer in ronde.answers.values())
    summary = f"seed {seed}: " + "; ".join(f"{r.moment}: {sorted(r.answers.values())}" for r in rounds)
    assert cut_off > 0, summary
    assert answered + len(issued) > 0, summary
