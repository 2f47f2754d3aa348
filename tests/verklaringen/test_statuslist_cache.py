"""The status list kept per register version: every worker keeps its own, and a change of status
shows in the very next request of every worker, in the list and in ``POST /verificaties``.

Two apps on one database stand for two workers of one portal: each has its own state, so its own
read cache and reader of the audit chain head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.clock import Clock
from registry.settings import Settings
from registry.signing import KeyRing
from tests.verklaringen.conftest import Process
from verklaringen import providers
from verklaringen.services import levenscyclus, queries
from verklaringen.services.queries import find_verklaring
from verklaringen.services.statuslijsten import statuslijst_uri
from verklaringen.statuslist import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, read_status_list_token

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def other_worker(settings: Settings, clock: Clock) -> AsyncIterator[Client]:
    """A second app on the same database and key directory, as a second worker would be."""
    app = create_app(settings, clock=clock)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


async def _listed_status(client: Client, process: Process, nummer: str) -> int:
    answer = await client.get("/api/v1/statuslijsten/1")
    assert answer.status_code == 200
    base = process.settings.base_url
    ring = KeyRing(process.settings.keys_dir)
    token = read_status_list_token(
        answer.text,
        ring.public_jwks(),
        uri=statuslijst_uri(base),
        issuer=base,
        now=process.clock.now(),
        revoked_kids=ring.revoked_kids(),
    )
    verklaring = await find_verklaring(process.db, nummer)
    assert verklaring.statuslijst_index is not None
    return token.status_list.get(verklaring.statuslijst_index)


async def _verified(client: Client, token: str) -> dict[str, Any]:
    answer = await client.post("/api/v1/verificaties", json={"token": token})
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def _arguments(process: Process) -> dict[str, Any]:
    return {
        "principal": process.people.beheerder,
        "clock": process.clock,
        "base_url": process.settings.base_url,
    }


async def test_a_withdrawal_shows_in_the_next_request_of_every_worker(
    process: Process, client: Client, other_worker: Client
) -> None:
    nummer = (await process.afgegeven()).nummer
    token = await queries.verklaring_attestatie(process.db, nummer)
    for worker in (client, other_worker):  # both keep the list as it is now
        assert await _listed_status(worker, process, nummer) == STATUS_VALID
        assert (await _verified(worker, token))["valid"] is True

    await levenscyclus.trek_in(process.db, nummer, "Niet langer aangesloten.", **_arguments(process))

    for worker in (client, other_worker):
        assert await _listed_status(worker, process, nummer) == STATUS_INVALID
        verified = await _verified(worker, token)
        assert verified["valid"] is False
        assert verified["status"] == "revoked"
        assert "revoked" in verified["reasons"]


async def test_a_suspension_and_its_end_show_at_once_on_every_worker(
    process: Process, client: Client, other_worker: Client
) -> None:
    nummer = (await process.afgegeven()).nummer
    token = await queries.verklaring_attestatie(process.db, nummer)
    for worker in (client, other_worker):
        assert (await _verified(worker, token))["status"] == "valid"

    await levenscyclus.schors(process.db, nummer, "Incident in onderzoek.", **_arguments(process))
    for worker in (other_worker, client):
        assert (await _verified(worker, token))["status"] == "suspended"
        assert await _listed_status(worker, process, nummer) == STATUS_SUSPENDED

    await levenscyclus.herstel(process.db, nummer, "Incident opgelost.", **_arguments(process))
    for worker in (client, other_worker):
        assert await _listed_status(worker, process, nummer) == STATUS_VALID
        assert (await _verified(worker, token))["valid"] is True


async def test_a_new_verklaring_is_in_the_list_kept_before_it_was_issued(
    process: Process, client: Client
) -> None:
    eerste = (await process.afgegeven("90000001")).nummer
    assert await _listed_status(client, process, eerste) == STATUS_VALID

    tweede = (await process.afgegeven("90000002")).nummer
    await levenscyclus.trek_in(process.db, tweede, "Vergissing.", **_arguments(process))

    assert await _listed_status(client, process, tweede) == STATUS_INVALID
    assert await _listed_status(client, process, eerste) == STATUS_VALID


async def test_the_list_is_read_from_the_register_once_per_version(
    process: Process, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    nummer = (await process.afgegeven()).nummer
    token = await queries.verklaring_attestatie(process.db, nummer)
    reads = 0
    original = providers.current_status_list

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        reads += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(providers, "current_status_list", counting)

    first = await client.get("/api/v1/statuslijsten/1")
    await _verified(client, token)
    second = await client.get("/api/v1/statuslijsten/1")
    assert reads == 1
    assert first.headers["etag"] == second.headers["etag"]
    assert first.text == second.text

    await levenscyclus.schors(process.db, nummer, "Incident in onderzoek.", **_arguments(process))
    third = await client.get("/api/v1/statuslijsten/1")
    await _verified(client, token)
    assert reads == 2
    assert third.headers["etag"] != second.headers["etag"]


async def test_a_conditional_request_for_an_unchanged_list_is_a_304(process: Process, client: Client) -> None:
    await process.afgegeven()
    first = await client.get("/api/v1/statuslijsten/1")

    again = await client.get("/api/v1/statuslijsten/1", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
