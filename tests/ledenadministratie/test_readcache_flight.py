"""The read cache on its own: one computation for the requests that miss on the same key at once
(its failure never kept), and a bound on the bytes it keeps as well as on its entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from registry.directread import Registerversie
from registry.readcache import ENTRY_OVERHEAD, Entry, ReadCache

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
V1 = Registerversie(1, "een")
V2 = Registerversie(2, "twee")


def _entry(body: bytes = b"antwoord", status_code: int = 200) -> Entry:
    return Entry(parts=(body,), headers={}, vanaf=NOW, tot=NOW + timedelta(hours=1), status_code=status_code)


class Computation:
    """A computation that runs until released, counting how often it started."""

    def __init__(self, result: Entry | BaseException | None = None) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.result = result if result is not None else _entry()

    async def __call__(self) -> Entry:
        self.calls += 1
        await self.release.wait()
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


async def _started(*tasks: asyncio.Task[Entry]) -> None:
    """Let every task run up to its first wait."""
    for _ in range(3):
        await asyncio.sleep(0)
    assert not any(task.done() for task in tasks)


async def test_requests_that_miss_on_one_key_at_once_wait_for_one_computation() -> None:
    cache = ReadCache().at(V1)
    compute = Computation()
    tasks = [asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, compute)) for _ in range(5)]
    await _started(*tasks)
    compute.release.set()
    entries = await asyncio.gather(*tasks)
    assert compute.calls == 1
    assert all(entry is entries[0] for entry in entries)
    assert cache.get(("pagina",), NOW) is entries[0]
    assert not cache.flights

    other = Computation()
    other.release.set()
    assert await cache.fetch(V1, ("pagina",), NOW, other) is entries[0], "kept: no computation"
    assert other.calls == 0


async def test_other_keys_and_other_versions_compute_on_their_own() -> None:
    cache = ReadCache().at(V1)
    compute = Computation()
    tasks = [
        asyncio.create_task(cache.fetch(V1, ("a",), NOW, compute)),
        asyncio.create_task(cache.fetch(V1, ("b",), NOW, compute)),
        asyncio.create_task(cache.fetch(V2, ("a",), NOW, compute)),
    ]
    await _started(*tasks)
    compute.release.set()
    await asyncio.gather(*tasks)
    assert compute.calls == 3


async def test_a_failed_computation_reaches_its_waiters_and_is_not_kept() -> None:
    cache = ReadCache().at(V1)
    failing = Computation(RuntimeError("database weg"))
    tasks = [asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, failing)) for _ in range(3)]
    await _started(*tasks)
    failing.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert failing.calls == 1
    assert all(isinstance(result, RuntimeError) for result in results)
    assert cache.get(("pagina",), NOW) is None
    assert not cache.flights

    again = Computation()
    again.release.set()
    assert await cache.fetch(V1, ("pagina",), NOW, again) is again.result
    assert again.calls == 1, "the next request computes anew"


async def test_when_the_computing_request_is_cancelled_a_waiter_computes_instead() -> None:
    cache = ReadCache().at(V1)
    first = Computation()
    leader = asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, first))
    await _started(leader)
    second = Computation()
    waiter = asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, second))
    await _started(waiter)
    leader.cancel()
    await _started(waiter)
    second.release.set()
    assert await waiter is second.result
    assert (first.calls, second.calls) == (1, 1)
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_cancelled_waiter_leaves_the_computation_to_the_others() -> None:
    cache = ReadCache().at(V1)
    compute = Computation()
    leader = asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, compute))
    waiter = asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, compute))
    await _started(leader, waiter)
    waiter.cancel()
    await asyncio.sleep(0)
    compute.release.set()
    assert await leader is compute.result
    assert cache.get(("pagina",), NOW) is compute.result


async def test_an_error_answer_is_shared_with_the_waiters_but_not_kept() -> None:
    cache = ReadCache().at(V1)
    compute = Computation(_entry(b"fout", status_code=400))
    tasks = [asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, compute)) for _ in range(2)]
    await _started(*tasks)
    compute.release.set()
    assert [entry.status_code for entry in await asyncio.gather(*tasks)] == [400, 400]
    assert compute.calls == 1
    assert cache.get(("pagina",), NOW) is None


async def test_a_computation_for_a_version_the_register_has_left_is_not_kept() -> None:
    cache = ReadCache().at(V1)
    compute = Computation()
    task = asyncio.create_task(cache.fetch(V1, ("pagina",), NOW, compute))
    await _started(task)
    cache.at(V2)
    compute.release.set()
    await task
    assert not cache.entries


def test_the_least_recently_used_answers_go_when_the_bytes_run_out() -> None:
    body = b"x" * 1000
    size = _entry(body).size
    assert size == ENTRY_OVERHEAD + 1000
    cache = ReadCache(max_bytes=3 * size).at(V1)
    for key in "abc":
        cache.put(V1, (key,), _entry(body))
    assert cache.size == 3 * size
    assert cache.get(("a",), NOW) is not None  # a is now the most recently used
    cache.put(V1, ("d",), _entry(body))
    assert [key for (key,) in cache.entries] == ["c", "a", "d"]
    assert cache.size == 3 * size

    cache.put(V1, ("e",), _entry(b"x" * (2 * size)))
    assert [key for (key,) in cache.entries] == ["e"], "room made for a large answer"
    assert cache.size == _entry(b"x" * (2 * size)).size


def test_an_answer_larger_than_the_budget_is_not_kept_and_a_new_version_starts_empty() -> None:
    cache = ReadCache(max_bytes=10_000).at(V1)
    cache.put(V1, ("klein",), _entry())
    cache.put(V1, ("groot",), _entry(b"x" * 10_000))
    assert list(cache.entries) == [("klein",)]
    cache.put(V1, ("klein",), _entry(b"langer antwoord"))
    assert cache.size == _entry(b"langer antwoord").size, "a replaced answer counts once"
    cache.at(V2)
    assert (cache.size, len(cache.entries)) == (0, 0)


def test_the_number_of_answers_stays_bounded_too() -> None:
    cache = ReadCache(max_entries=2).at(V1)
    for key in "abc":
        cache.put(V1, (key,), _entry())
    assert [key for (key,) in cache.entries] == ["b", "c"]
    assert cache.size == 2 * _entry().size
