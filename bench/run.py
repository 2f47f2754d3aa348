"""HTTP load runs: serve a generated register and load each scenario with wrk beside the baseline.

    python -m bench.run --register bench/out/sqlite-100k --workers 1 --duration 10 \\
        --label "SQLite, 1 worker" --out bench/out/results/sqlite-1w.json

For each scenario: a short warm-up, then the baseline (``GET /health/live``, a route of the same app
that returns a constant) and right after it the scenario, each for ``--duration`` seconds at 32
connections on 2 wrk threads. Measuring the baseline immediately before each scenario, alternating
through the run, cancels the drift of a shared machine; the report gives each scenario's
requests/s as a ratio to its own baseline. The requests rotate through thousands of real
identificaties, rolchecks and search terms of the register (see ``bench/lua/rotate.lua``), so
that nearly every lookup is computed afresh; two scenarios ask about the same 200 identificaties again
and again, plain and signed: the answers a worker keeps (:mod:`registry.readcache`), and the signing of
each answer beside them.

A scenario whose endpoint is not in this build is reported as "not available yet" and not loaded;
one whose first requests fail is reported with the answer it got.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import wrk
from bench.server import Server, postgres_cpu_seconds, serving
from bench.workspace import OUT_DIR, Register

BASELINE_PATH = "/health/live"
WARMUP_SECONDS = 2.0
MAX_REQUESTS = 20_000


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    body: str | None = None

    def line(self) -> str:
        return self.path if self.body is None else f"{self.path}\t{self.body}"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of request the portal answers, with the requests to rotate through."""

    key: str
    title: str
    requests: Callable[[dict[str, Any], Register], list[Request]]
    route: str  # "GET /api/v1/deelnemers" or "GET /dienstverleners" (a page)
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe=":")


def _lookups(workload: dict[str, Any], _register: Register) -> list[Request]:
    return [Request(f"/api/v1/deelnemers?identificatie={_quote(i)}") for i in workload["identificaties"]]


HOT_SET = 200
"""How many identificaties the repeated-lookup scenario asks about again and again."""


def _repeated_lookups(workload: dict[str, Any], register: Register) -> list[Request]:
    """A system checking the same counterparties over and over: answers the worker has kept."""
    return _lookups(workload, register)[:HOT_SET]


def _rolchecks(workload: dict[str, Any], _register: Register) -> list[Request]:
    return [
        Request(f"/api/v1/rolcheck?deelnemer={_quote(d)}&rol={_quote(r)}&peildatum={p}")
        for d, r, p in workload["rolchecks"]
    ]


def _zoek(workload: dict[str, Any], _register: Register) -> list[Request]:
    return [Request(f"/api/v1/deelnemers?zoek={_quote(term)}") for term in workload["zoek"]]


def _statuslijst(_workload: dict[str, Any], _register: Register) -> list[Request]:
    return [Request("/api/v1/statuslijsten/1")]


def _dienstverleners_pagina(workload: dict[str, Any], _register: Register) -> list[Request]:
    """The page filtered on regio, through its first pages."""
    regios = workload.get("dienstverlener_regios") or [""]
    return [
        Request(f"/dienstverleners?regio={_quote(regio)}&page={page}")
        for page in range(1, 6)
        for regio in regios
    ]


def _verificaties(_workload: dict[str, Any], register: Register) -> list[Request]:
    tokens = valid_attestations(register)
    return [Request("/api/v1/verificaties", json.dumps({"token": token})) for token in tokens]


def valid_attestations(register: Register) -> list[str]:
    """The attestation tokens of every afgegeven verklaring in the register (valid or not: the probe
    keeps the ones the portal itself calls valid)."""
    import asyncio

    from registry.database import create_engine

    async def read() -> list[str]:
        from sqlalchemy import select

        from verklaringen.models import Verklaring

        engine = create_engine(register.settings())
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    select(Verklaring.attestatie).where(Verklaring.attestatie.is_not(None))
                )
                return [str(row[0]) for row in rows]
        finally:
            await engine.dispose()

    try:
        return asyncio.run(read())
    except ImportError:
        return []


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("lookup", "Lookup by identificatie", _lookups, "GET /api/v1/deelnemers"),
    Scenario(
        "lookup-herhaald",
        f"Lookup by identificatie, the same {HOT_SET} again and again (answers kept)",
        _repeated_lookups,
        "GET /api/v1/deelnemers",
    ),
    Scenario("rolcheck", "Rolcheck with peildatum", _rolchecks, "GET /api/v1/rolcheck"),
    Scenario("zoek", "Search by name prefix (?zoek=)", _zoek, "GET /api/v1/deelnemers"),
    Scenario(
        "lookup-signed",
        "Lookup, signed answer (Accept: application/jwt)",
        _lookups,
        "GET /api/v1/deelnemers",
        headers={"Accept": "application/jwt"},
        content_type="application/jwt",
    ),
    Scenario(
        "lookup-signed-herhaald",
        f"Lookup, signed answer, the same {HOT_SET} again and again (answers kept, signed per request)",
        _repeated_lookups,
        "GET /api/v1/deelnemers",
        headers={"Accept": "application/jwt"},
        content_type="application/jwt",
    ),
    Scenario(
        "verificaties",
        "POST /api/v1/verificaties of a valid attestation",
        _verificaties,
        "POST /api/v1/verificaties",
        method="POST",
        headers={"Content-Type": "application/json"},
    ),
    Scenario(
        "statuslijst",
        "Status list (GET /api/v1/statuslijsten/1)",
        _statuslijst,
        "GET /api/v1/statuslijsten/{nummer}",
        content_type="application/statuslist+jwt",
    ),
    Scenario(
        "dienstverleners-pagina",
        "Public dienstverlener page, filtered (HTML)",
        _dienstverleners_pagina,
        "GET /dienstverleners",
        content_type="text/html",
    ),
)
SCENARIO_KEYS = tuple(scenario.key for scenario in SCENARIOS)


