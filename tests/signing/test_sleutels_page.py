"""The keys admin page: the stelselbeheerder sees every signing key and replaces the active one."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.signing.keys import KeyRing
from registry.signing.signer import EcSigner
from registry.signing.sleutelbeheer import vingerafdruk
from tests.accounts.factories import post_form, text_of
from tests.conftest import LoginAs

PAGE = "/beheer/sleutels"
ROTATE = "/beheer/sleutels/vervangen"


@pytest.fixture
def keyring(app: Litestar) -> KeyRing:
    ring: KeyRing = app.state.keyring
    return ring


async def test_the_page_lists_every_key_with_its_status_and_fingerprint(
    client: AsyncTestClient[Litestar], login_as: LoginAs, keyring: KeyRing
) -> None:
    await login_as("stelselbeheerder")
    first = keyring.generate()
    second = keyring.rotate()
    third = keyring.rotate()
    keyring.revoke(first.kid)
    jwks = {jwk["kid"]: jwk for jwk in keyring.public_jwks()["keys"]}

    response = await client.get(PAGE)

    assert response.status_code == 200
    text = text_of(response.text)
    assert 'href="/.well-known/jwks.json"' in response.text
    for kid in (first.kid, second.kid, third.kid):
        assert kid in text
    assert text.index(third.kid) < text.index(second.kid) < text.index(first.kid)  # active first
    assert "Actief: ondertekent" in text
    assert "Teruggetrokken" in text
    assert "Ingetrokken" in text
    assert "ES256 (EC P-256)" in text
    assert vingerafdruk(jwks[third.kid]) in text  # type: ignore[operator]
    assert "Niet meer gepubliceerd" in text  # the revoked key's fingerprint
    assert "Actieve sleutel vervangen" in text


def test_the_fingerprint_is_the_sha256_of_the_der_public_key() -> None:
    signer = EcSigner.generate()
    private_key = serialization.load_pem_private_key(signer.private_pem(), password=None)
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = hashlib.sha256(der).hexdigest().upper()

    fingerprint = vingerafdruk(signer.public_jwk())

    assert fingerprint is not None
    assert fingerprint.replace(":", "") == expected
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint)


async def test_replacing_the_key_asks_first_then_rotates_audits_and_publishes_both(
    client: AsyncTestClient[Litestar], login_as: LoginAs, keyring: KeyRing, db: AsyncSession
) -> None:
    beheerder = await login_as("stelselbeheerder", display_name="Sanne Sleutelbeheer")
    old = keyring.generate()

    confirmation = await client.get(ROTATE)
    unconfirmed = await post_form(client, ROTATE, {})

    assert confirmation.status_code == 200
    assert "Wat er gebeurt als u bevestigt" in text_of(confirmation.text)
    assert unconfirmed.status_code == 200  # the confirmation again, nothing rotated
    assert [info.kid for info in keyring.list()] == [old.kid]

    response = await post_form(client, ROTATE, {"bevestigd": "ja"})

    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    active = [info for info in keyring.list() if info.status == "active"]
    assert len(active) == 1
    new_kid = active[0].kid
    assert new_kid != old.kid
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert {key["kid"] for key in jwks["keys"]} == {new_kid, old.kid}
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "sleutel.vervangen"))
    assert event is not None
    assert event.entity_id == new_kid
    assert event.actor_id == str(beheerder.id)
    assert event.changes == {"actieve_sleutel": {"before": old.kid, "after": new_kid}}
    page = await client.get(PAGE)
    assert f"Er is een nieuwe actieve sleutel: {new_kid}." in text_of(page.text)


async def test_replacing_the_key_needs_the_csrf_token(
    client: AsyncTestClient[Litestar], login_as: LoginAs, keyring: KeyRing
) -> None:
    await login_as("stelselbeheerder")
    old = keyring.generate()

    response = await post_form(client, ROTATE, {"bevestigd": "ja"}, csrf=False)

    assert response.status_code == 403
    assert [info.kid for info in keyring.list()] == [old.kid]


@pytest.mark.parametrize("role", ["casemanager", "auditor", "deelnemer-contact"])
async def test_only_the_stelselbeheerder_sees_or_replaces_keys(
    client: AsyncTestClient[Litestar], login_as: LoginAs, keyring: KeyRing, role: str
) -> None:
    await login_as(role, deelnemer_id=uuid.uuid4() if role == "deelnemer-contact" else None)
    old = keyring.generate()

    assert (await client.get(PAGE)).status_code == 403
    assert (await post_form(client, ROTATE, {"bevestigd": "ja"})).status_code == 403
    assert [info.kid for info in keyring.list()] == [old.kid]


async def test_a_key_from_the_environment_is_not_replaced_in_the_portal(
    client: AsyncTestClient[Litestar], login_as: LoginAs, app: Litestar, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder")
    pem = EcSigner.generate().private_pem().decode()
    ring: KeyRing = app.state.keyring
    app.state.keyring = KeyRing(ring.directory, active_key_pem=pem)
    try:
        page = await client.get(PAGE)
        response = await post_form(client, ROTATE, {"bevestigd": "ja"})
        after = await client.get(PAGE)
    finally:
        app.state.keyring = ring

    assert "Vervang hem daar" in text_of(page.text)
    assert 'href="/beheer/sleutels/vervangen"' not in page.text
    assert response.status_code == 303
    assert "De sleutel kon niet worden vervangen" in text_of(after.text)
    assert await db.scalar(select(AuditEvent).where(AuditEvent.action == "sleutel.vervangen")) is None
