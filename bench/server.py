"""Serving a generated register as in production (``stelsel serve --workers N``) on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.workspace import Register

READY_TIMEOUT_SECONDS = 120.0


class ServerError(RuntimeError):
    """The server did not start or stopped unexpectedly."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text(encoding="ascii")
            found += [int(child) for child in text.split()]
    return found


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) of one process, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1_000_000
    raise ServerError(f"no VmRSS for process {pid}")


def postgres_cpu_seconds() -> float:
    """User plus system CPU time so far of this machine's PostgreSQL server processes."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text(encoding="ascii").strip() != "postgres":
                continue
            fields = (entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass(slots=True)
class Server:
    """A running portal: the ``stelsel serve`` process and, with several workers, its worker processes."""

    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: the server itself with one worker, else its children
        that are Python processes (uvicorn's workers; not multiprocessing's resource tracker)."""
        if self.workers == 1:
            return [self.process.pid]
        workers = []
        for child in _children(self.process.pid):
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"resource_tracker" not in command:
                    workers.append(child)
        return workers

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the serving processes so far."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def probe_ms(self) -> float:
        """Latency of one ``GET /health/live``: high while the event loop still works off a queue."""
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{self.base_url}/health/live", timeout=30) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            return float("inf")
        return (time.perf_counter() - started) * 1000

    def settle(self, timeout: float = 180.0) -> float:
        """Wait until the workers are idle: requests a load run left queued must not eat into the
        next measurement. Idle means three times in a row both little CPU (under 10% of a core over
        a quarter second) and a quick answer to ``/health/live`` (under 50 ms); a starved process
        uses little CPU while busy, so CPU alone is not enough on a shared machine. Returns the
        seconds waited."""
        started = time.monotonic()
        quiet = 0
        while time.monotonic() - started < timeout and quiet < 3:
            before = self.cpu_seconds()
            time.sleep(0.25)
            idle = self.cpu_seconds() - before < 0.025 and self.probe_ms() < 50
            quiet = quiet + 1 if idle else 0
        return time.monotonic() - started

    def worker_rss_mb(self) -> list[float]:
        return [round(rss_mb(pid), 1) for pid in self.worker_pids()]

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(
                self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return ""

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/health/ready", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise ServerError(f"the server was not ready within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's own process group (it was started in a new session), then SIGKILL."""
        if self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=10)


def serve_command(port: int, workers: int) -> list[str]:
    stelsel = Path(sys.executable).parent / "stelsel"
    base = (
        [str(stelsel)]
        if stelsel.exists()
        else [sys.executable, "-c", "from registry.cli import main; main()"]
    )
    return [*base, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


@contextlib.contextmanager
def serving(register: Register, workers: int, log_path: Path) -> Iterator[Server]:
    """Start the portal on ``register`` with ``workers`` processes, wait until ready, stop on exit."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_command(port, workers),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **register.environment()},
            start_new_session=True,
        )
    server = Server(process=process, port=port, workers=workers, log_path=log_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
