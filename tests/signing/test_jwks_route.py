"""Anyone can fetch the portal's public keys; private key material is never served."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.signing.keys import KeyRing


async def test_jwks_publishes_active_and_retired_keys_only(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    keyring: KeyRing = app.state.keyring
    first = keyring.generate()
    second = keyring.rotate()
    third = keyring.rotate()
    keyring.revoke(first.kid)

    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    assert response.headers["access-control-allow-origin"] == "*"
    kids = {key["kid"] for key in response.json()["keys"]}
    assert kids == {second.kid, third.kid}
    assert all("d" not in key for key in response.json()["keys"])

    again = await client.get("/.well-known/jwks.json", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
