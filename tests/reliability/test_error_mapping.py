"""Errors that start outside the services still become a clear problem: the database host that does
not resolve (503), a value the database refuses (400), a framework error (500, logged with its cause)."""

from __future__ import annotations

import socket
from typing import Any, Protocol

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from registry.app import create_app
from registry.clock import Clock
from registry.dependencies import DbSession
from registry.settings import Settings

PROBLEM_JSON = "application/problem+json"


@get("/api/v1/test-dns", opt={"public": True}, include_in_schema=False)
async def unresolvable_database() -> None:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


class Naam(msgspec.Struct):
    naam: str


@post("/api/v1/test-opslaan", opt={"public": True}, status_code=200, include_in_schema=False)
async def store(data: JSONBody[Naam], db_session: DbSession) -> Naam:
    await db_session.execute(text("SELECT CAST(:naam AS TEXT)"), {"naam": data.naam})
    return data


class Unprovided(Protocol):
    def anything(self) -> None: ...


@get("/api/v1/test-kapot", opt={"public": True}, include_in_schema=False)
async def broken(clock: NamedDependency[Unprovided]) -> None:
    """The app's clock, declared with a type the framework cannot check it against: it answers 500."""


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock, extra_handlers=[unresolvable_database, store, broken])


async def test_a_database_host_that_does_not_resolve_is_503(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/test-dns")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["retry-after"]


async def test_a_value_the_database_refuses_is_400_not_500(
    client: AsyncTestClient[Litestar], db_backend: str
) -> None:
    response = await client.post("/api/v1/test-opslaan", json={"naam": "a\u0000b"})
    # PostgreSQL cannot store NUL in text (SQLSTATE 22021); SQLite can.
    expected = 200 if db_backend == "sqlite" else 400
    assert response.status_code == expected, response.text
    if expected == 400:
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert "NUL" in response.json()["detail"]


async def test_a_framework_500_is_logged_with_its_cause(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/api/v1/test-kapot")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    records: list[Any] = [record for record in caplog.records if record.name == "stelsel.problems"]
    assert any(record.exc_info for record in records), "the 500 was logged without its traceback"
