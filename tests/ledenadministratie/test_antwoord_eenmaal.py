"""Lookup answers that many callers ask for at once are computed once per worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.directread import direct_reader
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import DeelnemerFactory

pytestmark = pytest.mark.usefixtures("catalogus", "verklaringen")

LOOKUP = "/api/v1/deelnemers?identificatie=kvk%3A90000002"


def _count_snapshots(app: Litestar) -> Callable[[], int]:
    """Count the reads the lookup answers make through the app's direct reader."""
    reader = direct_reader(app.state)
    snapshot = reader.snapshot
    opened = 0

    @asynccontextmanager
    async def counted() -> AsyncIterator[Any]:
        nonlocal opened
        opened += 1
        async with snapshot() as snap:
            yield snap

    reader.snapshot = counted  # type: ignore[method-assign]
    return lambda: opened


async def test_concurrent_misses_of_one_answer_compute_it_once(
    client: AsyncTestClient[Litestar], app: Litestar, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    clock.moment = datetime(2025, 1, 2, 9, tzinfo=UTC)
    await make_deelnemer("Datadienst Noord BV", soort="softwareleverancier", kvk="90000002")
    opened = _count_snapshots(app)

    # the first computation waits for the catalogue (read once per register version), so the other
    # requests arrive while it is under way
    answers = await asyncio.gather(*(client.get(LOOKUP) for _ in range(6)))

    assert [answer.status_code for answer in answers] == [200] * 6
    assert len({answer.content for answer in answers}) == 1
    assert answers[0].json()["items"][0]["naam"] == "Datadienst Noord BV"
    assert opened() == 1


async def test_an_answer_that_fails_is_not_kept(
    client: AsyncTestClient[Litestar], app: Litestar, clock: MovableClock
) -> None:
    opened = _count_snapshots(app)
    missing = "/api/v1/deelnemers/kvk:90000003"

    answers = [await client.get(missing) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert answers[0].headers["content-type"].startswith("application/problem+json")
    assert opened() == 2, "a 404 is computed again, never served from the cache"
