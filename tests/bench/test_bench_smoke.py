"""The benchmark suite's own pieces, at a size that runs in seconds: no load runs, no timings asserted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench import profile, report, wrk
from bench.generate import generate
from bench.workspace import Register
from registry.audit.services import verify_chain
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie.identifiers import parse_identificatie

# Captured from `wrk --threads=2 --connections=32 --duration=3s --latency` against /health/live.
WRK_REPORT = """\
Running 3s test @ http://127.0.0.1:56515/health/live
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    35.25ms   65.85ms 325.77ms   87.10%
    Req/Sec     1.97k     1.33k    4.74k    60.78%
  Latency Distribution
     50%    5.69ms
     75%   19.11ms
     90%  140.04ms
     99%  286.98ms
  10465 requests in 3.04s, 5.61MB read
Requests/sec:   3440.95
Transfer/sec:      1.84MB
"""

WRK_REPORT_WITH_ERRORS = """\
Running 10s test @ http://127.0.0.1:40111/api/v1/deelnemers
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.40us    1.02ms  1.20s    97.50%
    Req/Sec     5.01k   400.12     6.00k    70.00%
  Latency Distribution
     50%  640.00us
     75%  900.00us
     90%    1.50ms
     99%    1.01s
  100200 requests in 10.00s, 40.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 7
  Non-2xx or 3xx responses: 13
