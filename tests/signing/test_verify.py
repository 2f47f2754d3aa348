"""The strict verifier: one row per way a token must be refused, each with its reason code."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jws as jose_jws

from registry.clock import FixedClock
from registry.signing import (
    TYP_STATUSLIST,
    TYP_VERKLARING,
    EcSigner,
    KeyRing,
    Signer,
    VerificationResult,
    sign_jws,
    verify_jws,
)
from registry.signing.errors import InvalidTokenError
from registry.signing.signer import b64url_decode
from tests.signing.factories import ISSUER, NOW, b64url, forge, replace_segment, verklaring_claims


@dataclass
class Scene:
    """A ring whose active key signs (``signer``), one retired but published key, one stranger key."""

    ring: KeyRing
    signer: Signer
    retired: Signer
    stranger: EcSigner

    def header(self, **overrides: Any) -> dict[str, Any]:
        header: dict[str, Any] = {"alg": "ES256", "kid": self.signer.kid, "typ": TYP_VERKLARING}
        header.update(overrides)
        return {name: value for name, value in header.items() if value is not None}

    def public_pem(self) -> bytes:
        jwk = self.signer.public_jwk()
        return _public_key(jwk).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_der(self) -> bytes:
        return _public_key(self.signer.public_jwk()).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _public_key(jwk: dict[str, str]) -> ec.EllipticCurvePublicKey:
    x, y = (int.from_bytes(b64url_decode(jwk[name]), "big") for name in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def _hmac_signer(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


@pytest.fixture
def scene(key_dir: Any, clock: FixedClock) -> Scene:
    ring = KeyRing(key_dir, clock=clock)
    ring.generate()
    retired = ring.active_signer()
    ring.rotate()
    return Scene(ring=ring, signer=ring.active_signer(), retired=retired, stranger=EcSigner.generate())


def verify(scene: Scene, token: str, **overrides: Any) -> VerificationResult:
    arguments: dict[str, Any] = {
        "expected_typ": TYP_VERKLARING,
        "issuer": ISSUER,
        "now": NOW,
        "revoked_kids": scene.ring.revoked_kids(),
    }
    arguments.update(overrides)
    return verify_jws(token, scene.ring.public_jwks(), **arguments)


def signed(scene: Scene, claims: dict[str, Any] | None = None, **header: Any) -> str:
    """A token signed by the active key with a hand-chosen header."""
    return forge(scene.header(**header), claims or verklaring_claims(), scene.signer.sign)


def _tamper_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[10] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def _revoked(scene: Scene) -> str:
    token = sign_jws(verklaring_claims(), scene.retired, TYP_VERKLARING)
    scene.ring.revoke(scene.retired.kid)
    return token


def _duplicate_member(scene: Scene) -> str:
    payload = json.dumps(verklaring_claims())[:-1] + ', "iss": "https://elders.example"}'
    signing_input = b64url(json.dumps(scene.header()).encode()) + "." + b64url(payload.encode())
    return f"{signing_input}.{b64url(scene.signer.sign(signing_input.encode()))}"


CASES: list[tuple[str, Callable[[Scene], str], str]] = [
    ("alg none", lambda s: forge(s.header(alg="none"), verklaring_claims()), "alg_not_allowed"),
    ("alg missing", lambda s: signed(s, alg=None), "alg_not_allowed"),
    (
        "HS256 keyed with the public key as PEM",
        lambda s: forge(s.header(alg="HS256"), verklaring_claims(), _hmac_signer(s.public_pem())),
        "alg_not_allowed",
    ),
    (
        "HS256 keyed with the public key as DER",
        lambda s: forge(s.header(alg="HS256"), verklaring_claims(), _hmac_signer(s.public_der())),
        "alg_not_allowed",
    ),
    (
        "HS256 keyed with the public key as JWK",
        lambda s: forge(
            s.header(alg="HS256"),
            verklaring_claims(),
            _hmac_signer(json.dumps(s.signer.public_jwk()).encode()),
        ),
        "alg_not_allowed",
    ),
    ("RS256 claimed", lambda s: signed(s, alg="RS256"), "alg_not_allowed"),
    ("kid missing", lambda s: signed(s, kid=None), "kid_missing"),
    ("kid unknown", lambda s: signed(s, kid=s.stranger.kid), "kid_unknown"),
    (
        "good signature by key A under the kid of key B",
        lambda s: signed(s, kid=s.retired.kid),
        "bad_signature",
    ),
    (
        "key embedded in the header",
        lambda s: forge(
            {"alg": "ES256", "kid": s.stranger.kid, "typ": TYP_VERKLARING, "jwk": s.stranger.public_jwk()},
            verklaring_claims(),
            s.stranger.sign,
        ),
        "kid_unknown",
    ),
    ("typ of another token kind", lambda s: signed(s, typ=TYP_STATUSLIST), "typ_mismatch"),
    ("typ plain JWT", lambda s: signed(s, typ="JWT"), "typ_mismatch"),
    ("typ missing", lambda s: signed(s, typ=None), "typ_mismatch"),
    (
        "unknown crit",
        lambda s: forge(
            s.header(crit=["urn:example:extra"], **{"urn:example:extra": 1}),
            verklaring_claims(),
            s.signer.sign,
        ),
        "crit_unsupported",
    ),
    (
        "expired beyond the leeway",
        lambda s: signed(s, verklaring_claims(exp=int(NOW.timestamp()) - 61)),
        "expired",
    ),
    (
        "not yet valid (nbf)",
        lambda s: signed(s, verklaring_claims(nbf=int(NOW.timestamp()) + 3600)),
        "not_yet_valid",
    ),
    (
        "issued in the future",
        lambda s: signed(s, verklaring_claims(iat=int(NOW.timestamp()) + 3600)),
        "issued_in_future",
    ),
    ("exp missing", lambda s: signed(s, verklaring_claims(exp=None)), "claim_missing:exp"),
    ("iss missing", lambda s: signed(s, verklaring_claims(iss=None)), "claim_missing:iss"),
    ("sub missing", lambda s: signed(s, verklaring_claims(sub=None)), "claim_missing:sub"),
    ("jti missing", lambda s: signed(s, verklaring_claims(jti=None)), "claim_missing:jti"),
    (
        "exp as a string",
        lambda s: signed(s, verklaring_claims(exp=str(int(NOW.timestamp()) + 3600))),
        "claim_type:exp",
    ),
    ("exp as a boolean", lambda s: signed(s, verklaring_claims(exp=True)), "claim_type:exp"),
    (
        "wrong issuer",
        lambda s: signed(s, verklaring_claims(iss="https://stelselregister.example.nl.evil")),
        "issuer_mismatch",
    ),
    (
        "audience not expected",
        lambda s: signed(s, verklaring_claims(aud="https://elders.example")),
        "audience_mismatch",
    ),
    (
        "tampered header",
        lambda s: replace_segment(
            signed(s), 0, b64url(json.dumps({**s.header(), "x5u": "https://evil.example"}).encode())
        ),
        "bad_signature",
    ),
    (
        "tampered payload",
        lambda s: replace_segment(
            signed(s), 1, b64url(json.dumps(verklaring_claims(rol="jeugdhulpaanbieder")).encode())
        ),
        "bad_signature",
    ),
    ("tampered signature", lambda s: _tamper_signature(signed(s)), "bad_signature"),
    ("signature removed", lambda s: replace_segment(signed(s), 2, ""), "bad_signature"),
    (
        "signature of the wrong length",
        lambda s: replace_segment(signed(s), 2, b64url(b"\x01" * 70)),
        "bad_signature",
    ),
    ("key revoked", _revoked, "key_revoked"),
    (
        "oversized token",
        lambda s: sign_jws(verklaring_claims(opvulling="x" * 20_000), s.signer, TYP_VERKLARING),
        "too_large",
    ),
    ("not a JWS at all", lambda s: "not-a-token", "malformed"),
    ("five segments (JWE shape)", lambda s: "a.b.c.d.e", "malformed"),
    ("header not JSON", lambda s: replace_segment(signed(s), 0, b64url(b"{not json")), "malformed"),
    ("payload a JSON array", lambda s: replace_segment(signed(s), 1, b64url(b"[1,2]")), "malformed"),
    (
        "padded base64url",
        lambda s: replace_segment(signed(s), 1, signed(s).split(".")[1] + "=="),
        "malformed",
    ),
    ("standard base64 alphabet", lambda s: replace_segment(signed(s), 2, "+/" * 43), "malformed"),
    ("duplicate claim", _duplicate_member, "malformed"),
]


@pytest.mark.parametrize(
    ("build", "reason"), [(b, r) for _, b, r in CASES], ids=[name for name, _, _ in CASES]
)
def test_rejects(scene: Scene, build: Callable[[Scene], str], reason: str) -> None:
    token = build(scene)

    result = verify(scene, token)

    assert not result.valid
    assert result.reasons == [reason]
    assert all(type(code) is str for code in result.reasons)


def test_a_valid_verklaring_passes_and_returns_its_claims(scene: Scene) -> None:
    claims = verklaring_claims()
    token = sign_jws(claims, scene.signer, TYP_VERKLARING)

    result = verify(scene, token)

    assert result.valid, result.reasons
    assert result.reasons == []
    assert result.claims == claims
    assert result.kid == scene.signer.kid
    assert result.header == {"alg": "ES256", "kid": scene.signer.kid, "typ": TYP_VERKLARING}
    assert result.require_valid() == claims


def test_claims_are_withheld_when_the_signature_fails(scene: Scene) -> None:
    result = verify(scene, signed(scene, kid=scene.retired.kid))

    assert result.claims is None
    assert result.header is not None
    with pytest.raises(InvalidTokenError) as raised:
        result.require_valid()
    assert raised.value.reasons == ["bad_signature"]


def test_all_claim_problems_are_reported_together(scene: Scene) -> None:
    claims = verklaring_claims(exp=int(NOW.timestamp()) - 3600, iss="https://elders.example", jti=None)

    result = verify(scene, signed(scene, claims))

    assert result.reasons == ["claim_missing:jti", "expired", "issuer_mismatch"]


@pytest.mark.parametrize("seconds", [-59, 0, 59])
def test_clock_skew_within_the_leeway_is_tolerated(scene: Scene, seconds: int) -> None:
    moment = int(NOW.timestamp())
    claims = verklaring_claims(exp=moment + seconds, nbf=moment + 59, iat=moment + 59)

    assert verify(scene, signed(scene, claims)).valid


def test_leeway_can_be_narrowed(scene: Scene) -> None:
    claims = verklaring_claims(exp=int(NOW.timestamp()) - 5)

    assert verify(scene, signed(scene, claims)).valid
    assert verify(scene, signed(scene, claims), leeway=timedelta(0)).reasons == ["expired"]


def test_typ_is_compared_as_a_media_type(scene: Scene) -> None:
    """RFC 7515 §4.1.9: case-insensitive, ``application/`` implied when there is no slash."""
    assert verify(scene, signed(scene, typ="application/Verklaring+JWT")).valid


def test_expected_subject_and_audience(scene: Scene) -> None:
    token = signed(scene, verklaring_claims(aud=["https://afnemer.example", "https://ander.example"]))

    assert verify(scene, token, audience="https://ander.example").valid
    assert verify(scene, token, audience="https://derde.example").reasons == ["audience_mismatch"]
    assert verify(scene, token, audience="https://ander.example", subject="urn:elders").reasons == [
        "subject_mismatch"
    ]


def test_a_custom_required_claim(scene: Scene) -> None:
    result = verify(
        scene, signed(scene), required_claims=("iss", "sub", "exp", "iat", "jti", "rol", "peildatum")
    )

    assert result.reasons == ["claim_missing:peildatum"]


def test_a_jwks_entry_that_is_no_signature_key_is_refused(scene: Scene) -> None:
    jwks = scene.ring.public_jwks()
    for jwk in jwks["keys"]:
        jwk["use"] = "enc"

    result = verify_jws(
        signed(scene), jwks, expected_typ=TYP_VERKLARING, issuer=ISSUER, now=NOW, revoked_kids=set()
    )

    assert result.reasons == ["key_invalid"]


def test_rotation_keeps_earlier_tokens_verifiable(scene: Scene) -> None:
    before = sign_jws(verklaring_claims(), scene.signer, TYP_VERKLARING)

    scene.ring.rotate()
    after = sign_jws(verklaring_claims(), scene.ring.active_signer(), TYP_VERKLARING)

    assert verify(scene, before).valid
    assert verify(scene, after).valid
    assert verify(scene, after).kid != verify(scene, before).kid


def test_revoking_a_key_invalidates_its_tokens_and_unpublishes_it(scene: Scene) -> None:
    token = sign_jws(verklaring_claims(), scene.signer, TYP_VERKLARING)
    scene.ring.rotate()

    scene.ring.revoke(scene.signer.kid)

    assert verify(scene, token).reasons == ["key_revoked"]
    published = {jwk["kid"] for jwk in scene.ring.public_jwks()["keys"]}
    assert scene.signer.kid not in published
    # A verifier that only has the JWKS still refuses it: the key is gone from there.
    assert verify(scene, token, revoked_kids=set()).reasons == ["kid_unknown"]


def test_python_jose_alone_would_accept_what_we_refuse(scene: Scene) -> None:
    """Why the verifier checks kid, typ and claims itself: python-jose only checks alg and signature."""
    token = signed(scene, verklaring_claims(exp=None), typ="JWT", crit=["urn:example:extra"])
    key = _public_key(scene.signer.public_jwk())

    jose_jws.verify(token, key, algorithms=["ES256"])  # no exception

    assert set(verify(scene, token).reasons) == {"typ_mismatch", "crit_unsupported"}


def test_naive_now_is_a_programming_error(scene: Scene) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(scene, signed(scene), now=NOW.replace(tzinfo=None))


def test_a_kept_verification_key_serves_only_its_own_public_key(scene: Scene) -> None:
    """Verification keys are kept per public key: the same kid with other coordinates is another key."""
    token = sign_jws(verklaring_claims(), scene.signer, TYP_VERKLARING)
    assert verify(scene, token).valid

    swapped = {**scene.stranger.public_jwk(), "kid": scene.signer.kid}
    result = verify_jws(
        token, {"keys": [swapped]}, expected_typ=TYP_VERKLARING, issuer=ISSUER, now=NOW, revoked_kids=()
    )

    assert result.reasons == ["bad_signature"]
    assert verify(scene, token).valid
