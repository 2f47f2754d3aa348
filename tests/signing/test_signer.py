"""The signer interface, key ids and the compact JWS it produces."""

from __future__ import annotations

import json
import pickle

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from registry.signing import TYP_VERKLARING, EcSigner, Signer, jwk_thumbprint, sign_jws, verify_jws
from registry.signing.errors import KeyMaterialError, SigningError
from registry.signing.signer import b64url_decode
from tests.signing.factories import ISSUER, NOW, verklaring_claims

# RFC 7638 section 3.1: the example RSA key and its published thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjh"
        "Mstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQv"
        "RL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_thumbprint_matches_the_rfc7638_example() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_thumbprint_ignores_optional_members_and_needs_the_required_ones() -> None:
    jwk = EcSigner.generate().public_jwk()

    assert jwk_thumbprint({k: jwk[k] for k in ("kty", "crv", "x", "y")}) == jwk["kid"]
    with pytest.raises(KeyMaterialError, match="y"):
        jwk_thumbprint({k: jwk[k] for k in ("kty", "crv", "x")})


def test_the_signature_is_raw_r_and_s_and_verifies_with_the_public_key() -> None:
    signer = EcSigner.generate()

    signature = signer.sign(b"header.payload")

    assert len(signature) == 64
    public_key = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(signer.public_jwk()["x"]), "big"),
        int.from_bytes(b64url_decode(signer.public_jwk()["y"]), "big"),
        ec.SECP256R1(),
    ).public_key()
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public_key.verify(der, b"header.payload", ec.ECDSA(hashes.SHA256()))


def test_the_signer_hides_its_private_key() -> None:
    signer = EcSigner.generate()
    pem = signer.private_pem().decode()

    assert repr(signer) == f"EcSigner(kid={signer.kid!r}, algorithm='ES256')"
    assert "d" not in signer.public_jwk()
    assert pem.splitlines()[1] not in repr(signer)
    with pytest.raises(TypeError):
        pickle.dumps(signer)


def test_only_p256_keys_are_accepted() -> None:
    with pytest.raises(KeyMaterialError, match="P-256"):
        EcSigner(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(KeyMaterialError, match="could not be read"):
        EcSigner.from_pem("geen sleutel")


def test_sign_jws_writes_alg_kid_and_typ() -> None:
    signer = EcSigner.generate()

    token = sign_jws({"sub": "x"}, signer, TYP_VERKLARING, extra_headers={"x5u": "https://example.nl/x"})

    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "kid": signer.kid, "typ": TYP_VERKLARING, "x5u": "https://example.nl/x"}


@pytest.mark.parametrize("name", ["alg", "kid", "typ", "crit"])
def test_extra_headers_cannot_override_the_signers_choices(name: str) -> None:
    with pytest.raises(SigningError, match=name):
        sign_jws({}, EcSigner.generate(), TYP_VERKLARING, extra_headers={name: "x"})


class _HsmStandIn:
    """Another Signer implementation: only the interface is used, as an HSM client would be."""

    def __init__(self, *, der: bool = False) -> None:
        self._inner = EcSigner.generate()
        self._der = der

    @property
    def kid(self) -> str:
        return self._inner.kid

    @property
    def algorithm(self) -> str:
        return "ES256"

    def sign(self, signing_input: bytes) -> bytes:
        raw = self._inner.sign(signing_input)
        if self._der:
            return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        return raw

    def public_jwk(self) -> dict[str, str]:
        return self._inner.public_jwk()


def test_any_signer_implementation_can_sign() -> None:
    hsm = _HsmStandIn()
    assert isinstance(hsm, Signer)

    token = sign_jws(verklaring_claims(), hsm, TYP_VERKLARING)

    result = verify_jws(
        token,
        {"keys": [hsm.public_jwk()]},
        expected_typ=TYP_VERKLARING,
        issuer=ISSUER,
        now=NOW,
        revoked_kids=set(),
    )
    assert result.valid, result.reasons


def test_a_signer_returning_der_is_caught() -> None:
    with pytest.raises(SigningError, match="64 bytes"):
        sign_jws(verklaring_claims(), _HsmStandIn(der=True), TYP_VERKLARING)