Requests/sec:  10020.00
Transfer/sec:      4.01MB
"""


def test_wrk_report_is_read_in_milliseconds() -> None:
    result = wrk.parse(WRK_REPORT)
    assert result.requests == 10465
    assert result.seconds == pytest.approx(3.04)
    assert result.requests_per_second == pytest.approx(3440.95)
    assert (result.p50_ms, result.p99_ms) == (pytest.approx(5.69), pytest.approx(286.98))
    assert result.errors == 0


def test_wrk_errors_and_units_are_counted() -> None:
    result = wrk.parse(WRK_REPORT_WITH_ERRORS)
    assert result.p50_ms == pytest.approx(0.64)
    assert result.p90_ms == pytest.approx(1.5)
    assert result.p99_ms == pytest.approx(1010.0)
    assert (result.non_2xx, result.read_errors, result.timeouts) == (13, 2, 7)
    assert result.errors == 22


def test_a_report_without_latency_distribution_is_refused() -> None:
    with pytest.raises(wrk.WrkError):
        wrk.parse("Running 1s test @ http://127.0.0.1:1/\nRequests/sec: 1.00\n")


def test_load_runs_refuse_addresses_off_this_machine() -> None:
    with pytest.raises(wrk.WrkError):
        wrk.run("http://192.0.2.1/health/live", seconds=1)


def test_profile_folds_the_event_loop_thread_only() -> None:
    raw = (
        "<module> (stelsel:8);run (asyncio/runners.py:190);Runner.run (asyncio/runners.py:118) 30\n"
        "<module> (stelsel:8);Handle._run (asyncio/events.py:80);"
        "check_rol (registry/ledenadministratie/services/lookup.py:420);"
        "execute (sqlalchemy/orm/session.py:2313) 60\n"
        "<module> (stelsel:8);Handle._run (asyncio/events.py:80);dumps (jose/jws.py:12) 10\n"
        "Thread._bootstrap (threading.py:1002);_connection_worker_thread (aiosqlite/core.py:59) 500\n"
    )
    folded = profile.fold(raw)
    assert (folded.samples, folded.busy) == (100, 70)
    assert folded.own[0] == ("execute (sqlalchemy/orm/session.py:2313)", pytest.approx(85.7))
    assert dict(folded.packages)["jose"] == pytest.approx(14.3)


@pytest.fixture(scope="module")
def tiny_register(tmp_path_factory: pytest.TempPathFactory) -> Register:
    register = Register.sqlite(tmp_path_factory.mktemp("bench") / "tiny")
    generate(register, 200, seed=11, verklaringen_per_state=0)
    return register


def test_generator_builds_a_register_with_history(tiny_register: Register) -> None:
    workload = tiny_register.read_workload()
    rows = workload["rows"]
    assert rows["deelnemer"] == 200
    assert rows["rolvervulling"] == 600  # three each: two current, one ended
    assert rows["rolvervulling_wijziging"] == 800  # granted three times, ended once
    assert rows["deelnemer_statusperiode"] > 200
    assert rows["ondersteuningsrelatie"] > 0
    assert len(workload["identificaties"]) == 200
    for text in workload["identificaties"]:
        assert parse_identificatie(text).soort.value == "kvk"
    assert workload["rolchecks"]
    assert workload["zoek"]
    assert workload["bearer_token"]


def test_generated_audit_trail_verifies(tiny_register: Register) -> None:
    async def check() -> tuple[bool, int]:
        engine = create_engine(tiny_register.settings())
        try:
            async with create_session_factory(engine)() as session:
                chain = await verify_chain(session)
                return chain.ok, chain.checked
        finally:
            await engine.dispose()

    ok, checked = asyncio.run(check())
    assert ok
    assert checked > 200  # one event per deelnemer and per ondersteuningsrelatie, and more


def test_generation_is_deterministic(tiny_register: Register, tmp_path: Path) -> None:
    again = Register.sqlite(tmp_path / "again")
    generate(again, 200, seed=11, verklaringen_per_state=0)
    first, second = tiny_register.read_workload(), again.read_workload()
    assert first["identificaties"] == second["identificaties"]
    assert first["rows"] == second["rows"]


def test_report_states_every_target_even_before_a_run() -> None:
    results = {
        "date": "2026-11-23",
        "machine": {
            "nproc": 2,
            "cpu": "test",
            "memory_gb": 1,
            "python": "3.11",
            "sqlite": "3",
            "load_average": "0",
        },
        "configurations": {},
    }
    markdown = report.render(results)
    assert markdown.count("not measured") >= 9
    assert "Lookup by identificatie: ≥ 50% of baseline req/s, p99 ≤ 10 ms" in markdown


def test_generator_hashes_events_byte_for_byte_as_the_audit_service() -> None:
    from datetime import UTC, datetime
    from json.encoder import encode_basestring  # type: ignore[attr-defined]

    from bench.generate import ACTOR, Calendar, _created, _json_list, chain_hash, event_prefix
    from registry.audit.services import event_hash

    calendar = Calendar()
    naam = 'Zorg "Súdwest-Fryslân" \\ ø'
    moment = int(datetime(2024, 3, 31, 7, 5, 9, tzinfo=UTC).timestamp())
    changes = {
        "naam": {"before": None, "after": naam},
        "rolvervullingen": {"before": None, "after": ["a 2024-01-01/", "b"]},
        "leeg": {"before": None, "after": []},
    }
    canonical = (
        f'{{"leeg":{_created(_json_list([]))},'
        f'"naam":{_created(encode_basestring(naam))},'
        f'"rolvervullingen":{_created(_json_list(["a 2024-01-01/", "b"]))}}}'
    )
    assert calendar.moment(moment) == "2024-03-31 07:05:09.000000"
    prefix = event_prefix(calendar.isoformat(moment), "deelnemer.ingelezen", "deelnemer", "x-1", canonical)
    expected = event_hash(
        seq=123457,
        occurred_at=datetime(2024, 3, 31, 7, 5, 9, tzinfo=UTC),
        actor_kind=ACTOR.kind,
        actor_id=ACTOR.id,
        actor_name=ACTOR.name,
        action="deelnemer.ingelezen",
        entity_type="deelnemer",
        entity_id="x-1",
        changes=changes,
        prev_hash="ab" * 32,
    )
    assert chain_hash(prefix, 123457, "ab" * 32) == expected


def test_generated_sqlite_register_is_left_as_the_app_expects(tiny_register: Register) -> None:
    import sqlite3

    connection = sqlite3.connect(tiny_register.sqlite_path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"ix_deelnemer_zoeknaam", "ix_deelnemer_identificatie_waarde", "ix_audit_event_seq"} <= indexes
    finally:
        connection.close()
