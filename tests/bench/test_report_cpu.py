"""The CPU accounting of the load runs as the report reads it."""

from __future__ import annotations

from typing import Any

from bench.report import _configuration_table, worker_ceiling


def _entry(server: int, postgres: int, wrk: int) -> dict[str, Any]:
    baseline_cpu = {"server": 250, "postgres": 0, "wrk": 40}
    run = {"requests": 1000, "requests_per_second": 500.0, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0}
    return {
        "title": "Lookup by identificatie",
        "status": "ok",
        "auth": "anonymous",
        "ratio": 0.25,
        "result": run | {"cpu_us": {"server": server, "postgres": postgres, "wrk": wrk}},
        "baseline": run | {"requests_per_second": 2000.0, "cpu_us": baseline_cpu},
    }


def test_two_workers_can_at_most_use_what_the_cores_leave_them() -> None:
    # 1000 µs in the worker, 600 in PostgreSQL, 400 in wrk: two cores give two workers at most 1×
    assert worker_ceiling(_entry(1000, 600, 400), cores=2) == 1.0
    # with little work beside the worker, two workers may double the rate, never more
    assert worker_ceiling(_entry(1000, 0, 0), cores=2) == 2.0
    assert worker_ceiling(_entry(1000, 100, 25), cores=2) == 2000 / 1125


def test_the_table_shows_the_cpu_per_request() -> None:
    table = _configuration_table({"scenarios": {"lookup": _entry(1000, 600, 400)}})
    assert "| 1000 (250) · 600 · 400 |" in table[-1]


def test_runs_measured_without_cpu_figures_still_render() -> None:
    entry = _entry(1000, 0, 0)
    del entry["result"]["cpu_us"]
    assert worker_ceiling(entry, cores=2) is None
    assert "| – | anonymous |" in _configuration_table({"scenarios": {"lookup": entry}})[-1]
