"""API clients: created with scopes, the bearer token shown once, deactivated after confirmation."""

from __future__ import annotations

import re
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.models import ApiClient
from registry.accounts.permissions import Permission, Scope
from registry.accounts.tokens import token_hash
from tests.accounts.conftest import SignIn
from tests.accounts.factories import forms_in, post_form, text_of


async def test_creating_a_client_shows_its_token_once(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession
) -> None:
    await sign_in("stelselbeheerder")
    form = await client.get("/beheer/api-clients/nieuw")
    assert any(f["action"] == "/beheer/api-clients" for f in forms_in(form.text))
    for scope in Scope:
        assert f'value="{scope.value}"' in form.text

    response = await post_form(
        client, "/beheer/api-clients", {"name": "Zorgportaal Noord", "scopes": ["lookup:read", "verify"]}
    )

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    token = re.search(r'id="api-token">([^<]+)<', response.text)
    assert token is not None
    principal = await services.resolve_api_client(db, token.group(1))
    assert principal is not None
    assert principal.scopes == {Scope.LOOKUP_READ, Scope.VERIFY}
    assert principal.can(Permission.VERIFIEREN)
    assert not principal.can(Permission.GEBRUIKERS_BEHEREN)

    # Only a hash is stored; the list never shows the token again.
    stored = await db.scalar(select(ApiClient).where(ApiClient.name == "Zorgportaal Noord"))
    assert stored is not None
    assert stored.secret_hash == token_hash(token.group(1).partition(".")[2])
    listing = await client.get("/beheer/api-clients")
    assert "Zorgportaal Noord" in listing.text
    assert token.group(1) not in listing.text


async def test_a_client_needs_a_name_and_known_scopes(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("stelselbeheerder")
    response = await post_form(client, "/beheer/api-clients", {"name": ""})
    assert response.status_code == 400
    text = text_of(response.text)
    assert "Vul een naam in" in text
    assert "Kies een of meer scopes" in text

    unknown = await post_form(client, "/beheer/api-clients", {"name": "X", "scopes": "admin"})
    assert unknown.status_code == 400
    assert "onbekend" in text_of(unknown.text)


async def test_deactivating_asks_first_and_then_the_token_stops_working(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, api_token
) -> None:  # type: ignore[no-untyped-def]
    await sign_in("stelselbeheerder")
    token = await api_token("verify", name="Verificatiedienst")
    stored = await db.scalar(select(ApiClient).where(ApiClient.name == "Verificatiedienst"))
    assert stored is not None

    confirmation = await client.get(f"/beheer/api-clients/{stored.id}/deactiveren")
    assert "API-client Verificatiedienst deactiveren" in text_of(confirmation.text)
    assert (await post_form(client, f"/beheer/api-clients/{stored.id}/deactiveren")).status_code == 200
    assert await services.resolve_api_client(db, token) is not None

    response = await post_form(client, f"/beheer/api-clients/{stored.id}/deactiveren", {"bevestigd": "ja"})

    assert response.status_code == 303
    assert await services.resolve_api_client(db, token) is None
    listing = await client.get("/beheer/api-clients")
    assert "API-client Verificatiedienst is gedeactiveerd." in text_of(listing.text)


async def test_a_wrong_secret_is_not_a_client(db: AsyncSession, api_token) -> None:  # type: ignore[no-untyped-def]
    token = await api_token("verify")
    client_id = token.partition(".")[0]
    assert await services.resolve_api_client(db, f"{client_id}.verkeerd") is None
    assert await services.resolve_api_client(db, "zonder-punt") is None


async def test_an_unknown_client_is_a_404(client: AsyncTestClient[Litestar], sign_in: SignIn) -> None:
    await sign_in("stelselbeheerder")
    assert (await client.get(f"/beheer/api-clients/{uuid.uuid4()}/deactiveren")).status_code == 404
