"""A verklaring attestation: what it claims, and every way its verification answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from registry.signing import KeyRing, Signer
from tests.verklaringen.factories import (
    ISSUER,
    LIST_URI,
    NOW,
    FixedStatusSource,
    claims,
    inhoud,
    token,
)
from verklaringen.attestation import (
    AttestationVerification,
    canonical_from_claims,
    document_hash,
    verify_attestation,
)
from verklaringen.statuslist import STATUS_INVALID, STATUS_SUSPENDED, StatusList


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    key_ring = KeyRing(tmp_path / "keys")
    key_ring.generate()
    return key_ring


@pytest.fixture
def signer(ring: KeyRing) -> Signer:
    return ring.active_signer()


def _list(**statuses: int) -> StatusList:
    status_list = StatusList(size=1024, bits=2)
    for index, value in statuses.items():
        status_list.set(int(index.removeprefix("i")), value)
    return status_list


async def _verify(ring: KeyRing, jws: str, source: Any = None, **overrides: Any) -> AttestationVerification:
    arguments: dict[str, Any] = {
        "jwks": ring.public_jwks(),
        "issuer": ISSUER,
        "now": NOW,
        "revoked_kids": ring.revoked_kids(),
        "status_source": source or FixedStatusSource(_list()),
    }
    arguments.update(overrides)
    return await verify_attestation(jws, **arguments)


def test_the_claims_follow_the_trust_mark_shape_and_point_at_the_status_list() -> None:
    built = claims(index=12)

    assert built["iss"] == ISSUER
    assert built["sub"] == "kvk:90000001"
    assert built["jti"] == "VKL-2026-000042"
    assert built["trust_mark_type"] == f"{ISSUER}/verklaringen/rollen/dienstverlener"
    assert built["ref"] == f"{ISSUER}/verifieer/VKL-2026-000042"
    assert built["status"] == {"status_list": {"idx": 12, "uri": LIST_URI}}
    assert built["geldigheid"] == {"van": "2026-11-23", "tot": "2028-11-23"}
    # nbf and exp are the period's day boundaries at 00:00 Europe/Amsterdam (CET: UTC+1)
    assert built["nbf"] == int(NOW.replace(hour=0).timestamp()) - 3600
    assert built["exp"] - built["nbf"] == int(timedelta(days=731).total_seconds())
    assert [o["partij"] for o in built["ondertekeningen"]] == ["deelnemer", "stelsel"]


def test_both_parties_sign_the_hash_a_verifier_can_recompute_from_the_claims() -> None:
    content = inhoud()
    built = claims(content)

    assert document_hash(canonical_from_claims(built)) == content.document_hash
    assert {o["document_hash"] for o in built["ondertekeningen"]} == {content.document_hash}
    assert content.document_hash.startswith("sha256:")


async def test_a_valid_verklaring_passes_every_named_check(ring: KeyRing, signer: Signer) -> None:
    source = FixedStatusSource(_list())

    result = await _verify(ring, token(signer), source)

    assert result.valid, result.reasons
    assert [(c.name, c.outcome) for c in result.checks] == [
        ("signature", "passed"),
        ("claims", "passed"),
        ("ondertekeningen", "passed"),
        ("status", "passed"),
    ]
    assert result.status == "valid"
    assert result.claims is not None
    assert result.claims["rol"] == "dienstverlener"
    assert source.asked == [LIST_URI]


@pytest.mark.parametrize(
    ("value", "status", "reason"),
    [(STATUS_INVALID, "revoked", "revoked"), (STATUS_SUSPENDED, "suspended", "suspended")],
)
async def test_the_status_list_can_revoke_or_suspend(
    ring: KeyRing, signer: Signer, value: int, status: str, reason: str
) -> None:
    result = await _verify(ring, token(signer, claims(index=7)), FixedStatusSource(_list(i7=value)))

    assert not result.valid
    assert result.status == status
    assert result.reasons == [reason]


async def test_an_unreachable_status_list_makes_the_verklaring_unverifiable(
    ring: KeyRing, signer: Signer
) -> None:
    result = await _verify(ring, token(signer), FixedStatusSource(None))

    assert not result.valid
    assert result.status == "unknown"
    assert result.reasons == ["status_unavailable", "status_list:unknown_uri"]


async def test_content_changed_after_signing_is_a_document_hash_mismatch(
    ring: KeyRing, signer: Signer
) -> None:
    # the portal key signs, but the parties signed other duties than the attestation states
    tampered = claims(taken=["dienstverlener-t01", "dienstverlener-t09"])

    result = await _verify(ring, token(signer, tampered))

    assert result.reasons == ["document_hash_mismatch"]
    assert result.checks[2].outcome == "failed"


async def test_a_missing_ondertekening_is_named(ring: KeyRing, signer: Signer) -> None:
    built = claims()
    built["ondertekeningen"] = built["ondertekeningen"][1:]

    result = await _verify(ring, token(signer, built))

    assert result.reasons == ["ondertekening_missing:deelnemer"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"taken": "dienstverlener-t01"}, "claim_type:taken"),
        ({"rol": 3}, "claim_type:rol"),
        ({"status": {"status_list": {"idx": -1, "uri": LIST_URI}}}, "claim_type:status"),
        ({"geldigheid": {"van": "gisteren", "tot": "2028-11-23"}}, "claim_type:geldigheid"),
        ({"deelnemer": "Zorgdienst"}, "claim_type:deelnemer"),
        ({"release": None}, "claim_missing:release"),
    ],
)
async def test_claims_of_the_wrong_shape_are_named(
    ring: KeyRing, signer: Signer, overrides: dict[str, Any], reason: str
) -> None:
    result = await _verify(ring, token(signer, claims(**overrides)))

    assert not result.valid
    assert reason in result.reasons
    assert result.checks[1].outcome == "failed"


async def test_a_bad_signature_skips_every_other_check(ring: KeyRing, signer: Signer) -> None:
    head, _payload, signature = token(signer).split(".")
    other = token(signer, claims(rol="gtk-beheerder")).split(".")[1]

    result = await _verify(ring, f"{head}.{other}.{signature}")

    assert result.reasons == ["bad_signature"]
    assert [c.outcome for c in result.checks] == ["failed", "skipped", "skipped", "skipped"]
    assert result.claims is None


async def test_an_expired_verklaring_fails_on_its_claims(ring: KeyRing, signer: Signer) -> None:
    result = await _verify(ring, token(signer), now=NOW + timedelta(days=800))

    assert result.reasons == ["expired"]
    assert result.status == "valid"
