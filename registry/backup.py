"""Backup and restore of the whole register: ``stelsel backup FILE`` and ``stelsel restore FILE``.

A backup is one gzip-compressed tar archive (:mod:`registry.backup_archive`). Its first member,
``manifest.json``, says what it holds: the format version, when it was made, the database kind and
its Alembic revision, the row count of every table, and the SHA-256 and size of every other member
(a "part")::

    manifest.json
    database/stelsel.sqlite3     SQLite: a copy made with SQLite's online backup API
    database/stelsel.pgdump      PostgreSQL: pg_dump --format=custom of one snapshot
    documenten/...               generated documents from the data directory
    keys/...,  secret_key        key material, only with --include-keys

**Consistency while the portal runs.** SQLite copies the database in one step of the online backup
API, which reads one consistent state (in WAL mode writers keep writing meanwhile). PostgreSQL opens
a REPEATABLE READ READ ONLY transaction, exports its snapshot, reads the revision and row counts in
it, and lets ``pg_dump --snapshot`` dump exactly that snapshot: manifest and dump describe the same
moment. pg_dump is the standard tool for this (it keeps types, constraints, triggers and sequences
exactly) and needs the PostgreSQL client tools of the server's major version or newer.

**Restore** checks everything before it changes anything: the manifest, every checksum, that the
code knows the backup's schema revision (a backup from newer code is refused), the database kind,
and that the target database is empty unless the caller confirms replacing it. SQLite is restored
into a scratch copy first, migrated to the code's revision and its audit trail verified, and only
then copied into place with the backup API. PostgreSQL drops the portal's objects and replays the
dump in one psql transaction, so a failed restore leaves the database as it was; the database is
then migrated to the code's revision and the audit trail verified. A SQLite backup can also be
restored into PostgreSQL (the move from the embedded database to production): the rows are copied
through the models' column types into a schema the migrations build; not the other way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.metadata
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from registry import migrate
from registry.backup_archive import (
    FORMAT_NAME,
    FORMAT_VERSION,
    PRIVATE_FILE_MODE,
    ArchivePart,
    BackupError,
    DatabaseDescription,
    DatabaseKind,
    Manifest,
    one_line,
    read_manifest,
    sha256_of,
    unpack_archive,
    write_archive,
)
from registry.clock import Clock, SystemClock
from registry.database import create_engine, create_session_factory
from registry.settings import Settings

if TYPE_CHECKING:
    from registry.audit.services import ChainReport

__all__ = [
    "BackupError",
    "DatabaseNotEmpty",
    "Manifest",
    "RestoreReport",
    "cli_commands",
    "create_backup",
    "describe_database",
    "read_manifest",
    "restore_backup",
]

SQLITE_PART = "database/stelsel.sqlite3"
POSTGRES_PART = "database/stelsel.pgdump"
KEYS_PREFIX = "keys/"
SECRET_KEY_PART = "secret_key"  # noqa: S105 - an archive member name, not a secret
DOCUMENTS_PREFIX = "documenten/"
# Rows in these tables do not make a database "not empty": a freshly migrated database has them.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "audit_head"})
PRIVATE_DIRECTORY_MODE = 0o700
_COPY_BATCH = 1000


class DatabaseNotEmpty(BackupError):
    """The target database holds data and the caller did not confirm replacing it."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.rows = data_rows(counts)
        self.tables = sum(1 for name, rows in counts.items() if rows and name not in BOOKKEEPING_TABLES)
        super().__init__(f"the database is not empty ({self.rows} rows in {self.tables} tables)")


@dataclasses.dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a restore did."""

    manifest: Manifest
    revision: str | None
    audit_events_verified: int
    documents_restored: int
    key_files_restored: list[str]
    keys_skipped: bool


def data_rows(counts: Mapping[str, int]) -> int:
    """Rows that make a database "not empty" (everything but migration and chain bookkeeping)."""
    return sum(rows for name, rows in counts.items() if name not in BOOKKEEPING_TABLES)


def database_kind(settings: Settings) -> DatabaseKind:
    return "sqlite" if settings.is_sqlite else "postgresql"


def _application_version() -> str:
    try:
        return importlib.metadata.version("stelselregister")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts: dict[str, int] = {}
    for name in names:
        statement = f"SELECT count(*) FROM {_quote(name)}"  # noqa: S608 - a quoted name from the catalogue
        counts[name] = int(connection.execute(statement).fetchone()[0])
    return counts


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API, in a single step so the
    copy is one consistent state of the source; the target's previous contents are replaced."""
    with (
        closing(sqlite3.connect(source, timeout=30)) as source_db,
        closing(sqlite3.connect(target, timeout=30)) as target_db,
    ):
        source_db.backup(target_db)


