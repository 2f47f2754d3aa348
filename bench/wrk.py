"""Running wrk (a separate process) for a bounded time and reading its ``--latency`` report."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROTATE_SCRIPT = Path(__file__).resolve().parent / "lua" / "rotate.lua"
CONNECTIONS = 32
THREADS = 2

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


class WrkError(RuntimeError):
    """wrk failed or printed something that is not a report."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles (milliseconds) and errors."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int = 0
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    timeouts: int = 0

    @property
    def errors(self) -> int:
        """Responses that were not 2xx/3xx plus socket errors of every kind."""
        return self.non_2xx + self.connect_errors + self.read_errors + self.write_errors + self.timeouts

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "errors": self.errors}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse(output: str) -> WrkResult:
    """Read wrk's text report (run with ``--latency``)."""
    percentiles = {int(match[1]): _ms(match[2], match[3]) for match in _PERCENTILE.finditer(output)}
    total = _TOTAL.search(output)
    rate = _RATE.search(output)
    if total is None or rate is None or set(percentiles) != {50, 75, 90, 99}:
        raise WrkError(f"not a wrk --latency report:\n{output.strip()[:2000]}")
    sockets = _SOCKET.search(output)
    non_2xx = _NON_2XX.search(output)
    connect, read, write, timeout = (int(group) for group in sockets.groups()) if sockets else (0, 0, 0, 0)
    return WrkResult(
        requests=int(total[1]),
        seconds=_ms(total[2], total[3]) / 1000,
        requests_per_second=float(rate[1]),
        p50_ms=percentiles[50],
        p75_ms=percentiles[75],
        p90_ms=percentiles[90],
        p99_ms=percentiles[99],
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        connect_errors=connect,
        read_errors=read,
        write_errors=write,
        timeouts=timeout,
    )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkError("wrk is not installed: run scripts/bench-deps.sh (apt-get install wrk)")
    return found


def run(
    url: str,
    *,
    seconds: float,
    requests_file: Path | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> WrkResult:
    """Load ``url`` for ``seconds`` (rotating through ``requests_file`` when given) and report.

    wrk stops by itself after ``seconds``; the process is killed if it overruns by half a minute.
    """
    if not url.startswith(("http://127.", "http://localhost")):
        raise WrkError(f"load runs stay on the loopback interface, not {url}")
    duration = max(1, round(seconds))
    command = [
        wrk_binary(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=5s",
        "--latency",
    ]
    environment = dict(os.environ)
    if requests_file is not None:
        command += ["--script", str(ROTATE_SCRIPT)]
        environment |= {
            "BENCH_REQUESTS": str(requests_file),
            "BENCH_METHOD": method,
            "BENCH_HEADERS": "|".join(f"{name}: {value}" for name, value in (headers or {}).items()),
        }
    command.append(url)
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 30, env=environment, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not stop after {duration}s") from exc
    if completed.returncode != 0:
        raise WrkError(f"wrk exited with {completed.returncode}: {completed.stderr.strip()[:500]}")
    return parse(completed.stdout)
