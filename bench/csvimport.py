"""The CSV import of deelnemers (``stelsel import deelnemers FILE.csv``): seconds and peak RSS.

The file is written from a generated register's own rows, so it holds valid, unique identificaties;
it is imported into a fresh, migrated database with the catalogue loaded, by the ``stelsel``
command in a child process, whose peak RSS is its own high-water mark (``VmHWM``, read while it runs).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.workspace import OUT_DIR, Register

# the columns of registry/ledenadministratie/importer.py (KOLOMMEN) this file fills
COLUMNS = (
    "naam",
    "soort",
    "identificaties",
    "straat",
    "huisnummer",
    "postcode",
    "plaats",
    "regio",
    "website",
    "contact_naam",
    "contact_functie",
    "contact_email",
    "contact_telefoon",
)


def stelsel() -> list[str]:
    beside = Path(sys.executable).parent / "stelsel"
    return (
        [str(beside)] if beside.exists() else [sys.executable, "-c", "from registry.cli import main; main()"]
    )


def available() -> str | None:
    """``None`` when the command exists, else why not."""
    completed = subprocess.run(
        [*stelsel(), "import", "deelnemers", "--help"], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return "not available yet (no `stelsel import deelnemers` in this build)"
    return None


def write_csv(source: Register, path: Path, limit: int) -> int:
    """Deelnemers of ``source`` as an import file: name, soort, all identificaties, address, regio,
    website and the first contactpersoon."""
    import sqlite3

    connection = sqlite3.connect(source.sqlite_path)
    query = (
        "SELECT d.naam, d.soort, "
        "(SELECT group_concat(i.soort || ':' || i.waarde, ';') FROM deelnemer_identificatie i "
        " WHERE i.deelnemer_id = d.id), "
        "d.adres_straat, d.adres_huisnummer, d.adres_postcode, d.adres_plaats, d.regio, d.website, "
        "c.naam, c.functie, c.email, c.telefoon "
        "FROM deelnemer d LEFT JOIN deelnemer_contactpersoon c ON c.deelnemer_id = d.id AND c.volgorde = 0 "
        "LIMIT ?"
    )
    count = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in connection.execute(query, (limit,)):
                writer.writerow(["" if value is None else value for value in row])
                count += 1
    finally:
        connection.close()
    return count


def _peak_rss_kb(process: subprocess.Popen[bytes], every: float = 0.05) -> int:
    """The import's own peak resident set (``VmHWM``), read until it exits.

    Not ``ru_maxrss`` from ``wait4``: a child started from this (large) benchmark process carries the
    parent's high-water mark from before its ``exec``, which would be reported as the import's.
    """
    peak = 0
    status_file = Path(f"/proc/{process.pid}/status")
    while True:
        try:
            for line in status_file.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        # poll() would reap the child and lose its exit status for wait4: peek without reaping
        if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return peak
        time.sleep(every)


def measure(source: Register, deelnemers: int) -> dict[str, Any]:
    problem = available()
    if problem is not None:
        return {"note": problem}
    if not source.is_sqlite:
        return {"note": "the CSV is written from a SQLite register"}
    from bench.generate import CATALOGUE_FILE
    from registry import migrate

    target = Register.sqlite(OUT_DIR / "csv-import")
    if target.directory.exists():
        import shutil

        shutil.rmtree(target.directory)
    target.data_dir.mkdir(parents=True)
    migrate.upgrade(target.settings())
    subprocess.run(
        [*stelsel(), "catalogue", "load", str(CATALOGUE_FILE)],
        env={**os.environ, **target.environment()},
        capture_output=True,
        check=False,
    )
    path = target.directory / "deelnemers.csv"
    rows = write_csv(source, path, deelnemers)
    started = time.perf_counter()
    with (target.directory / "import.log").open("wb") as log:
        process = subprocess.Popen(
            [*stelsel(), "import", "deelnemers", str(path)],
            env={**os.environ, **target.environment()},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        peak_kb = _peak_rss_kb(process)
        _, status, _ = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    exit_code = os.waitstatus_to_exitcode(status)
    process.returncode = exit_code
    result: dict[str, Any] = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb * 1024 / 1_000_000, 1),
        "exit_code": exit_code,
    }
    if exit_code != 0:
        log_text = (target.directory / "import.log").read_text(encoding="utf-8", errors="replace")
        result["note"] = log_text.strip().splitlines()[-1][:300] if log_text.strip() else "failed"
    return result
