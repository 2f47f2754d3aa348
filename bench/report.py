"""``bench/RESULTS.md`` from the suite's results: each target, the measured figure, met or not.

Targets hold for the reference configuration: SQLite, 1 worker, 100k deelnemers, 32 connections,
on a 2-core machine. Ratios are to the baseline (``GET /health/live``) measured right before each
scenario in the same run.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

REFERENCE = "sqlite-1w"


@dataclass(frozen=True, slots=True)
class Verdict:
    target: str
    measured: str
    met: bool | None  # None: not measured (yet)
    scenario: str | None = None  # the scenario to profile when not met


def _scenario(results: dict[str, Any], configuration: str, key: str) -> dict[str, Any] | None:
    entry = results.get("configurations", {}).get(configuration, {}).get("scenarios", {}).get(key)
    return entry if entry and entry.get("status") == "ok" else None


def _unavailable(results: dict[str, Any], configuration: str, key: str) -> str:
    entry = results.get("configurations", {}).get(configuration, {}).get("scenarios", {}).get(key)
    if entry is None:
        return "not measured"
    return str(entry.get("note", "not measured"))


def _throughput_target(
    results: dict[str, Any], key: str, label: str, ratio: float, p99_ms: float | None = None
) -> Verdict:
    target = f"{label}: ≥ {ratio:.0%} of baseline req/s" + (f", p99 ≤ {p99_ms:g} ms" if p99_ms else "")
    entry = _scenario(results, REFERENCE, key)
    if entry is None:
        return Verdict(target, _unavailable(results, REFERENCE, key), None, key)
    measured_ratio = entry["ratio"] or 0.0
    p99 = entry["result"]["p99_ms"]
    errors = entry["result"]["errors"]
    met = measured_ratio >= ratio and (p99_ms is None or p99 <= p99_ms) and errors == 0
    if not entry["result"]["requests"]:
        return Verdict(target, str(entry.get("note", "no request completed within the run")), False, key)
    measured = (
        f"{entry['result']['requests_per_second']:.0f} req/s = {measured_ratio:.1%} of "
        f"{entry['baseline']['requests_per_second']:.0f}; p99 {p99:.1f} ms"
        + (f" (the baseline's own: {entry['baseline']['p99_ms']:.1f} ms)" if p99_ms else "")
        + (f"; {errors} errors" if errors else "")
    )
    return Verdict(target, measured, met, key)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def afgifte_figures(afgifte: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Median and p95 in ms per phase: the afgifte proper (both signatures, PDF, attestation,
    status list entry, rolvervulling) and the whole process from aanmelding on."""
    runs: list[dict[str, float]] = afgifte.get("runs", [])
    phases = {
        "afgifte (ondertekening deelnemer + afgifte)": [
            run["ondertekening-deelnemer"] + run["afgifte"] for run in runs if "afgifte" in run
        ],
        "afgifte step alone (geef_af)": [run["afgifte"] for run in runs if "afgifte" in run],
        "whole process (aanmelding … afgifte)": [sum(run.values()) for run in runs if "afgifte" in run],
    }
    return {
        name: {
            "median_ms": round(statistics.median(values) * 1000),
            "p95_ms": round(_percentile(values, 0.95) * 1000),
            "runs": len(values),
        }
        for name, values in phases.items()
        if values
    }


