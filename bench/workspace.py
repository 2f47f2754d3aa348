"""Where a benchmark keeps its registers: one directory per generated register under ``bench/out/``.

A register directory holds the data directory of the portal (SQLite file, signing keys) and
``workload.json``, written by :mod:`bench.generate`: the database URL, what was generated, how long it
took, and samples of real identificaties, rolchecks and search terms for the load runs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.settings import Settings

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
# Fixed so that every process of one bench (generator, servers, floors) signs cookies alike.
BENCH_SECRET = "bench-secret-key-not-for-production-0123456789abcdef"
WARM_CHUNK_BYTES = 8 * 1024 * 1024
DEFAULT_POSTGRES_SERVER = "postgresql+asyncpg://root@127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True)
class Register:
    """One generated register: its directory and database."""

    directory: Path
    database_url: str

    @classmethod
    def sqlite(cls, directory: Path) -> Register:
        return cls(directory, f"sqlite+aiosqlite:///{directory / 'data' / 'stelsel.sqlite3'}")

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def workload_path(self) -> Path:
        return self.directory / "workload.json"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.split(":///", 1)[1])

    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir, database_url=self.database_url, secret_key=BENCH_SECRET)

    def environment(self) -> dict[str, str]:
        """The ``STELSEL_*`` variables under which a server serves this register."""
        return {
            "STELSEL_DATA_DIR": str(self.data_dir),
            "STELSEL_DATABASE_URL": self.database_url,
            "STELSEL_SECRET_KEY": BENCH_SECRET,
            "STELSEL_LOG_LEVEL": "WARNING",
            # All load comes from one loopback address: the per-caller limits would answer 429
            # after the first second. A bench measures the service, not the limiter.
            "STELSEL_ANONYMOUS_RATE_PER_MINUTE": "1000000000",
            "STELSEL_CLIENT_RATE_PER_MINUTE": "1000000000",
        }

    def warm_file_cache(self) -> float:
        """Read the SQLite file once, so that the operating system's page cache holds it as it holds
        the database of a server in service; returns the seconds it took (0 for PostgreSQL).

        A register generated in an earlier run may have left the cache since: its first load run
        would then measure the disk (at 1M deelnemers a few hundred reads a second), not the
        portal."""
        if not self.is_sqlite:
            return 0.0
        started = time.monotonic()
        for path in (self.sqlite_path, self.sqlite_path.with_name(self.sqlite_path.name + "-wal")):
            if path.exists():
                with path.open("rb", buffering=0) as file:
                    while file.read(WARM_CHUNK_BYTES):
                        pass
        return round(time.monotonic() - started, 1)

    def read_workload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.workload_path.read_text(encoding="utf-8"))
        return data

    def write_workload(self, workload: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.workload_path.write_text(json.dumps(workload, indent=1, ensure_ascii=False), encoding="utf-8")


def postgres_url(server_url: str, database: str) -> str:
    """``server_url`` with its database replaced by ``database``."""
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=database).render_as_string(hide_password=False)