# --- probing -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def fetch(server: Server, request: Request, method: str, headers: dict[str, str]) -> Answer:
    data = request.body.encode("utf-8") if request.body is not None else None
    prepared = urllib.request.Request(
        server.base_url + request.path, data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            return Answer(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("Content-Type", ""), error.read())


def api_routes(server: Server) -> set[str]:
    """``METHOD /api/v1/path`` for every operation in the published OpenAPI document."""
    answer = fetch(server, Request("/api/v1/openapi.json"), "GET", {})
    if answer.status != 200:
        return set()
    document = json.loads(answer.body)
    return {
        f"{method.upper()} /api/v1{path}"
        for path, operations in document.get("paths", {}).items()
        for method in operations
    }


@dataclass(slots=True)
class Prepared:
    """A scenario ready to load, or why it cannot be."""

    scenario: Scenario
    requests: list[Request] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    auth: str = "anonymous"
    problem: str | None = None


def _body_is_valid(answer: Answer) -> bool:
    try:
        return bool(json.loads(answer.body).get("valid"))
    except (ValueError, AttributeError):
        return False


def prepare(
    scenario: Scenario, server: Server, workload: dict[str, Any], register: Register, routes: set[str]
) -> Prepared:
    """Build the requests and check a few of them; the load run uses only what answered well."""
    prepared = Prepared(scenario, headers=dict(scenario.headers))
    method, path = scenario.route.split(" ", 1)
    if path.startswith("/api/") and scenario.route not in routes:
        prepared.problem = f"not available yet ({scenario.route} is not in this build)"
        return prepared
    requests = scenario.requests(workload, register)[:MAX_REQUESTS]
    if not requests:
        prepared.problem = "not available yet (the register has nothing to ask for this scenario)"
        return prepared
    first = fetch(server, requests[0], method, prepared.headers)
    if first.status in (401, 403):
        prepared.headers["Authorization"] = f"Bearer {workload['bearer_token']}"
        prepared.auth = "api-client"
        first = fetch(server, requests[0], method, prepared.headers)
    if first.status == 404 and not path.startswith("/api/"):
        prepared.problem = f"not available yet ({scenario.route} answers 404)"
        return prepared
    if scenario.key == "verificaties":
        checked = [(request, fetch(server, request, method, prepared.headers)) for request in requests[:200]]
        requests = [request for request, answer in checked if answer.status == 200 and _body_is_valid(answer)]
        if not requests:
            prepared.problem = "no attestation in the register verifies as valid"
            return prepared
        first = checked[0][1]
    if first.status >= 300 or not first.content_type.startswith(scenario.content_type):
        prepared.problem = (
            f"first request answered {first.status} {first.content_type}: "
            f"{first.body[:200].decode('utf-8', 'replace')}"
        )
        return prepared
    prepared.requests = requests
    return prepared


# --- load ----------------------------------------------------------------------------------------------


def load(server: Server, prepared: Prepared, seconds: float, requests_file: Path) -> wrk.WrkResult:
    requests_file.write_text(
        "\n".join(request.line() for request in prepared.requests) + "\n", encoding="utf-8"
    )
    return wrk.run(
        server.base_url + prepared.requests[0].path.split("?", 1)[0],
        seconds=seconds,
        requests_file=requests_file,
        method=prepared.scenario.method,
        headers=prepared.headers,
    )


def baseline(server: Server, seconds: float) -> wrk.WrkResult:
    return wrk.run(server.base_url + BASELINE_PATH, seconds=seconds)


@dataclass(frozen=True, slots=True)
class CpuMeter:
    """CPU seconds used so far by the serving workers, PostgreSQL's processes and wrk (this process's
    finished children): per request of a run, where each request's work was done."""

    server: float
    postgres: float
    wrk: float

    @classmethod
    def read(cls, server: Server) -> CpuMeter:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(server.cpu_seconds(), postgres_cpu_seconds(), children.ru_utime + children.ru_stime)

    def per_request(self, before: CpuMeter, requests: int) -> dict[str, float]:
        """Microseconds of CPU per request since ``before``."""
        count = max(requests, 1)
        return {
            "server": round((self.server - before.server) * 1e6 / count),
            "postgres": round((self.postgres - before.postgres) * 1e6 / count),
            "wrk": round((self.wrk - before.wrk) * 1e6 / count),
        }


def _metered(server: Server, run: Callable[[], wrk.WrkResult]) -> tuple[wrk.WrkResult, dict[str, float]]:
    before = CpuMeter.read(server)
    result = run()
    return result, CpuMeter.read(server).per_request(before, result.requests)


def measure(
    server: Server, prepared: Prepared, seconds: float, work_dir: Path, warmup: float = WARMUP_SECONDS
) -> dict[str, Any]:
    """Warm-up, baseline, scenario: the scenario's figures and its ratio to the baseline, and the CPU
    each request cost the server, PostgreSQL and wrk."""
    requests_file = work_dir / f"{prepared.scenario.key}.requests"
    if warmup > 0:
        load(server, prepared, warmup, requests_file)
        server.settle()
    base, base_cpu = _metered(server, lambda: baseline(server, seconds))
    server.settle()
    result, cpu = _metered(server, lambda: load(server, prepared, seconds, requests_file))
    drained = server.settle()
    measured: dict[str, Any] = {
        "auth": prepared.auth,
        "baseline": base.to_json() | {"cpu_us": base_cpu},
        "result": result.to_json() | {"cpu_us": cpu},
        "ratio": round(result.requests_per_second / base.requests_per_second, 3)
        if base.requests_per_second
        else 0.0,
        "drain_seconds": round(drained, 1),
    }
    if result.requests == 0:
        measured["note"] = f"no request completed within {seconds:g} s"
    return measured


def run_configuration(
    register: Register,
    workers: int,
    seconds: float,
    label: str,
    scenario_keys: Sequence[str] = SCENARIO_KEYS,
    work_dir: Path | None = None,
) -> dict[str, Any]:
    """Serve ``register`` with ``workers`` processes and measure each scenario; returns the results."""
    workload = register.read_workload()
    work_dir = work_dir or OUT_DIR / "runs" / f"{register.directory.name}-{workers}w"
    work_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "label": label,
        "register": register.directory.name,
        "database": "sqlite" if register.is_sqlite else "postgresql",
        "workers": workers,
        "deelnemers": workload["deelnemers"],
        "seconds": seconds,
        "scenarios": {},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "file_cache_warmed_seconds": register.warm_file_cache(),
    }
    with serving(register, workers, work_dir / "server.log") as server:
        routes = api_routes(server)
        baseline(server, 1)  # the first requests of a fresh process are not representative
        server.settle()
        for scenario in SCENARIOS:
            if scenario.key not in scenario_keys:
                continue
            prepared = prepare(scenario, server, workload, register, routes)
            entry: dict[str, Any] = {"title": scenario.title, "route": scenario.route}
            if prepared.problem is not None:
                entry["status"] = "unavailable"
                entry["note"] = prepared.problem
                print(f"  {label}: {scenario.key}: {prepared.problem}", flush=True)
            else:
                entry |= measure(server, prepared, seconds, work_dir)
                entry["status"] = "ok"
                print(
                    f"  {label}: {scenario.key}: {entry['result']['requests_per_second']:.0f} req/s "
                    f"(baseline {entry['baseline']['requests_per_second']:.0f}, ratio {entry['ratio']}), "
                    f"p99 {entry['result']['p99_ms']:.1f} ms, errors {entry['result']['errors']}",
                    flush=True,
                )
            results["scenarios"][scenario.key] = entry
        results["worker_rss_mb"] = server.worker_rss_mb()
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--register", type=Path, required=True, help="a directory made by bench.generate")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--label", default=None)
    parser.add_argument("--scenarios", default=",".join(SCENARIO_KEYS), help="comma-separated keys")
    parser.add_argument("--out", type=Path, help="write the results (JSON) here")
    args = parser.parse_args(argv)
    workload_register = Register.sqlite(args.register)
    database_url = json.loads((args.register / "workload.json").read_text(encoding="utf-8"))["database_url"]
    register = Register(workload_register.directory, database_url)
    label = args.label or f"{'SQLite' if register.is_sqlite else 'PostgreSQL'}, {args.workers} worker(s)"
    results = run_configuration(register, args.workers, args.duration, label, args.scenarios.split(","))
    text = json.dumps(results, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
