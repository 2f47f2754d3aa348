"""A bearer token that is presented must be right: a wrong, malformed or deactivated one is refused
with 401 and ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750), on public routes too,
instead of answering as if the caller were anonymous."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.services import create_api_client, deactivate_api_client
from registry.audit.services import Actor
from registry.clock import Clock
from registry.problems import PROBLEM_MEDIA_TYPE

PUBLIC = "/api/v1/deelnemers"
PROTECTED = "/api/v1/aanmeldingen"
TokenFactory = Callable[..., Awaitable[str]]


def _assert_invalid_token(response: object, error: str = "invalid_token") -> None:
    assert response.status_code == 401, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)  # type: ignore[attr-defined]
    challenge = response.headers["www-authenticate"]  # type: ignore[attr-defined]
    assert challenge.startswith("Bearer ")
    assert f'error="{error}"' in challenge
    assert response.json()["status"] == 401  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", [PUBLIC, PROTECTED, "/api/v1/openapi.json"])
@pytest.mark.parametrize("token", ["bogus.token", "geen-punt", "cl_onbekend.geheim"])
async def test_a_wrong_token_is_refused_not_treated_as_anonymous(
    client: AsyncTestClient[Litestar], path: str, token: str
) -> None:
    response = await client.get(path, headers={"authorization": f"Bearer {token}"})

    _assert_invalid_token(response)


async def test_an_empty_bearer_token_is_an_invalid_request(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get(PUBLIC, headers={"authorization": "Bearer "})

    _assert_invalid_token(response, "invalid_request")


async def test_a_deactivated_clients_token_is_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession, clock: Clock
) -> None:
    created = await create_api_client(
        db, name="Oud systeem", scopes=["aanmeldingen"], actor=Actor.system("test"), clock=clock
    )
    headers = {"authorization": f"Bearer {created.bearer_token}"}
    assert (await client.get(PROTECTED, headers=headers)).status_code == 200
    assert (await client.get(PUBLIC, headers=headers)).status_code == 200

    await deactivate_api_client(db, created.client.id, actor=Actor.system("test"), clock=clock)

    _assert_invalid_token(await client.get(PROTECTED, headers=headers))
    _assert_invalid_token(await client.get(PUBLIC, headers=headers))


async def test_a_wrong_secret_of_a_real_client_is_refused(
    client: AsyncTestClient[Litestar], api_token: TokenFactory
) -> None:
    client_id = (await api_token("aanmeldingen")).split(".")[0]

    _assert_invalid_token(await client.get(PUBLIC, headers={"authorization": f"Bearer {client_id}.fout"}))


async def test_without_a_token_public_routes_answer_and_protected_ones_ask_for_one(
    client: AsyncTestClient[Litestar],
) -> None:
    public = await client.get(PUBLIC)
    protected = await client.get(PROTECTED)

    assert public.status_code == 200
    assert "www-authenticate" not in public.headers
    assert protected.status_code == 401
    assert protected.headers["www-authenticate"] == 'Bearer realm="stelselregister"'


async def test_pages_ignore_a_bearer_token(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/catalogus", headers={"authorization": "Bearer bogus.token"})

    assert response.status_code == 200
