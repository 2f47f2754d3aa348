"""The audit trail screens: browse and filter with paging, one event's changes, CSV and JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit import queries
from registry.audit.schemas import AuditFilter
from registry.audit.services import Actor, audited_write, changes_between
from tests.accounts.conftest import SignIn
from tests.accounts.factories import text_of
from tests.conftest import MovableClock

LOCAL_TIME = ZoneInfo("Europe/Amsterdam")

ALICE = Actor("user", "alice-id", "Alice Auditor")
BOB = Actor("cli", None, "stelsel-cli (bob)")


async def _write(
    db: AsyncSession, clock: MovableClock, actor: Actor, action: str, entity: str, changes: dict[str, object]
) -> None:
    async with audited_write(db, actor, clock) as tx:
        tx.record(action, entity.split(":", maxsplit=1)[0], entity.split(":")[1], changes)


async def _trail(db: AsyncSession, clock: MovableClock) -> None:
    await _write(
        db, clock, ALICE, "deelnemer.aangemaakt", "deelnemer:d-1", changes_between({}, {"naam": "Zorg B.V."})
    )
    clock.advance(days=2)
    await _write(
        db,
        clock,
        BOB,
        "deelnemer.gewijzigd",
        "deelnemer:d-1",
        changes_between({"naam": "Zorg B.V."}, {"naam": "Zorg N.V."}),
    )
    clock.advance(days=2)
    await _write(db, clock, ALICE, "rol.gepubliceerd", "rol:r-9", {"opmerking": '=HYPERLINK("http://x")'})


def _seqs(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'href="/beheer/audit/(\d+)">', html)]


async def test_the_auditor_browses_newest_first_with_paging(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await _trail(db, clock)
    await sign_in("auditor")  # its own set-up is an event too (seq 4)

    first = await client.get("/beheer/audit?pageSize=2")
    second = await client.get("/beheer/audit?pageSize=2&page=2")

    assert first.status_code == 200
    assert _seqs(first.text) == [5, 4]
    assert _seqs(second.text) == [3, 2]
    assert "Resultaat 1–2 van 5" in text_of(first.text)


async def test_filters_combine(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    start = clock.now()
    await _trail(db, clock)
    await sign_in("auditor")

    async def seqs(query: str) -> list[int]:
        response = await client.get(f"/beheer/audit?{query}")
        assert response.status_code == 200, response.text
        return _seqs(response.text)

    assert await seqs("actor=alice") == [3, 1]
    assert await seqs("actor=alice-id") == [3, 1]
    assert await seqs("actie=deelnemer.gewijzigd") == [2]
    assert await seqs("type=deelnemer&entiteit=d-1") == [2, 1]
    day_two = (start + timedelta(days=2)).astimezone(LOCAL_TIME).date().isoformat()
    assert await seqs(f"van={day_two}&tot={day_two}&type=deelnemer") == [2]
    assert await seqs(f"van={day_two}&type=rol") == [3]


async def test_a_wrong_date_is_explained_next_to_the_field(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("auditor")
    response = await client.get("/beheer/audit?van=gisteren&tot=2026-01-01")
    assert response.status_code == 400
    assert "Vul een datum in als jjjj-mm-dd" in text_of(response.text)
    backwards = await client.get("/beheer/audit?van=2026-02-01&tot=2026-01-01")
    assert "De einddatum ligt vóór de begindatum." in text_of(backwards.text)


async def test_an_event_shows_each_changed_field_before_and_after(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await _trail(db, clock)
    await sign_in("auditor")

    response = await client.get("/beheer/audit/2")

    assert response.status_code == 200
    text = text_of(response.text)
    assert "deelnemer.gewijzigd" in text
    assert "stelsel-cli (bob)" in text
    assert "naam Zorg B.V. Zorg N.V." in text
    assert "/beheer/audit?type=deelnemer&amp;entiteit=d-1" in response.text
    assert (await client.get("/beheer/audit/999")).status_code == 404


async def test_the_csv_export_neutralises_formulas(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await _trail(db, clock)
    await _write(db, clock, Actor("user", "x", "=cmd|' /C calc'!A0"), "-test.actie", "+x:@y", {})
    await sign_in("auditor")

    response = await client.get("/beheer/audit/export.csv?type=%2Bx")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="audittrail.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:6] == ["seq", "occurred_at", "actor_kind", "actor_id", "actor_name", "action"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["actor_name"] == "'=cmd|' /C calc'!A0"
    assert row["action"] == "'-test.actie"
    assert row["entity_type"] == "'+x"
    assert row["entity_id"] == "'@y"


async def test_the_json_lines_export_keeps_the_chain_order_and_values(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await _trail(db, clock)
    await sign_in("auditor")

    response = await client.get("/beheer/audit/export.jsonl?actor=alice")

    assert response.headers["content-type"].startswith("application/jsonl")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert [record["seq"] for record in records] == [1, 3]
    assert records[1]["changes"] == {"opmerking": '=HYPERLINK("http://x")'}  # data, not a spreadsheet cell
    assert records[1]["prev_hash"] != records[0]["hash"]  # event 2 lies between them
    assert {"hash", "prev_hash", "occurred_at", "entity_type", "entity_id"} <= set(records[0])


async def test_an_export_with_a_wrong_date_is_refused(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("auditor")
    response = await client.get("/beheer/audit/export.csv?van=morgen")
    assert response.status_code == 400


async def test_many_events_stream_in_batches(db: AsyncSession, clock: MovableClock) -> None:
    async with audited_write(db, ALICE, clock) as tx:
        for number in range(1200):
            tx.record("test.massa", "test", f"t-{number}")
    lines = [line async for line in queries.export_lines(db, AuditFilter(action="test.massa"), "csv")]
    assert len(lines) == 1201
    assert lines[-1].startswith("1200,")


def test_a_cell_is_neutralised_only_when_a_spreadsheet_would_evaluate_it() -> None:
    for risky in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert queries.neutralise_cell(risky) == "'" + risky
    for safe in ("Zorg B.V.", "2026-01-01", "", "a=b"):
        assert queries.neutralise_cell(safe) == safe


async def test_others_see_no_audit_trail(client: AsyncTestClient[Litestar], sign_in: SignIn) -> None:
    await sign_in("casemanager")
    assert (await client.get("/beheer/audit")).status_code == 403
    assert (await client.get("/beheer/audit/export.csv")).status_code == 403


async def test_what_an_event_records_is_shown_escaped(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    script = "<script>alert(1)</script>"
    await _write(db, clock, Actor("user", "x", script), "test.actie", f"test:{script}", {"naam": script})
    await sign_in("auditor")
    for path in ("/beheer/audit", "/beheer/audit/1"):
        response = await client.get(path)
        assert script not in response.text, path
        assert "&lt;script&gt;" in response.text, path
