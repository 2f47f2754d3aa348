"""Where a server's time goes under load: py-spy samples the worker while wrk loads one scenario.

py-spy (from PyPI, installed by ``scripts/bench-deps.sh``) attaches to the running worker process
without changing it and samples its Python stacks (``--nonblocking``, so the worker is not paused).
The raw samples are folded into the frames with the most *own* time and the frames that are most
often on the stack (*inclusive*); both lists go into the results.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RATE = 100


@dataclass(frozen=True, slots=True)
class Profile:
    """Samples of the event-loop thread: how many, how many busy, and where the busy ones were."""

    samples: int
    busy: int
    own: list[tuple[str, float]]
    inclusive: list[tuple[str, float]]
    packages: list[tuple[str, float]]

    @property
    def busy_share(self) -> float:
        return round(100 * self.busy / self.samples, 1) if self.samples else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "busy": self.busy,
            "busy_share": self.busy_share,
            "own": self.own,
            "inclusive": self.inclusive,
            "packages": self.packages,
        }


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _short(frame: str) -> str:
    """``function (path/to/file.py:12)`` with the path from the package on (site-packages cut off)."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


def _package(frame: str) -> str:
    """The top-level package (or stdlib module) a frame's own time is spent in."""
    where = frame.rpartition(" (")[2]
    if where.startswith("<"):
        return "<generated code>"
    return where.split("/", 1)[0].split(".py", 1)[0] or "?"


# Frames that wrap every request (process start, event loop, server protocol, middleware stack)
# are on nearly every stack and say nothing about where a request's own time goes.
_WRAPPERS = (
    "<module>",
    "main (",
    "Command.",
    "Group.invoke",
    "Context.invoke",
    "pass_context",
    "serve (registry/cli",
    "run (uvicorn",
    "Server.run",
    "Server.serve",
    "asyncio_run",
    "Runner.run",
    "run (asyncio",
    "BaseEventLoop.",
    "Handle._run",
    "_run_module",
    "_run_code",
    "ExceptionHandlerMiddleware",
    "ASGIRouter.",
    "ASGIMiddleware.",
    "RequestResponseCycle.run_asgi",
    "CSRFMiddleware",
    "ProxyHeadersMiddleware",
    "Litestar.__call__",
    "HTTPRoute.handle",
    "HTTPRoute._get_response_for_request",
    "HTTPRoute._call_handler_function",
    "TrailingSlashMiddleware",
    "RequestTargetMiddleware",
    "AuthenticationMiddleware.handle",
    "Thread.",
    "_worker (concurrent",
    "_WorkItem.run",
)
_IDLE_LEAVES = (
    "Runner.run",
    "run_forever",
    "BaseEventLoop._run_once",
    "EpollSelector.select",
    "_worker (concurrent",
    "_connection_worker_thread (aiosqlite/core.py:59)",
    "Condition.wait",
    "Queue.get",
    "Event.wait",
)


def fold(raw: str, top: int = 15, *, all_threads: bool = False) -> Profile:
    """Aggregate py-spy's raw output (``frame;frame;… count`` per line, outermost frame first).

    By default only the event-loop thread counts: the driver threads (aiosqlite's, the thread pool)
    wait on queues most of the time and their database work shows as the awaiting frames of the
    main thread. A sample whose innermost frame is a wait (epoll, a queue) is idle.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = busy = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";") if frame.strip()]
        if not frames:
            continue
        if not all_threads and any(frame.startswith("Thread._bootstrap") for frame in frames[:3]):
            continue
        count = int(count_text)
        samples += count
        if frames[-1].startswith(_IDLE_LEAVES):
            continue
        busy += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for frame in set(frames):
            if not frame.startswith(_WRAPPERS):
                inclusive[frame] += count

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return (
            [(frame, round(100 * count / busy, 1)) for frame, count in counter.most_common(top)]
            if busy
            else []
        )

    return Profile(
        samples=samples, busy=busy, own=share(own), inclusive=share(inclusive), packages=share(packages)
    )


def record(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes] | None:
    """Start sampling ``pid`` for ``seconds`` into ``output``; ``None`` when py-spy is not installed."""
    binary = py_spy()
    if binary is None:
        return None
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            str(RATE),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def profile_command(command: list[str], output: Path, timeout: float) -> Profile | str:
    """Run ``command`` under py-spy (all threads) and fold what it did."""
    binary = py_spy()
    if binary is None:
        return "py-spy is not installed (scripts/bench-deps.sh installs it)"
    completed = subprocess.run(
        [
            binary,
            "record",
            "--rate",
            str(RATE),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
            "--",
            *command,
        ],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0 or not output.exists():
        return f"py-spy failed: {completed.stderr.decode('utf-8', 'replace').strip()[-300:]}"
    return fold(output.read_text(encoding="utf-8", errors="replace"), all_threads=True)


def profile_while(pid: int, seconds: float, output: Path, load: Any) -> Profile | str:
    """Sample ``pid`` while ``load()`` runs (it should last ``seconds``); the folded profile, or why not."""
    process = record(pid, seconds, output)
    if process is None:
        return "py-spy is not installed (scripts/bench-deps.sh installs it)"
    worker = threading.Thread(target=load)
    worker.start()
    worker.join()
    try:
        _, stderr = process.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        return "py-spy did not finish"
    if not output.exists():
        return f"py-spy failed: {stderr.decode('utf-8', 'replace').strip()[:300]}"
    return fold(output.read_text(encoding="utf-8", errors="replace"))
