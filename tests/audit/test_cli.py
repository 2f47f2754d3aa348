"""``stelsel audit verify`` and ``stelsel audit export`` against the test database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, audited_write
from registry.settings import Settings
from tests.accounts.test_password_reset import invoke
from tests.conftest import MovableClock


async def _events(db: AsyncSession, clock: MovableClock, count: int) -> None:
    for number in range(count):
        async with audited_write(db, Actor.cli("test"), clock) as tx:
            tx.record("test.gewijzigd", "test", f"t-{number}", {"n": {"before": number, "after": number + 1}})


async def test_verify_says_ok_with_the_number_of_events(
    settings: Settings, db: AsyncSession, clock: MovableClock
) -> None:
    await _events(db, clock, 3)
    result = await invoke(settings, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok: 3 events"


async def test_verify_names_the_first_broken_link_and_fails(
    settings: Settings, db: AsyncSession, clock: MovableClock
) -> None:
    await _events(db, clock, 4)
    if db.bind.dialect.name == "postgresql":
        await db.execute(text("SET LOCAL session_replication_role = replica"))
    await db.execute(text("UPDATE audit_event SET entity_id = 'vervalst' WHERE seq = 2"))
    await db.commit()

    result = await invoke(settings, "audit", "verify")

    assert result.exit_code == 1
    assert "broken at event 2" in result.stdout
    assert "modified" in result.stdout


async def test_export_writes_json_lines_or_csv(
    settings: Settings, db: AsyncSession, clock: MovableClock, tmp_path: Path
) -> None:
    await _events(db, clock, 3)

    jsonl = await invoke(settings, "audit", "export")
    target = tmp_path / "trail.csv"
    to_file = await invoke(
        settings, "audit", "export", "--format", "csv", "--output", str(target), "--entity-id", "t-1"
    )

    assert jsonl.exit_code == 0, jsonl.output
    assert [json.loads(line)["seq"] for line in jsonl.stdout.splitlines()] == [1, 2, 3]
    assert to_file.exit_code == 0, to_file.output
    assert "exported 1 events" in to_file.stderr
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [row["entity_id"] for row in rows] == ["t-1"]
