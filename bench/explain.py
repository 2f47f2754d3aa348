"""Query plans of the lookups: every statement a lookup sends must use an index, never scan a table.

    python -m bench.explain --register bench/out/sqlite-100k

Runs the app in-process on a generated register, makes each lookup request once, records the SQL
statements it sends (with their parameters) as the driver receives them, both through SQLAlchemy and
through the read path's own driver connections (:mod:`registry.directread`), and asks the database for
the plan of each (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL, after a ``VACUUM
(ANALYZE)`` of the register tables, as autovacuum keeps a register in use). A plan that reads a
whole register table (SQLite ``SCAN deelnemer…``, PostgreSQL ``Seq Scan on deelnemer…``) fails
loudly: the command prints the statement and its plan and exits with status 1. Small tables (the
catalogue, accounts, keys, the audit head) may be scanned, and so may a register table that holds
fewer than ``SMALL_TABLE_ROWS`` rows (the planner reads a few pages rather than an index there, and
takes the index once the table grows: the verklaringen of a generated register are a few dozen).
On PostgreSQL, a register of fewer than ``POSTGRES_PLANNER_SCALE_ROWS`` deelnemers (a smoke run's)
is asked with ``enable_seqscan`` off: whether an index serves each statement, as its planner would
rightly read tables of a few thousand rows whole.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.workspace import Register

# Tables that grow with the register: a lookup must never read one of them whole.
REGISTER_TABLES = frozenset(
    {
        "deelnemer",
        "deelnemer_identificatie",
        "deelnemer_zoekterm",
        "deelnemer_contactpersoon",
        "deelnemer_statusperiode",
        "rolvervulling",
        "rolvervulling_wijziging",
        "ondersteuningsrelatie",
        "audit_event",
        "verklaring",
        "verklaring_aanmelding",
        "verklaring_document",
        "verklaring_ondertekening",
    }
)
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
_POSTGRES_SCAN = re.compile(r"Seq Scan on (\w+)")


@dataclass(slots=True)
class Statement:
    sql: str
    parameters: Any
    plan: list[str] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Lookup:
    label: str
    path: str
    status: int = 0
    statements: list[Statement] = field(default_factory=list)

    @property
    def scans(self) -> list[str]:
        return [scan for statement in self.statements for scan in statement.scans]


def lookups(workload: dict[str, Any]) -> list[Lookup]:

    def quote(value: str) -> str:
        return urllib.parse.quote(value, safe=":")

    identificatie = workload["identificaties"][0]
    deelnemer, rol, peildatum = workload["rolchecks"][0]
    return [
        Lookup("lookup by identificatie", f"/api/v1/deelnemers?identificatie={quote(identificatie)}"),
        Lookup("deelnemer by identificatie", f"/api/v1/deelnemers/{quote(identificatie)}"),
        Lookup("deelnemer by id", f"/api/v1/deelnemers/{workload['deelnemer_ids'][0]}"),
        Lookup("rolcheck", f"/api/v1/rolcheck?deelnemer={quote(deelnemer)}&rol={rol}&peildatum={peildatum}"),
        Lookup("search by name prefix", f"/api/v1/deelnemers?zoek={quote(workload['zoek'][0])}"),
        Lookup("dienstverleners", "/api/v1/dienstverleners"),
    ]


def _table_of(name: str) -> str:
    """SQLAlchemy aliases tables as ``deelnemer_1``; the plan names the alias."""
    return re.sub(r"_\d+$", "", name)


# A planner rightly reads a table of a few pages whole rather than through an index; such a scan
# does not grow with the register until the table does, and then the planner takes the index.
SMALL_TABLE_ROWS = 1000
# PostgreSQL's cost model reads a table of some thousands of rows whole even where an index would
# serve (a hash join over a few pages beats dozens of index probes). In a register smaller than this
# (a smoke run's), the check asks with ``enable_seqscan`` off whether an index serves each statement;
# at register scale it checks the planner's own choice.
POSTGRES_PLANNER_SCALE_ROWS = 50_000


def _scans(plan: list[str], pattern: re.Pattern[str], small: frozenset[str] = frozenset()) -> list[str]:
    found = []
    for line in plan:
        match = pattern.search(line.strip().lstrip("-> ").strip())
        if match and _table_of(match[1]) in REGISTER_TABLES - small:
            found.append(line.strip())
    return found


async def _capture(register: Register, wanted: list[Lookup]) -> None:
    import logging

    from litestar.testing import AsyncTestClient
    from sqlalchemy import event

    from registry.app import create_app

    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = create_app(register.settings())
    engine = app.state.db_engine
    current: list[Statement] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        current.append(Statement(statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    _trace_direct_reads(app.state, current)
    async with AsyncTestClient(app=app) as client:
        for lookup in wanted:
            current.clear()
            response = await client.get(lookup.path)
            lookup.status = response.status_code
            lookup.statements = [
                statement for statement in current if statement.sql.lstrip().upper().startswith("SELECT")
            ]


def _trace_direct_reads(state: Any, current: list[Statement]) -> None:
    """Record the statements of the app's direct reader too: they bypass SQLAlchemy's events."""
    from registry.directread import _numbered, direct_reader

    reader = direct_reader(state)
    snapshot = reader.snapshot
    numbered = not register_is_sqlite(reader)

    @asynccontextmanager
    async def traced() -> AsyncIterator[Any]:
        async with snapshot() as snap:
            rows = snap.rows

            async def recording(sql: str, *params: Any) -> Any:
                current.append(Statement(_numbered(sql) if numbered else sql, params))
                return await rows(sql, *params)

            snap.rows = recording
            yield snap

    reader.snapshot = traced  # type: ignore[method-assign]


def register_is_sqlite(reader: Any) -> bool:
    from registry.directread import SqliteReader

    return isinstance(reader, SqliteReader)


def _sqlite_rows(connection: Any, table: str) -> int:
    """The rows of ``table``, counted up to :data:`SMALL_TABLE_ROWS`."""
    sql = f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT ?)'
    count: int = connection.execute(sql, (SMALL_TABLE_ROWS,)).fetchone()[0]
    return count


def _explain_sqlite(register: Register, statements: list[Statement]) -> None:
    import sqlite3

    connection = sqlite3.connect(register.sqlite_path)
    try:
        small = frozenset(
            table for table in REGISTER_TABLES if _sqlite_rows(connection, table) < SMALL_TABLE_ROWS
        )
        for statement in statements:
            rows = connection.execute(
                f"EXPLAIN QUERY PLAN {statement.sql}", tuple(statement.parameters or ())
            ).fetchall()
            statement.plan = [str(row[-1]) for row in rows]
            statement.scans = _scans(statement.plan, _SQLITE_SCAN, small)
    finally:
        connection.close()


async def _explain_postgres(register: Register, statements: list[Statement]) -> None:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    url = make_url(register.database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        # A register in use is vacuumed by autovacuum, which keeps the visibility map that lets the
        # planner answer from an index alone (an index-only scan); a register just generated has not
        # been vacuumed yet, so the plans would be those of no register in production.
        tables = ", ".join(sorted(REGISTER_TABLES))
        await connection.execute(f"VACUUM (ANALYZE) {tables}")
        small = frozenset(
            row["relname"]
            for row in await connection.fetch(
                "SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND reltuples < $2",
                sorted(REGISTER_TABLES),
                SMALL_TABLE_ROWS,
            )
        )
        deelnemers = await connection.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'deelnemer'")
        if deelnemers is not None and deelnemers < POSTGRES_PLANNER_SCALE_ROWS:
            await connection.execute("SET enable_seqscan = off")
        for statement in statements:
            rows = await connection.fetch(f"EXPLAIN {statement.sql}", *(statement.parameters or ()))
            statement.plan = [str(row[0]) for row in rows]
            statement.scans = _scans(statement.plan, _POSTGRES_SCAN, small)
    finally:
        await connection.close()


def explain(register: Register) -> list[Lookup]:
    """The lookups with their statements and plans (see the module docstring)."""
    wanted = lookups(register.read_workload())
    asyncio.run(_capture(register, wanted))
    statements = [statement for lookup in wanted for statement in lookup.statements]
    if register.is_sqlite:
        _explain_sqlite(register, statements)
    else:
        asyncio.run(_explain_postgres(register, statements))
    return wanted


def summary(found: list[Lookup]) -> dict[str, Any]:
    return {
        "ok": all(not lookup.scans and lookup.status < 500 for lookup in found),
        "lookups": [
            {
                "label": lookup.label,
                "path": lookup.path,
                "status": lookup.status,
                "statements": len(lookup.statements),
                "scans": lookup.scans,
            }
            for lookup in found
        ],
    }


def _show(value: Any) -> Any:
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    return value


def report(found: list[Lookup], out: Any = sys.stdout) -> bool:
    ok = True
    for lookup in found:
        verdict = "FULL SCAN" if lookup.scans else "ok (indexed)"
        print(
            f"{verdict:>13}  {lookup.label}: {len(lookup.statements)} statements, HTTP {lookup.status}",
            file=out,
        )
        for statement in lookup.statements:
            if statement.scans:
                ok = False
                sql = re.sub(r"(\?, ){3,}\?", "?, …, ?", " ".join(statement.sql.split()))  # long IN lists
                shown = list(statement.parameters or ())
                more = f" … ({len(shown)} in all)" if len(shown) > 4 else ""
                print(f"\n  statement: {sql}\n  parameters: {[_show(p) for p in shown[:4]]}{more}", file=out)
                print("  plan:\n    " + "\n    ".join(statement.plan) + "\n", file=out)
    return ok


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.explain", description=__doc__.split("\n\n")[0])
    parser.add_argument("--register", type=Path, required=True)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    workload = json.loads((args.register / "workload.json").read_text(encoding="utf-8"))
    register = Register(args.register, workload["database_url"])
    found = explain(register)
    ok = report(found)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary(found), indent=1), encoding="utf-8")
    if not ok:
        print("bench.explain: a lookup reads a whole register table (see the plans above)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
