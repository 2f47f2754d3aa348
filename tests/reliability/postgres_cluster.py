"""A throwaway PostgreSQL cluster in a temporary directory, on a free port of 127.0.0.1, that tests
can stop, start, freeze and thaw. Needs ``initdb`` and ``pg_ctl`` on PATH; as root the server runs
as the ``postgres`` user (initdb refuses to run as root)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

COMMAND_TIMEOUT = 60
SERVICE_USER = "postgres"


def tools_available() -> bool:
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        return False
    if os.geteuid() != 0:
        return True
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return False
    return shutil.which("runuser") is not None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ThrowawayCluster:
    """One PostgreSQL server of its own; :meth:`destroy` stops it and removes every file."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="stelsel-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            account = pwd.getpwnam(SERVICE_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "stelsel", "-A", "trust", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://stelsel@127.0.0.1:{self.port}/postgres"

    def _run(self, *arguments: str) -> None:
        command = ["runuser", "-u", SERVICE_USER, "--", *arguments] if self._as_root else list(arguments)
        subprocess.run(command, check=True, capture_output=True, timeout=COMMAND_TIMEOUT)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, timeout=10, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def _signal(self, number: signal.Signals) -> None:
        for pid in self._pids():
            with contextlib.suppress(ProcessLookupError):  # a backend that just ended
                os.kill(pid, number)

    def freeze(self) -> None:
        """Every server process stops answering while its sockets stay open (as in a hung host)."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.thaw()
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
