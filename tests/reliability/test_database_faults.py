"""The database goes away and comes back while the portal runs.

A throwaway PostgreSQL cluster is stopped (or frozen) under a running app: readiness and every
request that needs the database answer 503 promptly — problem+json for API callers, a readable page
for browsers — liveness stays 200, and when the database is back the portal serves again without a
restart. Runs where ``initdb`` and ``pg_ctl`` are installed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, Response, get
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from registry import migrate
from registry.accounts.authentication import SESSION_COOKIE
from registry.app import create_app
from registry.dependencies import DbSession
from registry.settings import Settings
from tests.conftest import TEST_SECRET
from tests.reliability.databases import in_own_thread
from tests.reliability.postgres_cluster import ThrowawayCluster, tools_available

pytestmark = pytest.mark.skipif(not tools_available(), reason="needs initdb and pg_ctl (PostgreSQL server)")

TIMEOUT = 1.5  # STELSEL_DATABASE_TIMEOUT_SECONDS for these tests
MARGIN = 2.5  # what a request may take beyond it (scheduling, error page rendering)
RECOVERY = 15.0  # how long the portal may take to notice the database is back
PROBLEM_JSON = "application/problem+json"


@get("/api/v1/test-databank", opt={"public": True}, include_in_schema=False)
async def database_probe(db_session: DbSession) -> Response[dict[str, int]]:
    """Stands for any endpoint that reads the register."""
    seq = (await db_session.execute(text("SELECT seq FROM audit_head"))).scalar_one()
    return Response({"seq": seq})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster()
    try:
        cluster.start()
        data_dir = tmp_path_factory.mktemp("faults")
        in_own_thread(
            migrate.upgrade, Settings(data_dir=data_dir, database_url=cluster.url, secret_key=TEST_SECRET)
        )
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
async def portal(cluster: ThrowawayCluster, tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app on the throwaway cluster; the cluster is running again after every test."""
    settings = Settings(
        data_dir=tmp_path, database_url=cluster.url, secret_key=TEST_SECRET, database_timeout_seconds=TIMEOUT
    )
    app = create_app(settings, extra_handlers=[database_probe])
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local", timeout=60) as client:
            yield client
    finally:
        if not (cluster.data / "postmaster.pid").exists():
            cluster.start()


async def _timed(
    client: AsyncTestClient[Litestar], path: str, **options: Any
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await asyncio.wait_for(client.get(path, **options), TIMEOUT + 30)
    return response, time.monotonic() - started


async def _fill_pool(client: AsyncTestClient[Litestar]) -> None:
    """Several pooled connections, as a portal under load has, so requests later meet stale ones."""
    app: Litestar = client.app
    engine: AsyncEngine = app.state.db_engine
    entered = asyncio.Event()

    async def hold_one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await entered.wait()

    holders = [asyncio.create_task(hold_one()) for _ in range(4)]
    await asyncio.sleep(0.5)
    entered.set()
    await asyncio.gather(*holders)
    assert engine.pool.checkedin() >= 4  # type: ignore[attr-defined]


async def _assert_unavailable(client: AsyncTestClient[Litestar]) -> None:
    # Requests meet the pooled connections of before first.
    for _ in range(2):
        api, took = await _timed(client, "/api/v1/test-databank")
        assert api.status_code == 503, api.text
        assert api.headers["content-type"].startswith(PROBLEM_JSON)
        assert api.json()["status"] == 503
        assert api.headers["retry-after"]
        assert took < TIMEOUT + MARGIN

    ready, took = await _timed(client, "/health/ready")
    assert ready.status_code == 503, ready.text
    assert ready.headers["content-type"].startswith(PROBLEM_JSON)
    assert took < TIMEOUT + MARGIN

    live, took = await _timed(client, "/health/live")
    assert live.status_code == 200
    assert took < 1

    # A bearer token makes the API look the caller up: that lookup fails the same way.
    authenticated, took = await _timed(
        client, "/api/v1/openapi.json", headers={"authorization": "Bearer a.b"}
    )
    assert authenticated.status_code == 503
    assert authenticated.headers["content-type"].startswith(PROBLEM_JSON)
    assert took < TIMEOUT + MARGIN

    # A browser with a session cookie gets the readable 503 page.
    page, took = await _timed(
        client, "/", headers={"accept": "text/html", "cookie": f"{SESSION_COOKIE}=een-sessie"}
    )
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "niet beschikbaar" in page.text
    assert took < TIMEOUT + MARGIN


async def _assert_recovers(client: AsyncTestClient[Litestar]) -> None:
    deadline = time.monotonic() + RECOVERY
    while (await client.get("/health/ready")).status_code != 200:
        assert time.monotonic() < deadline, "the portal did not notice that the database is back"
        await asyncio.sleep(0.2)
    assert (await client.get("/api/v1/test-databank")).status_code == 200
    # The token lookup reaches the database again: an unknown token is refused, not a 503.
    assert (
        await client.get("/api/v1/openapi.json", headers={"authorization": "Bearer a.b"})
    ).status_code == 401


async def test_a_stopped_database_gives_503_and_service_resumes_by_itself(
    portal: AsyncTestClient[Litestar], cluster: ThrowawayCluster
) -> None:
    await _fill_pool(portal)
    cluster.stop()

    await _assert_unavailable(portal)

    cluster.start()
    await _assert_recovers(portal)


async def test_no_published_operation_fails_with_500_while_the_database_is_stopped(
    portal: AsyncTestClient[Litestar], cluster: ThrowawayCluster
) -> None:
    """Every GET operation of the published document, as colleagues add them: 503 or a clear
    4xx (for example a required parameter), never a 500, never a hang."""
    document = (await portal.get("/api/v1/openapi.json")).json()
    paths = [
        "/api/v1" + path for path, item in document["paths"].items() if "get" in item and "{" not in path
    ]
    await _fill_pool(portal)
    cluster.stop()

    answers = {path: await _timed(portal, path) for path in paths}

    wrong = {
        path: (response.status_code, round(took, 1))
        for path, (response, took) in answers.items()
        if response.status_code == 500
        or took > TIMEOUT + MARGIN
        or (response.status_code >= 400 and not response.headers["content-type"].startswith(PROBLEM_JSON))
    }
    assert wrong == {}


async def test_a_database_that_stops_answering_gives_503_in_time(
    portal: AsyncTestClient[Litestar], cluster: ThrowawayCluster
) -> None:
    """Frozen server processes: connections stay open but nothing answers (a hung host)."""
    await _fill_pool(portal)
    cluster.freeze()
    try:
        await _assert_unavailable(portal)
    finally:
        cluster.thaw()
    await _assert_recovers(portal)