def _sqlite_snapshot(database: Path, target: Path) -> tuple[str | None, dict[str, int]]:
    if not database.is_file():
        raise BackupError(f"the SQLite database {database} does not exist")
    _sqlite_copy(database, target)
    with closing(sqlite3.connect(target)) as copy:
        # A self-contained file in the archive: no WAL file next to it is needed to read it.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_revision(copy), _sqlite_counts(copy)


def _sqlite_describe(database: Path) -> tuple[str | None, dict[str, int]]:
    if not database.exists():
        return None, {}
    with closing(sqlite3.connect(database, timeout=30)) as connection:
        return _sqlite_revision(connection), _sqlite_counts(connection)


# --- PostgreSQL ---------------------------------------------------------------------------------


def libpq_environment(settings: Settings) -> dict[str, str]:
    """Environment for pg_dump/pg_restore/psql that points at the configured database (the
    password travels in the environment, never on a command line)."""
    url = make_url(settings.database_url)
    environment = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            environment[name] = value
        else:
            environment.pop(name, None)
    ssl = url.query.get("sslmode") or url.query.get("ssl")
    if isinstance(ssl, str) and ssl:
        environment["PGSSLMODE"] = "require" if ssl.lower() in {"true", "on", "1"} else ssl
    environment["PGCONNECT_TIMEOUT"] = str(max(2, round(settings.database_timeout_seconds)))
    environment["PGAPPNAME"] = "stelsel-backup"
    return environment


async def _run_tool(arguments: list[str], environment: Mapping[str, str]) -> None:
    """Run a PostgreSQL client tool; a failure becomes a one-line :class:`BackupError`."""
    tool = shutil.which(arguments[0])
    if tool is None:
        raise BackupError(
            f"{arguments[0]} is not installed: install the PostgreSQL client tools "
            "(the server's major version or newer)"
        )
    process = await asyncio.create_subprocess_exec(
        tool,
        *arguments[1:],
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=dict(environment),
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
        errors = [line for line in lines if "ERROR" in line or "error:" in line]
        reason = (errors or lines or [f"exit status {process.returncode}"])[0]
        raise BackupError(f"{arguments[0]} failed: {one_line(reason)}")


async def _postgres_counts(connection: AsyncConnection) -> dict[str, int]:
    names = (
        await connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        )
    ).scalars()
    quote = connection.dialect.identifier_preparer.quote
    counts: dict[str, int] = {}
    for name in list(names):
        statement = f"SELECT count(*) FROM {quote(name)}"  # noqa: S608 - a quoted name from the catalogue
        result = await connection.execute(text(statement))
        counts[name] = int(result.scalar_one())
    return counts


async def _postgres_revision(connection: AsyncConnection) -> str | None:
    exists = (
        await connection.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
    ).scalar_one()
    if not exists:
        return None
    value = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    return str(value) if value is not None else None


async def _postgres_snapshot(settings: Settings, target: Path) -> tuple[str | None, dict[str, int], str]:
    engine = create_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            snapshot_connection = await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with snapshot_connection.begin():
                snapshot = (
                    await snapshot_connection.execute(text("SELECT pg_export_snapshot()"))
                ).scalar_one()
                revision = await _postgres_revision(snapshot_connection)
                counts = await _postgres_counts(snapshot_connection)
                version = (await snapshot_connection.execute(text("SHOW server_version"))).scalar_one()
                # The snapshot stays valid while this transaction is open: pg_dump reads exactly it.
                await _run_tool(
                    [
                        "pg_dump",
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                        "--no-password",
                    ],
                    libpq_environment(settings),
                )
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(f"cannot read the PostgreSQL database: {one_line(str(exc))}") from None
    finally:
        await engine.dispose()
    return revision, counts, str(version)


