"""``POST /api/v1/verificaties``: every way a token must be refused, through the endpoint.

The rejection cases are the signing tests' table (:data:`tests.signing.test_verify.CASES`), built with
the portal's own key ring, so the endpoint is shown to use the one strict verifier. Their tokens name
another issuer than this portal, so besides the case's own reason ``issuer_mismatch`` may appear.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.clock import FixedClock
from registry.settings import Settings
from registry.signing import EcSigner, KeyRing
from tests.conftest import MovableClock
from tests.signing.factories import NOW
from tests.signing.test_verify import CASES, Scene
from tests.verklaringen.factories import claims, token

Build = Callable[[Scene], str]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def scene(settings: Settings) -> Scene:
    ring = KeyRing(settings.keys_dir, clock=FixedClock(NOW))
    ring.generate()
    retired = ring.active_signer()
    ring.rotate()
    return Scene(ring=ring, signer=ring.active_signer(), retired=retired, stranger=EcSigner.generate())


@pytest.fixture
async def bearer(api_token: Callable[..., Awaitable[str]]) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_token('verify')}"}


@pytest.mark.parametrize(
    ("build", "reason"), [(b, r) for _, b, r in CASES], ids=[name for name, _, _ in CASES]
)
async def test_a_bad_token_is_a_200_with_valid_false_and_its_reason(
    client: AsyncTestClient[Litestar], scene: Scene, bearer: dict[str, str], build: Build, reason: str
) -> None:
    response = await client.post("/api/v1/verificaties", json={"token": build(scene)}, headers=bearer)

    assert response.status_code == 200
    answer = response.json()
    assert answer["valid"] is False
    assert reason in answer["reasons"]
    assert {check["name"] for check in answer["checks"]} == {
        "signature",
        "claims",
        "ondertekeningen",
        "status",
    }
    if answer["checks"][0]["outcome"] == "failed":
        assert answer["claims"] is None


async def test_a_token_with_an_unknown_status_list_is_not_valid(
    client: AsyncTestClient[Litestar], scene: Scene, bearer: dict[str, str], settings: Settings
) -> None:
    # signed by the portal's key, but pointing at a status list the portal does not publish
    foreign = claims(iss=settings.base_url)
    foreign["status"] = {"status_list": {"idx": 3, "uri": "https://elders.example/statuslijst"}}

    response = await client.post(
        "/api/v1/verificaties", json={"token": token(scene.signer, foreign)}, headers=bearer
    )

    assert response.json()["valid"] is False
    assert response.json()["status"] == "unknown"
    assert "status_unavailable" in response.json()["reasons"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"tok": "x"}', b'{"token": 42}', b'{"token": "a.b.c", "extra": 1}'],
    ids=["not json", "array", "no token", "token not a string", "unknown member"],
)
async def test_a_malformed_body_is_a_400(
    client: AsyncTestClient[Litestar], bearer: dict[str, str], body: bytes
) -> None:
    response = await client.post(
        "/api/v1/verificaties", content=body, headers={**bearer, "Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_anyone_may_verify_a_token_they_hold(
    client: AsyncTestClient[Litestar], api_token: Callable[..., Awaitable[str]]
) -> None:
    anonymous = await client.post("/api/v1/verificaties", json={"token": "a.b.c"})
    with_client = await client.post(
        "/api/v1/verificaties",
        json={"token": "a.b.c"},
        headers={"Authorization": f"Bearer {await api_token('lookup:read')}"},
    )

    assert anonymous.status_code == 200
    assert anonymous.json()["valid"] is False
    assert with_client.status_code == 200