def verdicts(results: dict[str, Any]) -> list[Verdict]:
    found = [
        _throughput_target(results, "lookup", "Lookup by identificatie", 0.5, 10),
        _throughput_target(results, "rolcheck", "Rolcheck", 0.5, 10),
        _throughput_target(results, "lookup-signed", "Signed lookup", 0.3),
        _throughput_target(results, "verificaties", "POST /verificaties", 0.3),
        _throughput_target(results, "dienstverleners-pagina", "Public dienstverlener page", 0.25),
    ]
    afgifte = results.get("afgifte")
    if afgifte and afgifte.get("runs"):
        figures = afgifte_figures(afgifte)
        main = figures["afgifte (ondertekening deelnemer + afgifte)"]
        found.append(
            Verdict(
                "Afgifte median ≤ 400 ms",
                f"median {main['median_ms']} ms, p95 {main['p95_ms']} ms over {main['runs']} runs",
                main["median_ms"] <= 400,
            )
        )
    else:
        found.append(Verdict("Afgifte median ≤ 400 ms", (afgifte or {}).get("note", "not measured"), None))
    csv = results.get("csv_import") or {}
    if "seconds" in csv:
        met = csv["seconds"] <= 20 and csv["peak_rss_mb"] <= 400 and csv.get("exit_code") == 0
        found.append(
            Verdict(
                "CSV import of 100k deelnemers ≤ 20 s, peak RSS ≤ 400 MB",
                f"{csv['seconds']:.1f} s, peak RSS {csv['peak_rss_mb']:.0f} MB (exit {csv.get('exit_code')})",
                met,
            )
        )
    else:
        found.append(
            Verdict(
                "CSV import of 100k deelnemers ≤ 20 s, peak RSS ≤ 400 MB",
                csv.get("note", "not measured"),
                None,
            )
        )
    rss = results.get("configurations", {}).get(REFERENCE, {}).get("worker_rss_mb")
    if rss:
        found.append(
            Verdict("Server RSS at 100k ≤ 250 MB", f"{max(rss):.0f} MB after the load runs", max(rss) <= 250)
        )
    else:
        found.append(Verdict("Server RSS at 100k ≤ 250 MB", "not measured", None))
    one = _scenario(results, "pg-1w", "lookup")
    two = _scenario(results, "pg-2w", "lookup")
    if one and two:
        factor = two["result"]["requests_per_second"] / one["result"]["requests_per_second"]
        ceiling = worker_ceiling(one, int(results["machine"]["nproc"]))
        found.append(
            Verdict(
                "PostgreSQL 2 workers lookup ≥ 1.6× 1 worker",
                f"{two['result']['requests_per_second']:.0f} vs "
                f"{one['result']['requests_per_second']:.0f} req/s = {factor:.2f}×"
                + (f" (at most {ceiling:.2f}× on this machine: see the CPU per request)" if ceiling else ""),
                factor >= 1.6,
            )
        )
    else:
        found.append(Verdict("PostgreSQL 2 workers lookup ≥ 1.6× 1 worker", "not measured", None))
    return found


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def _configuration_table(configuration: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | req/s | baseline req/s | ratio | p50 ms | p99 ms | errors | CPU µs/request: server "
        "(baseline) · PostgreSQL · wrk | caller |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for entry in configuration.get("scenarios", {}).values():
        if entry.get("status") != "ok":
            lines.append(f"| {entry['title']} | – | – | – | – | – | – | – | {entry.get('note', '')} |")
            continue
        result, base = entry["result"], entry["baseline"]
        if not result["requests"]:
            lines.append(
                f"| {entry['title']} | 0 | {base['requests_per_second']:.0f} | 0% | – | – | – | – | "
                f"{entry.get('note', 'no request completed')} |"
            )
            continue
        lines.append(
            f"| {entry['title']} | {result['requests_per_second']:.0f} | {base['requests_per_second']:.0f} | "
            f"{entry['ratio'] or 0:.1%} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | "
            f"{result['errors']} | {_cpu(result, base)} | {entry['auth']} |"
        )
    return lines


def _cpu(result: dict[str, Any], base: dict[str, Any]) -> str:
    """The CPU a request cost the server (and a baseline request), PostgreSQL and wrk."""
    cpu, base_cpu = result.get("cpu_us"), base.get("cpu_us")
    if not cpu or not base_cpu:
        return "–"
    return f"{cpu['server']:.0f} ({base_cpu['server']:.0f}) · {cpu['postgres']:.0f} · {cpu['wrk']:.0f}"


def worker_ceiling(entry: dict[str, Any], cores: int, workers: int = 2) -> float | None:
    """How many times the one-worker rate ``workers`` workers can reach at most on ``cores`` cores,
    from what a request cost in the one-worker run: one worker is bound by its own CPU per request
    (``server``), several by the cores all of a request's work shares (server, PostgreSQL, wrk)."""
    cpu = entry["result"].get("cpu_us")
    if not cpu or not cpu["server"]:
        return None
    total = cpu["server"] + cpu["postgres"] + cpu["wrk"]
    return min(float(workers), cores * cpu["server"] / total)


def _profile_lines(profile: dict[str, Any]) -> list[str]:
    if isinstance(profile, str):
        return [f"  {profile}"]
    lines = [
        f"  Busy in {profile['busy_share']}% of {profile['samples']} samples (py-spy at 100 Hz; for a load "
        "run the server's event-loop thread while wrk loads the scenario, for the afgifte every thread).",
        "",
        "  | own time | frame |",
        "  | ---: | --- |",
    ]
    lines += [f"  | {share}% | `{frame}` |" for frame, share in profile["own"][:10]]
    lines += ["", "  | own time by package | package |", "  | ---: | --- |"]
    lines += [f"  | {share}% | {package} |" for package, share in profile.get("packages", [])[:8]]
    lines += ["", "  | on the stack | frame |", "  | ---: | --- |"]
    lines += [f"  | {share}% | `{frame}` |" for frame, share in profile["inclusive"][:15]]
    return lines


def _header(results: dict[str, Any]) -> list[str]:
    machine = results["machine"]
    return [
        "# Benchmark results",
        "",
        f"Run of {results['date']} with `make {results.get('make_target', 'bench')}` "
        f"({results.get('seconds_per_run', '?')} s per wrk run, 32 connections, 2 wrk threads)"
        + (f"; steps run again with `--only` at {results['resumed']}." if results.get("resumed") else "."),
        "",
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gb']} GB memory, "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, {machine.get('postgresql')}; "
        f"load average at the start {machine['load_average']}, at the end "
        f"{machine.get('load_average_end', '?')}. The machine is shared: the ratio to "
        "the baseline, measured right before each scenario, is the figure to compare between runs.",
        "",
        "## Targets (SQLite, 1 worker, 100k deelnemers)",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
        *[f"| {v.target} | {v.measured} | {_mark(v.met)} |" for v in verdicts(results)],
        "",
    ]


def _errors(results: dict[str, Any]) -> list[str]:
    errors = results.get("errors") or {}
    if not errors:
        return []
    return [
        "## Steps that failed",
        "",
        *[f"- {step}: `{message.splitlines()[0][:300]}`" for step, message in errors.items()],
        "",
    ]


def _load_runs(results: dict[str, Any]) -> list[str]:
    out = ["## Load runs", ""]
    for configuration in results.get("configurations", {}).values():
        rss = ", ".join(f"{value:.0f}" for value in configuration.get("worker_rss_mb", []))
        out += [
            f"### {configuration['label']} ({configuration['deelnemers']:,} deelnemers)",
            "",
            *_configuration_table(configuration),
            "",
        ]
        if rss:
            out += [f"Worker RSS after the runs: {rss} MB.", ""]
    return out


def _growth(results: dict[str, Any]) -> list[str]:
    growth = results.get("growth", {})
    if not growth:
        return []
    out = [
        "## Growth: lookup by identificatie at 10k, 100k and 1M deelnemers (SQLite, 1 worker)",
        "",
        "| deelnemers | req/s | ratio to baseline | p50 ms | p99 ms | one at a time: API ms | raw query ms "
        "| worker RSS MB | generated in |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for size, entry in growth.items():
        if entry.get("status") != "ok":
            out.append(f"| {int(size):,} | – | – | – | – | – | – | – | {entry.get('note', '')} |")
            continue
        result = entry["result"]
        single = entry.get("one_at_a_time") or {}
        api = single.get("api", {}).get("median_ms", "–")
        raw = single.get("raw_query", {}).get("median_ms", "–")
        out.append(
            f"| {int(size):,} | {result['requests_per_second']:.0f} | {entry['ratio'] or 0:.1%} | "
            f"{result['p50_ms']:.1f} | {result['p99_ms']:.1f} | {api} | {raw} | {entry.get('rss_mb', '–')} | "
            f"{entry.get('generated', '–')} |"
        )
    return [
        *out,
        "",
        "One at a time: 300 lookups in a row on one keep-alive connection (median), and the same "
        "identificaties through the driver's indexed query. Before each load run the SQLite file is read "
        "once, so that the page cache holds the register as it holds that of a server in service.",
        "",
    ]


def _explain(results: dict[str, Any]) -> list[str]:
    explain = results.get("explain", {})
    if not explain:
        return []
    out = ["## Query plans of the lookups (`bench/explain.py`)", ""]
    for database, summary in explain.items():
        for lookup in summary.get("lookups", []):
            verdict = "**full scan**: " + "; ".join(lookup["scans"]) if lookup["scans"] else "indexed"
            out.append(f"- {database}, {lookup['label']} ({lookup['statements']} statements): {verdict}")
    return [*out, ""]


def _floors(results: dict[str, Any]) -> list[str]:
    floors = results.get("floors", {})
    if not floors:
        return []
    out = ["## In-process floors", ""]
    signing = floors.get("signing")
    if signing:
        ops, ratios = signing["ops_per_second"], signing["ratio_to_cryptography"]
        out += [
            "| operation | ops/s | ratio to raw cryptography |",
            "| --- | ---: | ---: |",
            f"| cryptography ECDSA P-256 sign | {ops['cryptography_sign']} | 1 |",
            f"| python-jose jws.sign ES256 | {ops['jose_sign']} | {ratios['jose_sign']:.2f} |",
            f"| project sign_jws | {ops['project_sign_jws']} | {ratios['project_sign_jws']:.2f} |",
            f"| cryptography ECDSA P-256 verify | {ops['cryptography_verify']} | 1 |",
            f"| python-jose jws.verify ES256 | {ops['jose_verify']} | {ratios['jose_verify']:.2f} |",
            f"| project verify_jws | {ops['project_verify_jws']} | {ratios['project_verify_jws']:.2f} |",
            "",
        ]
    for name, lookup in floors.get("lookup", {}).items():
        if "raw_query" not in lookup:
            out.append(f"- Lookup floor, {name}: {lookup.get('note', 'not measured')}")
            continue
        raw, api = lookup["raw_query"], lookup["api"]
        out.append(
            f"- Lookup, {name}: the raw indexed query through the driver takes {raw['median_ms']} ms "
            f"(median; p99 {raw['p99_ms']}); the API, one request at a time, {api['median_ms']} ms "
            f"(p99 {api['p99_ms']}): {lookup['api_over_raw']}× the query."
        )
    return [*out, ""]


def _afgifte(results: dict[str, Any]) -> list[str]:
    afgifte = results.get("afgifte")
    if not afgifte or not afgifte.get("runs"):
        return []
    out = [
        "## Afgifte of a verklaring (service layer, PDF included)",
        "",
        "| phase | median ms | p95 ms | runs |",
        "| --- | ---: | ---: | ---: |",
    ]
    out += [
        f"| {name} | {figures['median_ms']} | {figures['p95_ms']} | {figures['runs']} |"
        for name, figures in afgifte_figures(afgifte).items()
    ]
    return [*out, ""]


def _registers(results: dict[str, Any]) -> list[str]:
    registers = results.get("registers", {})
    if not registers:
        return []
    out = [
        "## Generated registers",
        "",
        "| register | deelnemers | rows | bulk insert s | its CPU s | total s (migrations, verklaringen) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, info in registers.items():
        rows = sum(info["rows"].values())
        out.append(
            f"| {name} | {info['deelnemers']:,} | {rows:,} | {info['insert_seconds']} | "
            f"{info.get('insert_cpu_seconds') or '–'} | {info['generate_seconds']} |"
        )
    out += [
        "",
        "Audit trail: one chained event per deelnemer and per ondersteuningsrelatie, plus one closing "
        "bulk-import event appended through `audited_write` (see `bench/generate.py`).",
        "",
    ]
    return out


# which lookup of bench/explain.py sends the statements of a scenario's request
_EXPLAINED = {
    "lookup": "lookup by identificatie",
    "lookup-signed": "lookup by identificatie",
    "rolcheck": "rolcheck",
    "zoek": "search by name prefix",
}


def _statements(results: dict[str, Any], key: str) -> str:
    label = _EXPLAINED.get(key)
    for summary in results.get("explain", {}).values():
        for lookup in summary.get("lookups", []):
            if lookup["label"] == label:
                return f" One request sends {lookup['statements']} SQL statements (`bench/explain.py`)."
    return ""


def _summary(results: dict[str, Any], key: str, profile: dict[str, Any]) -> str:
    """One sentence from the profile: which packages hold the own time, and the hottest frames."""
    packages = ", ".join(f"{package} {share:g}%" for package, share in profile.get("packages", [])[:4])
    hottest = "; ".join(f"`{frame}` {share:g}%" for frame, share in profile.get("own", [])[:3])
    return f"  Own time by package: {packages}. Hottest frames: {hottest}.{_statements(results, key)}"


def _profiles(results: dict[str, Any]) -> list[str]:
    profiles = results.get("profiles", {})
    if not profiles:
        return []
    out = ["## Where the time goes (unmet targets)", ""]
    for key, profile in profiles.items():
        summary = [] if isinstance(profile, str) else [_summary(results, key, profile), ""]
        out += [f"- **{key}**", "", *summary, *_profile_lines(profile), ""]
    return out


def render(results: dict[str, Any]) -> str:
    sections = (_header, _errors, _load_runs, _growth, _explain, _floors, _afgifte, _registers, _profiles)
    lines = [line for section in sections for line in section(results)]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    # re-render from a results file: python -m bench.report bench/out/results.json bench/RESULTS.md
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(render(json.loads(source.read_text(encoding="utf-8"))), encoding="utf-8")
