"""Backup and restore: a register filled through the services comes back row for row, on SQLite and
PostgreSQL, and a restore refuses what it must refuse before it changes anything.

The comparison is generic: every table the migrations made is read before and after, so tables that
domains add are covered without changing this test.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tarfile
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from registry import migrate
from registry.accounts.services import create_api_client, create_user, start_session
from registry.audit.services import Actor, audited_write, verify_chain
from registry.backup import (
    BackupError,
    DatabaseNotEmpty,
    create_backup,
    describe_database,
    read_manifest,
    restore_backup,
)
from registry.cli import main
from registry.clock import Clock
from registry.database import create_engine, create_session_factory
from registry.settings import Settings
from tests.conftest import DEFAULT_PASSWORD, TEST_SECRET
from tests.reliability.databases import (
    PG_URL_ENV,
    demo_clone,
    in_own_thread,
    model_contents,
    new_postgres_database,
    table_contents,
    wipe_database,
    with_database,
)


async def _add_through_the_services(settings: Settings, clock: Clock, email: str) -> None:
    """A user who logs in and an API client: account rows, a session and their audit events."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            user = await create_user(
                session,
                email=email,
                display_name="Test gebruiker",
                role="casemanager",
                password=DEFAULT_PASSWORD,
                deelnemer_id=None,
                actor=Actor.system("test"),
                clock=clock,
            )
            await start_session(session, user, clock=clock, lifetime=timedelta(hours=1))
            await create_api_client(
                session, name="Back-uptest", scopes=["lookup:read"], actor=Actor.system("test"), clock=clock
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def filled(db_backend: str, tmp_path: Path, clock: Clock) -> AsyncIterator[Settings]:
    """A register with every domain's demo data, plus users, a session, an API client and their
    audit events written through the services, and documents and keys in the data directory."""
    with ExitStack() as stack:
        url, data_dir = await asyncio.to_thread(stack.enter_context, demo_clone(db_backend, tmp_path))
        settings = Settings(data_dir=data_dir, database_url=url, secret_key=TEST_SECRET)
        await _add_through_the_services(settings, clock, "voor-de-backup@example.nl")
        (settings.documents_dir / "2026").mkdir(parents=True, exist_ok=True)
        (settings.documents_dir / "2026" / "verklaring.pdf").write_bytes(b"%PDF-1.7 test")
        settings.keys_dir.mkdir(exist_ok=True)
        (settings.keys_dir / ".lock").touch()
        (settings.data_dir / "secret_key").write_text("s" * 64)
        try:
            yield settings
        finally:
            await asyncio.to_thread(stack.close)


async def _chain_ok(settings: Settings) -> int:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            report = await verify_chain(session)
    finally:
        await engine.dispose()
    assert report.ok, report
    return report.checked


async def test_backup_wipe_restore_brings_back_every_row(
    filled: Settings, db_backend: str, tmp_path: Path
) -> None:
    before = await table_contents(filled)
    assert sum(len(rows) for rows in before.values()) > 5
    archive = tmp_path / "backup.tar.gz"

    manifest = await create_backup(filled, archive)

    assert archive.stat().st_mode & 0o777 == 0o600
    assert manifest.database.tables == {name: len(rows) for name, rows in before.items()}
    assert manifest.database.alembic_revision == migrate.head_revision(filled)
    assert not any(part.name.startswith(("keys/", "secret_key")) for part in manifest.parts)
    await wipe_database(filled)
    assert (await describe_database(filled))[1] == {}

    report = await restore_backup(filled, archive)

    assert await table_contents(filled) == before
    assert report.audit_events_verified == await _chain_ok(filled) > 0
    assert report.revision == migrate.head_revision(filled)

    # The same archive into another, empty database and data directory.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    async with AsyncExitStack() as stack:
        if db_backend == "sqlite":
            url = f"sqlite+aiosqlite:///{elsewhere / 'nieuw.sqlite3'}"
        else:
            url = await stack.enter_async_context(new_postgres_database(os.environ[PG_URL_ENV]))
        target = with_database(filled, url, elsewhere)
        await restore_backup(target, archive)
        assert await table_contents(target) == before
        await _chain_ok(target)
    assert (elsewhere / "documenten" / "2026" / "verklaring.pdf").read_bytes() == b"%PDF-1.7 test"
    assert not (elsewhere / "keys").exists()


async def test_restore_over_data_needs_confirmation_and_then_replaces_it(
    filled: Settings, tmp_path: Path, clock: Clock
) -> None:
    before = await table_contents(filled)
    archive = tmp_path / "backup.tar.gz"
    await create_backup(filled, archive)
    await _add_through_the_services(filled, clock, "na-de-backup@example.nl")
    after_change = await table_contents(filled)
    assert after_change != before

    with pytest.raises(DatabaseNotEmpty) as refused:
        await restore_backup(filled, archive)
    assert refused.value.rows > 0
    assert await table_contents(filled) == after_change

    await restore_backup(filled, archive, replace=True)
    assert await table_contents(filled) == before
    await _chain_ok(filled)


def _rewrite_archive(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Copy an archive member by member, letting ``change`` alter a member's bytes."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for member in original:
            handle = original.extractfile(member)
            assert handle is not None
            data = change(member.name, handle.read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


def _flip_last_byte(name: str, data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF]) if name.startswith("database/") else data


def _future_revision(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["database"]["alembic_revision"] = "9999_from_the_future"
    return json.dumps(manifest).encode()


DAMAGES: list[tuple[str, Callable[[Path, Path], None], str]] = [
    ("a part changed", lambda source, target: _rewrite_archive(source, target, _flip_last_byte),
     "checksum mismatch for database/"),
    ("truncated", lambda source, target: target.write_bytes(source.read_bytes()[:-200]),
     "is damaged or not a backup archive"),
    ("not an archive", lambda source, target: target.write_bytes(b"just some text\n" * 50),
     "is damaged or not a backup archive"),
    ("newer schema", lambda source, target: _rewrite_archive(source, target, _future_revision),
     "schema revision 9999_from_the_future, which this version does not know"),
]  # fmt: skip


async def test_restore_refuses_a_damaged_or_newer_backup_before_changing_anything(
    filled: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    await create_backup(filled, archive)
    before = await table_contents(filled)
    for name, damage, message in DAMAGES:
        damaged = tmp_path / f"{name}.tar.gz"
        damage(archive, damaged)

        with pytest.raises(BackupError) as refused:
            await restore_backup(filled, damaged, replace=True)

        assert message in str(refused.value), name
        assert "\n" not in str(refused.value)
    assert await table_contents(filled) == before


async def test_keys_travel_only_when_asked(filled: Settings, tmp_path: Path) -> None:
    without, with_keys = tmp_path / "zonder.tar.gz", tmp_path / "met.tar.gz"
    original = {path.name: path.read_bytes() for path in filled.keys_dir.iterdir() if path.name != ".lock"}
    assert "keys.json" in original
    await create_backup(filled, without)
    manifest = await create_backup(filled, with_keys, include_keys=True)
    key_parts = {
        part.name for part in manifest.parts if part.name.startswith("keys/") or part.name == "secret_key"
    }
    assert key_parts == {f"keys/{name}" for name in original} | {"secret_key"}
    assert not any(part.name.startswith("keys/") for part in read_manifest(without).parts)

    with pytest.raises(BackupError, match="holds no keys"):
        await restore_backup(filled, without, include_keys=True, replace=True)

    (filled.keys_dir / "keys.json").write_text("changed")
    report = await restore_backup(filled, with_keys, replace=True)
    assert report.keys_skipped
    assert (filled.keys_dir / "keys.json").read_text() == "changed"

    report = await restore_backup(filled, with_keys, include_keys=True, replace=True)
    assert set(report.key_files_restored) == key_parts
    for name, content in original.items():
        assert (filled.keys_dir / name).read_bytes() == content
        assert (filled.keys_dir / name).stat().st_mode & 0o777 == 0o600


async def test_an_older_schema_is_restored_and_migrated_to_the_current_one(
    settings: Settings, tmp_path: Path
) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(settings))
    first = script.get_base()
    assert first is not None
    await asyncio.to_thread(migrate.downgrade, settings, "base")
    await asyncio.to_thread(migrate.upgrade, settings, first)
    archive = tmp_path / "oud.tar.gz"
    manifest = await create_backup(settings, archive)
    assert manifest.database.alembic_revision == first
    await wipe_database(settings)

    report = await restore_backup(settings, archive)

    assert report.revision == script.get_current_head()


async def test_backup_is_consistent_while_the_portal_writes(
    filled: Settings, tmp_path: Path, clock: Clock
) -> None:
    """Writers keep committing audited changes during the backup; the archive is one moment."""
    engine = create_engine(filled)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        async with create_session_factory(engine)() as session:
            while not stop.is_set() and written < 500:
                async with audited_write(session, Actor.system("schrijver"), clock) as tx:
                    tx.record("test.geschreven", "test", written)
                written += 1
                await asyncio.sleep(0)
        return written

    archive = tmp_path / "tijdens.tar.gz"
    writer = asyncio.create_task(keep_writing())
    try:
        await asyncio.sleep(0.05)
        manifest = await create_backup(filled, archive)
    finally:
        stop.set()
        written = await writer
        await engine.dispose()
    assert written > 0
    # The archive's own row counts match its database, and its chain is whole.
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    if filled.is_sqlite:
        target = with_database(filled, f"sqlite+aiosqlite:///{elsewhere / 'x.sqlite3'}", elsewhere)
        await restore_backup(target, archive)
        assert await _chain_ok(target) == manifest.database.tables["audit_event"]
    else:
        async with new_postgres_database(os.environ[PG_URL_ENV]) as url:
            target = with_database(filled, url, elsewhere)
            await restore_backup(target, archive)
            assert await _chain_ok(target) == manifest.database.tables["audit_event"]


async def test_a_sqlite_register_moves_to_postgresql_but_not_back(
    filled: Settings, db_backend: str, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    await create_backup(filled, archive)
    if db_backend == "postgresql":
        into_sqlite = with_database(filled, f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
        with pytest.raises(BackupError, match="only SQLite backups can be restored into PostgreSQL"):
            await restore_backup(into_sqlite, archive)
        return
    if PG_URL_ENV not in os.environ:
        pytest.skip("moving to PostgreSQL needs STELSEL_TEST_DATABASE_URL")
    before = await model_contents(filled)
    async with new_postgres_database(os.environ[PG_URL_ENV]) as url:
        target = with_database(filled, url, tmp_path / "pg-data")

        report = await restore_backup(target, archive)

        assert await model_contents(target) == before
        assert report.audit_events_verified == len(before["audit_event"]) > 0
        assert report.revision == migrate.head_revision(target)


def test_the_commands_speak_in_one_line(filled: Settings, tmp_path: Path) -> None:
    env = {
        "STELSEL_DATA_DIR": str(filled.data_dir),
        "STELSEL_DATABASE_URL": filled.database_url,
        "STELSEL_SECRET_KEY": filled.secret_key,
    }
    runner = CliRunner()
    archive = tmp_path / "cli.tar.gz"

    made = in_own_thread(runner.invoke, main, ["backup", str(archive)], env=env)
    assert made.exit_code == 0, made.output
    assert f"backup written to {archive}" in made.output
    assert read_manifest(archive).database.kind == ("sqlite" if filled.is_sqlite else "postgresql")

    again = in_own_thread(runner.invoke, main, ["backup", str(archive)], env=env)
    assert again.exit_code == 1
    assert "already exists" in again.output

    unconfirmed = in_own_thread(runner.invoke, main, ["restore", str(archive)], env=env)
    assert unconfirmed.exit_code == 1
    assert "not empty" in unconfirmed.output
    assert "--yes" in unconfirmed.output
    assert len(unconfirmed.output.strip().splitlines()) == 1

    confirmed = in_own_thread(runner.invoke, main, ["restore", str(archive), "--yes"], env=env)
    assert confirmed.exit_code == 0, confirmed.output
    assert "audit trail verified" in confirmed.output

    missing = in_own_thread(
        runner.invoke, main, ["restore", str(tmp_path / "nergens.tar.gz"), "--yes"], env=env
    )
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    assert "Traceback" not in missing.output