# Drops every table, view, sequence, function and type of the portal's schema (not those of an
# extension), so the dump can be replayed into an existing database; runs in the restore transaction.
_POSTGRES_LOCK_TIMEOUT = "SET lock_timeout = '60s'"
_POSTGRES_CLEAR_SCHEMA = """
DO $clear$
DECLARE
    statements text[];
    statement text;
BEGIN
    SELECT coalesce(array_agg(format('DROP %s IF EXISTS %I.%I CASCADE',
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                   WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
               n.nspname, c.relname) ORDER BY c.relkind DESC), '{}')
      INTO statements
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                       AND d.objid = c.oid AND d.deptype = 'e');
    statements := statements || coalesce((
        SELECT array_agg(format('DROP %s IF EXISTS %I.%I(%s) CASCADE',
                   CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                   n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)))
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                           AND d.objid = p.oid AND d.deptype = 'e')), '{}');
    statements := statements || coalesce((
        SELECT array_agg(format('DROP %s IF EXISTS %I.%I CASCADE',
                   CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname))
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = current_schema()
           AND (t.typtype IN ('e', 'd', 'r')
                OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                           AND d.objid = t.oid AND d.deptype = 'e')), '{}');
    FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
    END LOOP;
END
$clear$
"""
# After rows were copied in with their own ids, every sequence continues after the highest one.
_POSTGRES_ADVANCE_SEQUENCES = """
DO $advance$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT table_name, column_name FROM information_schema.columns
                 WHERE table_schema = current_schema()
                   AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
    LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(quote_ident(%L), %L), '
                       'coalesce(max(%I), 0) + 1, false) FROM %I',
                       item.table_name, item.column_name, item.column_name, item.table_name);
    END LOOP;
END
$advance$
"""


async def _postgres_describe(settings: Settings) -> tuple[str | None, dict[str, int]]:
    engine = create_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            return await _postgres_revision(connection), await _postgres_counts(connection)
    except Exception as exc:
        raise BackupError(f"cannot reach the PostgreSQL database: {one_line(str(exc))}") from None
    finally:
        await engine.dispose()


