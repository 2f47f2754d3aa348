"""The whole benchmark, end to end: ``make bench`` (or ``make bench-quick`` for a smoke run).

    python -m bench.suite [--quick] [--duration 10] [--reuse] [--no-postgres]

1. generates the registers: SQLite at 10k, 100k and 1M deelnemers, PostgreSQL at 100k (when a server
   answers on 127.0.0.1:5432); ``--reuse`` keeps a register whose workload says it has the same size;
2. checks the query plans of the lookups (``bench/explain.py``) on SQLite and PostgreSQL;
3. times the afgifte of verklaringen through the service layer on the 100k SQLite register;
4. serves each configuration (SQLite 1 and 2 workers, PostgreSQL 1 and 2 workers, at 100k) and loads
   every scenario beside the baseline (``bench/run.py``);
5. measures lookup growth at 10k and 1M (100k comes from step 4) and the workers' RSS;
6. the in-process floors (``bench/floors.py``) and the CSV import of 100k deelnemers;
7. profiles, with py-spy, each throughput target that was not met;
8. writes ``bench/out/results.json`` and ``bench/RESULTS.md``.

Exits with status 1 when a lookup's query plan reads a whole table (after writing the results).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import afgifte, explain, floors, report, run, wrk
from bench.generate import generate
from bench.profile import profile_command, profile_while
from bench.server import serving
from bench.workspace import BENCH_DIR, DEFAULT_POSTGRES_SERVER, OUT_DIR, Register, postgres_url
from registry import migrate

RESULTS_JSON = OUT_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "RESULTS.md"


def machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    postgres = None
    try:
        version = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "test", "-tAc", "show server_version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        postgres = f"PostgreSQL {version}" if version else None
    except OSError:
        postgres = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres or "no PostgreSQL",
        "load_average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "wrk": subprocess.run(
            [wrk.wrk_binary(), "-v"], capture_output=True, text=True, check=False
        ).stdout.split("\n")[0],
    }


def postgres_available(server_url: str) -> bool:
    async def probe() -> bool:
        import asyncpg  # type: ignore[import-untyped]
        from sqlalchemy.engine import make_url

        url = make_url(server_url)
        try:
            connection = await asyncpg.connect(
                host=url.host, port=url.port or 5432, user=url.username, database=url.database, timeout=5
            )
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await connection.close()
        return True

    return asyncio.run(probe())


def register_for(
    name: str, deelnemers: int, *, postgres: str | None, reuse: bool, per_state: int
) -> tuple[Register, dict[str, Any]]:
    directory = OUT_DIR / name
    register = (
        Register(directory, postgres_url(postgres, f"stelsel_bench_{name.replace('-', '_')}"))
        if postgres
        else Register.sqlite(directory)
    )
    if reuse:
        wait_for_other_generator(register)
    if reuse and register.workload_path.exists():
        workload = register.read_workload()
        if workload.get("deelnemers") == deelnemers and workload.get("database_url") == register.database_url:
            print(f"bench: reusing {name} ({deelnemers:,} deelnemers)", flush=True)
            migrate.upgrade(register.settings())  # a register kept from before a new migration
            return register, workload
    print(f"bench: generating {name} ({deelnemers:,} deelnemers)", flush=True)
    workload = generate(register, deelnemers, postgres_server=postgres, verklaringen_per_state=per_state)
    print(f"bench: {name} generated in {workload['generate_seconds']} s", flush=True)
    return register, workload


def wait_for_other_generator(register: Register, quiet_seconds: float = 120.0) -> None:
    """With ``--reuse``: a register directory without its workload whose files still change is being
    generated by another process (an earlier ``python -m bench.generate``); wait for it to finish
    rather than replace it under its feet."""
    while register.directory.exists() and not register.workload_path.exists():
        files = [path for path in register.directory.rglob("*") if path.is_file()]
        newest = max((path.stat().st_mtime for path in files), default=0.0)
        if time.time() - newest > quiet_seconds:
            return
        print(f"bench: {register.directory.name} is being generated by another process; waiting", flush=True)
        time.sleep(30)


def _register_summary(workload: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "deelnemers",
        "rows",
        "insert_seconds",
        "insert_cpu_seconds",
        "generate_seconds",
        "verklaringen",
        "verklaringen_seconds",
        "audit",
    )
    return {key: workload.get(key) for key in keys}


def csv_import(register: Register, deelnemers: int) -> dict[str, Any]:
    from bench import csvimport

    return csvimport.measure(register, deelnemers)


def growth_entry(register: Register, seconds: float, workload: dict[str, Any]) -> dict[str, Any]:
    """Lookup throughput beside the baseline, then one request at a time (API and raw query): the
    latter hardly depends on what else the machine does, so it shows growth best."""
    results = run.run_configuration(register, 1, seconds, f"growth {register.directory.name}", ("lookup",))
    entry = dict(results["scenarios"]["lookup"])
    entry["rss_mb"] = max(results["worker_rss_mb"])
    entry["generated"] = f"{workload.get('generate_seconds', '?')} s"
    entry["one_at_a_time"] = lookup_floor(register, count=300)
    return entry


def lookup_floor(register: Register, count: int = 1000) -> dict[str, Any]:
    with serving(register, 1, OUT_DIR / "runs" / f"{register.directory.name}-floor.log") as server:
        try:
            return floors.lookup_floor(register, server.base_url, count)
        except RuntimeError as exc:
            return {"note": str(exc)}


def profile_unmet(register: Register, results: dict[str, Any], seconds: float) -> dict[str, Any]:
    """py-spy on the single worker while wrk loads each scenario whose target was not met."""
    wanted = [v.scenario for v in report.verdicts(results) if v.met is False and v.scenario]
    return profile_scenarios(register, 1, {key: key for key in wanted}, seconds) if wanted else {}


def profile_scenarios(
    register: Register, workers: int, wanted: dict[str, str], seconds: float
) -> dict[str, Any]:
    """py-spy on the first worker while wrk loads each scenario of ``wanted`` (scenario key: the name
    its profile is kept under)."""
    profiles: dict[str, Any] = {}
    workload = register.read_workload()
    work_dir = OUT_DIR / "runs" / "profiles"
    work_dir.mkdir(parents=True, exist_ok=True)
    with serving(register, workers, work_dir / f"server-{register.directory.name}-{workers}w.log") as server:
        routes = run.api_routes(server)
        for scenario in run.SCENARIOS:
            if scenario.key not in wanted:
                continue
            name = wanted[scenario.key]
            prepared = run.prepare(scenario, server, workload, register, routes)
            if prepared.problem:
                continue
            requests_file = work_dir / f"{name}.requests"
            run.load(server, prepared, 2, requests_file)
            profile = profile_while(
                server.worker_pids()[0],
                seconds,
                work_dir / f"{name}.pyspy.txt",
                lambda prepared=prepared, requests_file=requests_file: run.load(
                    server, prepared, seconds, requests_file
                ),
            )
            profiles[name] = profile if isinstance(profile, str) else profile.to_json()
            print(f"bench: profiled {name}", flush=True)
    return profiles


STEPS = ("explain", "afgifte", "load", "growth", "floors", "import", "profiles")


@dataclass
class Suite:
    """One run of the suite: its settings, registers and the results so far."""

    quick: bool
    seconds: float
    reuse: bool
    results: dict[str, Any]
    reference: Register
    reference_workload: dict[str, Any]
    pg: Register | None
    sizes: dict[str, int]
    names: dict[str, str]
    explain_ok: bool = True

    def save(self) -> None:
        RESULTS_JSON.write_text(json.dumps(self.results, indent=1), encoding="utf-8")

    def explain(self) -> None:
        self.results["explain"] = {}
        for label, register in (("SQLite", self.reference), ("PostgreSQL", self.pg)):
            if register is None:
                continue
            found = explain.explain(register)
            print(f"bench: query plans on {label}:", flush=True)
            self.explain_ok &= explain.report(found)
            self.results["explain"][label] = explain.summary(found)

    def afgifte(self) -> None:
        self.results["afgifte"] = afgifte.measure(self.reference, 3 if self.quick else 20)

    def load(self) -> None:
        configurations = [(self.reference, 1, "SQLite, 1 worker"), (self.reference, 2, "SQLite, 2 workers")]
        if self.pg is not None:
            configurations += [(self.pg, 1, "PostgreSQL, 1 worker"), (self.pg, 2, "PostgreSQL, 2 workers")]
        for register, workers, label in configurations:
            print(f"bench: {label} ({register.directory.name})", flush=True)
            key = ("sqlite" if register.is_sqlite else "pg") + f"-{workers}w"
            self.results["configurations"][key] = run.run_configuration(
                register, workers, self.seconds, label
            )
            self.save()

    def growth(self) -> None:
        growth: dict[str, Any] = {}
        for size_name in ("small", "large"):
            register, workload = register_for(
                self.names[size_name], self.sizes[size_name], postgres=None, reuse=self.reuse, per_state=0
            )
            self.results["registers"][self.names[size_name]] = _register_summary(workload)
            growth[str(self.sizes[size_name])] = growth_entry(register, self.seconds, workload)
            if size_name == "large":  # the plans must stay indexed at the largest size too
                found = explain.explain(register)
                self.explain_ok &= explain.report(found)
                self.results.setdefault("explain", {})[f"SQLite at {self.sizes['large']:,}"] = (
                    explain.summary(found)
                )
        reference = self.results["configurations"].get("sqlite-1w", {})
        if "lookup" in reference.get("scenarios", {}):
            growth[str(self.sizes["reference"])] = {
                **reference["scenarios"]["lookup"],
                "rss_mb": max(reference["worker_rss_mb"]),
                "generated": f"{self.reference_workload.get('generate_seconds', '?')} s",
                "one_at_a_time": lookup_floor(self.reference, count=300),
            }
        self.results["growth"] = dict(sorted(growth.items(), key=lambda item: int(item[0])))

    def floors(self) -> None:
        self.results["floors"] = {"signing": floors.signing_floors(), "lookup": {}}
        for label, register in (("SQLite", self.reference), ("PostgreSQL", self.pg)):
            if register is not None:
                self.results["floors"]["lookup"][label] = lookup_floor(register)

    def csv_import(self) -> None:
        self.results["csv_import"] = csv_import(self.reference, self.sizes["reference"])

    def profiles(self) -> None:
        self.results["profiles"] = profile_unmet(self.reference, self.results, self.seconds)
        verdicts = report.verdicts(self.results)
        scaling = next(v for v in verdicts if v.target.startswith("PostgreSQL 2 workers"))
        if self.pg is not None and scaling.met is False:  # where one of the two workers spends its time
            self.results["profiles"] |= profile_scenarios(
                self.pg, 2, {"lookup": "lookup, PostgreSQL 2 workers"}, self.seconds
            )
        verdict = next(v for v in report.verdicts(self.results) if v.target.startswith("Afgifte"))
        if verdict.met is False:
            command = [sys.executable, "-m", "bench.afgifte", "--register", str(self.reference.directory)]
            profile = profile_command([*command, "--runs", "5"], OUT_DIR / "runs" / "afgifte.pyspy.txt", 600)
            self.results["profiles"]["afgifte"] = profile if isinstance(profile, str) else profile.to_json()

    def step(self, name: str) -> None:
        """Run one step; a failure is recorded in the results and the next step still runs."""
        action = {"import": self.csv_import}.get(name) or getattr(self, name)
        try:
            action()
            self.results.setdefault("errors", {}).pop(name, None)
        except Exception as exc:  # one broken step must not lose the others' figures
            message = f"{type(exc).__name__}: {exc}"
            self.results.setdefault("errors", {})[name] = message[:2000]
            print(f"bench: step {name} failed: {message[:500]}", file=sys.stderr, flush=True)
        self.save()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small registers and short runs (smoke run)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 10, quick 2)")
    parser.add_argument("--reuse", action="store_true", help="keep registers of the right size")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES_SERVER, help="PostgreSQL server URL")
    parser.add_argument(
        "--only",
        help=f"run only these steps ({','.join(STEPS)}) on the registers there are, "
        "and merge their figures into the last results",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    only = [step for step in (args.only or "").split(",") if step]
    unknown = sorted(set(only) - set(STEPS))
    if unknown:
        parser.error(f"unknown steps: {', '.join(unknown)}")
    reuse = args.reuse or bool(only)
    seconds = args.duration or (2.0 if quick else 10.0)
    sizes = (
        {"small": 1_000, "reference": 5_000, "large": 20_000}
        if quick
        else {"small": 10_000, "reference": 100_000, "large": 1_000_000}
    )
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "make_target": "bench-quick" if quick else "bench",
        "seconds_per_run": seconds,
        "machine": machine(),
        "configurations": {},
        "registers": {},
    }
    if only and RESULTS_JSON.exists():
        previous = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
        results = {**previous, "resumed": time.strftime("%Y-%m-%d %H:%M %Z")}
    names = {"small": "sqlite-10k", "reference": "sqlite-100k", "large": "sqlite-1m"}
    if quick:
        names = {"small": "quick-sqlite-small", "reference": "quick-sqlite", "large": "quick-sqlite-large"}
    per_state = 1 if quick else 2
    reference, reference_workload = register_for(
        names["reference"], sizes["reference"], postgres=None, reuse=reuse, per_state=per_state
    )
    results["registers"][names["reference"]] = _register_summary(reference_workload)
    pg: Register | None = None
    if not args.no_postgres and postgres_available(args.postgres):
        pg_name = "quick-pg" if quick else "pg-100k"
        pg, pg_workload = register_for(
            pg_name, sizes["reference"], postgres=args.postgres, reuse=reuse, per_state=per_state
        )
        results["registers"][pg_name] = _register_summary(pg_workload)
    suite = Suite(quick, seconds, reuse, results, reference, reference_workload, pg, sizes, names)
    for name in only or STEPS:
        suite.step(name)
    if only and "explain" not in only:
        suite.explain_ok = all(summary.get("ok", True) for summary in results.get("explain", {}).values())
    results["suite_seconds"] = round(time.monotonic() - started) + int(
        results.get("suite_seconds", 0) if only else 0
    )
    results["machine"]["load_average_end"] = " ".join(f"{value:.2f}" for value in os.getloadavg())
    suite.save()
    markdown = OUT_DIR / "RESULTS-quick.md" if quick else RESULTS_MD
    markdown.write_text(report.render(results), encoding="utf-8")
    print(f"bench: wrote {markdown.relative_to(BENCH_DIR.parent)}", flush=True)
    if results.get("errors"):
        print(f"bench: steps failed: {', '.join(results['errors'])}", file=sys.stderr)
    if not suite.explain_ok:
        print("bench: a lookup reads a whole table; see the query plans", file=sys.stderr)
    if results.get("errors") or not suite.explain_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
