"""``POST /api/v1/verificaties`` stays rate limited per anonymous caller."""

from __future__ import annotations

import dataclasses

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.settings import Settings


async def test_an_anonymous_caller_beyond_its_limit_gets_a_429(
    app: Litestar, client: AsyncTestClient[Litestar], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state, "settings", dataclasses.replace(settings, anonymous_rate_per_minute=2))

    answers = [await client.post("/api/v1/verificaties", json={"token": "a.b.c"}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
