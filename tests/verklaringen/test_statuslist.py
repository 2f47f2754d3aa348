"""The Token Status List behind verklaringen: bits, encoding, allocation and the signed list."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import pytest

from registry.signing import TYP_STATUSLIST, TYP_VERKLARING, KeyRing, sign_jws
from registry.signing.errors import InvalidTokenError
from registry.signing.signer import b64url_decode, b64url_encode
from verklaringen.statuslist import (
    DEFAULT_SIZE,
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    StatusList,
    StatusListFormatError,
    StatusListFullError,
    build_status_list_token,
    read_status_list_token,
    status_claim,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ISSUER = "https://stelselregister.example.nl"
LIST_URI = "https://stelselregister.example.nl/statuslijsten/1"


# The examples of draft-ietf-oauth-status-list, section "Status List".
DRAFT_ONE_BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
DRAFT_ONE_BIT_LST = "eNrbuRgAAhcBXQ"
DRAFT_TWO_BITS = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
DRAFT_TWO_BITS_LST = "eNo76fITAAPfAgc"


def test_a_new_list_is_all_valid_and_large_enough_for_herd_privacy() -> None:
    status_list = StatusList()

    assert status_list.size == DEFAULT_SIZE == 131_072
    assert status_list.bits == 1
    assert {status_list.get(i) for i in range(0, DEFAULT_SIZE, 997)} == {STATUS_VALID}


def test_flipping_one_bit_leaves_its_neighbours_alone() -> None:
    status_list = StatusList(size=64)

    status_list.set(9, STATUS_INVALID)

    assert [status_list.get(i) for i in range(8, 11)] == [0, 1, 0]
    status_list.set(9, STATUS_VALID)
    assert all(status_list.get(i) == STATUS_VALID for i in range(64))


def test_bit_order_follows_the_draft() -> None:
    status_list = StatusList(size=16)
    for index, status in enumerate(DRAFT_ONE_BIT):
        status_list.set(index, status)

    encoded = status_list.encode()

    assert encoded["bits"] == 1
    assert zlib.decompress(b64url_decode(encoded["lst"])) == bytes([0xB9, 0xA3])


def test_the_drafts_examples_decode() -> None:
    one = StatusList.decode({"bits": 1, "lst": DRAFT_ONE_BIT_LST})
    two = StatusList.decode({"bits": 2, "lst": DRAFT_TWO_BITS_LST})

    assert [one.get(i) for i in range(one.size)] == DRAFT_ONE_BIT
    assert [two.get(i) for i in range(two.size)] == DRAFT_TWO_BITS


def test_two_bits_allow_suspension_which_can_be_lifted() -> None:
    status_list = StatusList(size=1024, bits=2)

    status_list.set(5, STATUS_SUSPENDED)
    status_list.set(6, STATUS_INVALID)
    restored = StatusList.decode(status_list.encode())
    assert (restored.get(5), restored.get(6)) == (STATUS_SUSPENDED, STATUS_INVALID)

    status_list.set(5, STATUS_VALID)
    assert StatusList.decode(status_list.encode()).get(5) == STATUS_VALID


def test_one_bit_cannot_say_suspended() -> None:
    with pytest.raises(ValueError, match="1 bit"):
        StatusList(size=8).set(0, STATUS_SUSPENDED)


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_round_trip_for_every_bit_size(bits: int) -> None:
    rng = Random(bits)
    status_list = StatusList(size=4096, bits=bits)
    expected = {rng.randrange(4096): rng.randrange(1, 2**bits) for _ in range(200)}
    for index, status in expected.items():
        status_list.set(index, status)

    restored = StatusList.decode(status_list.encode())

    assert restored == status_list
    assert all(restored.get(index) == status for index, status in expected.items())


def test_a_mostly_valid_list_compresses_small() -> None:
    status_list = StatusList()
    assert len(status_list.encode()["lst"]) < 100

    rng = Random(7)
    for _ in range(100):
        status_list.set(rng.randrange(status_list.size), STATUS_INVALID)

    assert len(status_list.encode()["lst"]) < 1_500  # against 16 KiB uncompressed


def test_allocation_hands_out_random_distinct_indexes() -> None:
    status_list = StatusList()
    rng = Random(3)

    indexes = [status_list.allocate(rng) for _ in range(500)] + [status_list.allocate() for _ in range(500)]

    assert len(set(indexes)) == 1000
    assert all(0 <= index < status_list.size for index in indexes)
    assert indexes != sorted(indexes)
    assert status_list.free_count == status_list.size - 1000


def test_allocation_skips_indexes_already_in_use_and_stops_when_full() -> None:
    status_list = StatusList(size=16, allocated=range(12))
    rng = Random(11)

    fresh = {status_list.allocate(rng) for _ in range(4)}

    assert fresh == {12, 13, 14, 15}
    with pytest.raises(StatusListFullError):
        status_list.allocate(rng)


def test_decoding_counts_non_valid_entries_as_in_use() -> None:
    status_list = StatusList(size=64)
    status_list.set(3, STATUS_INVALID)

    restored = StatusList.decode(status_list.encode())

    assert restored.is_allocated(3)
    assert not restored.is_allocated(4)


@pytest.mark.parametrize(
    "encoded",
    [
        {"bits": 3, "lst": DRAFT_ONE_BIT_LST},
        {"bits": True, "lst": DRAFT_ONE_BIT_LST},
        {"bits": 1},
        {"bits": 1, "lst": "niet+base64"},
        {"bits": 1, "lst": DRAFT_ONE_BIT_LST + "=="},
        {"bits": 1, "lst": "AAAA"},
    ],
)
def test_malformed_encodings_are_refused(encoded: dict[str, object]) -> None:
    with pytest.raises(StatusListFormatError):
        StatusList.decode(encoded)


def test_a_compressed_bomb_is_cut_off() -> None:
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)

    with pytest.raises(StatusListFormatError, match="more than"):
        StatusList.decode({"bits": 1, "lst": b64url_encode(bomb)})


def test_the_status_claim_points_at_the_entry() -> None:
    assert status_claim(LIST_URI, 42) == {"status_list": {"idx": 42, "uri": LIST_URI}}


# -- the signed Status List Token ---------------------------------------------------------------


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    key_ring = KeyRing(tmp_path / "keys")
    key_ring.generate()
    return key_ring


def test_a_signed_status_list_reads_back(ring: KeyRing) -> None:
    now = NOW
    status_list = StatusList()
    revoked = status_list.allocate(Random(1))
    status_list.set(revoked, STATUS_INVALID)

    token = build_status_list_token(
        status_list, uri=LIST_URI, issuer=ISSUER, signer=ring.active_signer(), now=now
    )
    read = read_status_list_token(
        token, ring.public_jwks(), uri=LIST_URI, issuer=ISSUER, now=now, revoked_kids=ring.revoked_kids()
    )

    assert read.status_list == status_list
    assert read.status_list.get(revoked) == STATUS_INVALID
    assert read.uri == LIST_URI
    assert read.issued_at == now
    assert read.expires_at == now + timedelta(days=1)
    assert read.ttl == 900


def test_the_signed_list_carries_the_drafts_claims(ring: KeyRing) -> None:
    now = NOW
    token = build_status_list_token(
        StatusList(size=8), uri=LIST_URI, issuer=ISSUER, signer=ring.active_signer(), now=now
    )
    header, payload = (json.loads(b64url_decode(part)) for part in token.split(".")[:2])

    assert header["typ"] == "statuslist+jwt"
    assert header["alg"] == "ES256"
    assert set(payload) == {"iss", "sub", "iat", "exp", "ttl", "status_list"}
    assert payload["sub"] == LIST_URI
    assert payload["status_list"] == {"bits": 1, "lst": StatusList(size=8).encode()["lst"]}


def _read(ring: KeyRing, token: str, *, uri: str = LIST_URI, later: timedelta = timedelta(0)) -> None:
    read_status_list_token(
        token,
        ring.public_jwks(),
        uri=uri,
        issuer=ISSUER,
        now=NOW + later,
        revoked_kids=ring.revoked_kids(),
    )


def test_a_status_list_for_another_uri_is_refused(ring: KeyRing) -> None:
    token = build_status_list_token(
        StatusList(size=8), uri=LIST_URI, issuer=ISSUER, signer=ring.active_signer(), now=NOW
    )

    with pytest.raises(InvalidTokenError) as raised:
        _read(ring, token, uri=LIST_URI.replace("/1", "/2"))
    assert raised.value.reasons == ["subject_mismatch"]


def test_an_expired_status_list_is_refused(ring: KeyRing) -> None:
    token = build_status_list_token(
        StatusList(size=8), uri=LIST_URI, issuer=ISSUER, signer=ring.active_signer(), now=NOW
    )

    with pytest.raises(InvalidTokenError) as raised:
        _read(ring, token, later=timedelta(days=2))
    assert raised.value.reasons == ["expired"]


def test_a_verklaring_is_not_accepted_as_a_status_list(ring: KeyRing) -> None:
    now = int(NOW.timestamp())
    claims = {
        "iss": ISSUER,
        "sub": LIST_URI,
        "iat": now,
        "exp": now + 60,
        "status_list": StatusList(size=8).encode(),
    }
    token = sign_jws(claims, ring.active_signer(), TYP_VERKLARING)

    with pytest.raises(InvalidTokenError) as raised:
        _read(ring, token)
    assert raised.value.reasons == ["typ_mismatch"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ttl": -5}, "claim_type:ttl"),
        ({"ttl": "900"}, "claim_type:ttl"),
        ({"status_list": {"bits": 1, "lst": "AAAA"}}, "claim_type:status_list"),
        ({"status_list": "geen lijst"}, "claim_type:status_list"),
        ({"status_list": None}, "claim_missing:status_list"),
    ],
)
def test_a_broken_status_list_claim_is_refused(
    ring: KeyRing, changes: dict[str, object], reason: str
) -> None:
    now = int(NOW.timestamp())
    claims: dict[str, object] = {"iss": ISSUER, "sub": LIST_URI, "iat": now, "exp": now + 60, "ttl": 60}
    claims["status_list"] = StatusList(size=8).encode()
    claims.update(changes)
    token = sign_jws({k: v for k, v in claims.items() if v is not None}, ring.active_signer(), TYP_STATUSLIST)

    with pytest.raises(InvalidTokenError) as raised:
        _read(ring, token)
    assert raised.value.reasons == [reason]