async def _postgres_replay(settings: Settings, dump: Path, scratch: Path) -> None:
    script, clear = scratch / "restore.sql", scratch / "clear.sql"
    environment = libpq_environment(settings)
    # pg_restore only converts the dump to SQL here (no connection); psql replays it after clearing
    # the schema, all in one transaction.
    await _run_tool(
        ["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(dump)], environment
    )
    clear.write_text(f"{_POSTGRES_LOCK_TIMEOUT};\n{_POSTGRES_CLEAR_SCHEMA};\n", encoding="utf-8")
    await _run_tool(
        [
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--file={clear}",
            f"--file={script}",
        ],
        environment,
    )


# --- the archive --------------------------------------------------------------------------------


def _data_files(settings: Settings, include_keys: bool) -> Iterator[tuple[str, Path]]:
    """The data directory's files that go into the archive, by archive name."""
    documents = settings.documents_dir
    if documents.is_dir():
        for path in sorted(documents.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield DOCUMENTS_PREFIX + path.relative_to(documents).as_posix(), path
    if not include_keys:
        return
    if settings.keys_dir.is_dir():
        for path in sorted(settings.keys_dir.iterdir()):
            # the lock file is not key material
            if path.is_file() and not path.name.startswith("."):
                yield KEYS_PREFIX + path.name, path
    secret = settings.data_dir / "secret_key"
    if secret.is_file():
        yield SECRET_KEY_PART, secret


# --- backup -------------------------------------------------------------------------------------


def _check_new_archive(target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")


async def create_backup(
    settings: Settings, target: Path, *, include_keys: bool = False, clock: Clock | None = None
) -> Manifest:
    """Write a backup of the configured database (and documents, and keys when asked) to ``target``."""
    _check_new_archive(target)
    kind = database_kind(settings)
    created_at = (clock or SystemClock()).now()
    with tempfile.TemporaryDirectory(prefix="stelsel-backup-") as scratch:
        if kind == "sqlite":
            database_file = Path(scratch) / "stelsel.sqlite3"
            revision, counts = await asyncio.to_thread(_sqlite_snapshot, sqlite_path(settings), database_file)
            description = DatabaseDescription(
                kind=kind,
                method="sqlite3 online backup API",
                alembic_revision=revision,
                tables=counts,
                server_version=sqlite3.sqlite_version,
            )
            files = {SQLITE_PART: database_file}
        else:
            database_file = Path(scratch) / "stelsel.pgdump"
            revision, counts, version = await _postgres_snapshot(settings, database_file)
            description = DatabaseDescription(
                kind=kind,
                method="pg_dump --format=custom of an exported REPEATABLE READ snapshot",
                alembic_revision=revision,
                tables=counts,
                server_version=version,
            )
            files = {POSTGRES_PART: database_file}
        # Documents and keys are read after the database snapshot, so every document the snapshot
        # refers to is there.
        files |= dict(_data_files(settings, include_keys))
        parts = [
            ArchivePart(name=name, sha256=await asyncio.to_thread(sha256_of, path), size=path.stat().st_size)
            for name, path in files.items()
        ]
        manifest = Manifest(
            format=FORMAT_NAME,
            format_version=FORMAT_VERSION,
            created_at=created_at,
            application_version=_application_version(),
            database=description,
            parts=parts,
            includes_keys=include_keys,
        )
        await asyncio.to_thread(write_archive, target, manifest, files)
    return manifest


# --- restore ------------------------------------------------------------------------------------


async def describe_database(settings: Settings) -> tuple[str | None, dict[str, int]]:
    """The configured database's Alembic revision and the row count of every table."""
    if settings.is_sqlite:
        return await asyncio.to_thread(_sqlite_describe, sqlite_path(settings))
    return await _postgres_describe(settings)


def _check_restorable(settings: Settings, manifest: Manifest, include_keys: bool) -> None:
    kind = database_kind(settings)
    if manifest.database.kind != kind and (manifest.database.kind, kind) != ("sqlite", "postgresql"):
        raise BackupError(
            f"the backup is of a {manifest.database.kind} database and this portal uses {kind}: "
            "only SQLite backups can be restored into PostgreSQL, not the other way"
        )
    revision = manifest.database.alembic_revision
    if revision is not None:
        from alembic.script import ScriptDirectory
        from alembic.util.exc import CommandError

        script = ScriptDirectory.from_config(migrate.alembic_config(settings))
        try:
            found = script.get_revision(revision)
            known = found is not None and found.revision == revision
        except CommandError:
            known = False
        if not known:
            raise BackupError(
                f"the backup is at schema revision {revision}, which this version does not know "
                f"(it expects {script.get_current_head()} or older): restore it with the newer release "
                "that made it"
            )
    if include_keys and not manifest.includes_keys:
        raise BackupError("the backup holds no keys (it was made without --include-keys)")


async def _verify_audit_trail(settings: Settings) -> ChainReport:
    from registry.audit.services import verify_chain

    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            return await verify_chain(session)
    finally:
        await engine.dispose()


def _require_chain(report: ChainReport, where: str) -> None:
    if not report.ok:
        raise BackupError(
            f"{where}: the audit trail does not verify at event {report.broken_seq}: {report.problem}"
        )


def _check_counts(expected: Mapping[str, int], found: Mapping[str, int], where: str) -> None:
    different = sorted(name for name in set(expected) | set(found) if expected.get(name) != found.get(name))
    if different:
        raise BackupError(f"{where}: row counts differ from the backup in {', '.join(different)}")


async def _upgrade_if_behind(settings: Settings, manifest: Manifest) -> None:
    """Run the migrations from the backup's revision up to the code's (a backup from an older
    release); a backup at the current revision needs none."""
    if manifest.database.alembic_revision != await asyncio.to_thread(migrate.head_revision, settings):
        await asyncio.to_thread(migrate.upgrade, settings)


async def _restore_sqlite(settings: Settings, manifest: Manifest, scratch: Path) -> int:
    restored = scratch / SQLITE_PART
    _, counts = await asyncio.to_thread(_sqlite_describe, restored)
    _check_counts(manifest.database.tables, counts, "the archived database")
    # Migrate and verify a scratch copy first: the target is only touched once all of it holds.
    scratch_settings = dataclasses.replace(settings, database_url=f"sqlite+aiosqlite:///{restored}")
    await _upgrade_if_behind(scratch_settings, manifest)
    _require_chain(await _verify_audit_trail(scratch_settings), "the archived database")
    target = sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(_sqlite_copy, restored, target)
    report = await _verify_audit_trail(settings)
    _require_chain(report, "after the restore")
    return report.checked


async def _restore_postgres(settings: Settings, manifest: Manifest, scratch: Path) -> int:
    await _postgres_replay(settings, scratch / POSTGRES_PART, scratch)
    _, counts = await _postgres_describe(settings)
    _check_counts(manifest.database.tables, counts, "after the restore")
    await _upgrade_if_behind(settings, manifest)
    report = await _verify_audit_trail(settings)
    _require_chain(report, "after the restore")
    return report.checked


async def _copy_rows(source: AsyncConnection, target: AsyncConnection) -> None:
    """Every table the models know, parents first, through the models' column types (so UUIDs,
    timestamps and JSON convert between the engines); ``alembic_version`` stays the target's."""
    from registry.models_index import load_all_models

    tables = load_all_models().sorted_tables
    for table in reversed(tables):
        await target.execute(table.delete())  # rows the migrations seeded (the chain's head)
    for table in tables:
        result = await source.stream(table.select())
        async for rows in result.mappings().partitions(_COPY_BATCH):
            await target.execute(table.insert(), [dict(row) for row in rows])
    await target.execute(text(_POSTGRES_ADVANCE_SEQUENCES))


async def _restore_sqlite_into_postgres(settings: Settings, manifest: Manifest, scratch: Path) -> int:
    """Move a register from SQLite to PostgreSQL: the archived database is migrated and verified as
    in a SQLite restore, the PostgreSQL schema is rebuilt by the migrations, and the rows are copied
    in one transaction."""
    restored = scratch / SQLITE_PART
    _, counts = await asyncio.to_thread(_sqlite_describe, restored)
    _check_counts(manifest.database.tables, counts, "the archived database")
    source_settings = dataclasses.replace(settings, database_url=f"sqlite+aiosqlite:///{restored}")
    await _upgrade_if_behind(source_settings, manifest)
    _require_chain(await _verify_audit_trail(source_settings), "the archived database")
    _, source_counts = await asyncio.to_thread(_sqlite_describe, restored)
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(_POSTGRES_LOCK_TIMEOUT))
            await connection.execute(text(_POSTGRES_CLEAR_SCHEMA))
        await asyncio.to_thread(migrate.upgrade, settings)
        source_engine = create_engine(source_settings)
        try:
            async with source_engine.connect() as source, engine.begin() as target:
                await _copy_rows(source, target)
        finally:
            await source_engine.dispose()
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(
            f"copying into PostgreSQL failed, the database is incomplete (restore again with --yes): "
            f"{one_line(str(exc))}"
        ) from None
    finally:
        await engine.dispose()
    _, copied = await _postgres_describe(settings)
    source_counts.pop("alembic_version", None)
    copied.pop("alembic_version", None)
    _check_counts(source_counts, copied, "after the restore")
    report = await _verify_audit_trail(settings)
    _require_chain(report, "after the restore")
    return report.checked


def _place_file(source: Path, target: Path, mode: int) -> None:
    """Put a restored file in place atomically, with the given permissions."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, temporary)
    temporary.chmod(mode)
    temporary.replace(target)


def _restore_files(
    settings: Settings, manifest: Manifest, scratch: Path, include_keys: bool
) -> tuple[int, list[str]]:
    documents, keys = 0, []
    for part in manifest.parts:
        if part.name.startswith(DOCUMENTS_PREFIX):
            relative = part.name.removeprefix(DOCUMENTS_PREFIX)
            _place_file(scratch / part.name, settings.documents_dir / relative, 0o640)
            documents += 1
        elif include_keys and part.name.startswith(KEYS_PREFIX):
            settings.keys_dir.mkdir(parents=True, exist_ok=True)
            settings.keys_dir.chmod(PRIVATE_DIRECTORY_MODE)
            name = part.name.removeprefix(KEYS_PREFIX)
            _place_file(scratch / part.name, settings.keys_dir / name, PRIVATE_FILE_MODE)
            keys.append(part.name)
        elif include_keys and part.name == SECRET_KEY_PART:
            _place_file(scratch / part.name, settings.data_dir / SECRET_KEY_PART, PRIVATE_FILE_MODE)
            keys.append(part.name)
    return documents, keys


async def restore_backup(
    settings: Settings, source: Path, *, include_keys: bool = False, replace: bool = False
) -> RestoreReport:
    """Restore an archive into the configured database (and data directory).

    Refuses, before changing anything, a damaged archive, a backup from a newer schema revision or
    another database kind, ``include_keys`` for a backup without keys, and a database that is not
    empty unless ``replace`` is set (:class:`DatabaseNotEmpty`).
    """
    with tempfile.TemporaryDirectory(prefix="stelsel-restore-") as scratch_name:
        scratch = Path(scratch_name)
        manifest = await asyncio.to_thread(unpack_archive, source, scratch)
        _check_restorable(settings, manifest, include_keys)
        if not replace:
            _, counts = await describe_database(settings)
            if data_rows(counts):
                raise DatabaseNotEmpty(counts)
        if manifest.database.kind != database_kind(settings):
            checked = await _restore_sqlite_into_postgres(settings, manifest, scratch)
        elif manifest.database.kind == "sqlite":
            checked = await _restore_sqlite(settings, manifest, scratch)
        else:
            checked = await _restore_postgres(settings, manifest, scratch)
        documents, keys = await asyncio.to_thread(_restore_files, settings, manifest, scratch, include_keys)
    revision, _ = await describe_database(settings)
    return RestoreReport(
        manifest=manifest,
        revision=revision,
        audit_events_verified=checked,
        documents_restored=documents,
        key_files_restored=keys,
        keys_skipped=manifest.includes_keys and not include_keys,
    )


# --- commands -----------------------------------------------------------------------------------


def _settings_of(ctx: click.Context) -> Settings:
    from registry.cli import settings_of

    return settings_of(ctx)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--include-keys",
    is_flag=True,
    help="Also store the signing keys and the secret key; keep such an archive as safe as the keys.",
)
@click.pass_context
def backup_command(ctx: click.Context, file: Path, include_keys: bool) -> None:
    """Write a consistent backup of the database and documents to FILE (.tar.gz).

    Safe while the portal runs."""
    try:
        manifest = asyncio.run(create_backup(_settings_of(ctx), file, include_keys=include_keys))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    database = manifest.database
    click.echo(
        f"backup written to {file}: {database.kind} at revision {database.alembic_revision or 'base'}, "
        f"{manifest.total_rows} rows in {len(database.tables)} tables, {len(manifest.parts)} parts"
        + (", with keys" if manifest.includes_keys else "")
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-keys", is_flag=True, help="Also restore the signing keys and the secret key.")
@click.option("--yes", is_flag=True, help="Confirm replacing the contents of a database that is not empty.")
@click.pass_context
def restore_command(ctx: click.Context, file: Path, include_keys: bool, yes: bool) -> None:
    """Restore the backup in FILE into the configured database; stop the portal first."""
    try:
        report = asyncio.run(restore_backup(_settings_of(ctx), file, include_keys=include_keys, replace=yes))
    except DatabaseNotEmpty as exc:
        message = f"{exc}: a restore replaces all of it; run again with --yes to confirm"
        raise click.ClickException(message) from None
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = report.manifest
    click.echo(
        f"restored {file} (made {manifest.created_at:%Y-%m-%d %H:%M:%S %Z}): "
        f"{manifest.total_rows} rows, database now at revision {report.revision or 'base'}, "
        f"audit trail verified ({report.audit_events_verified} events), "
        f"{report.documents_restored} documents"
        + (f", {len(report.key_files_restored)} key files" if include_keys else "")
    )
    if report.keys_skipped:
        click.echo("the backup also holds keys; they were not restored (add --include-keys to restore them)")


cli_commands = [backup_command, restore_command]
