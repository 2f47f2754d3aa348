"""The key ring: generating, rotating, retiring and revoking keys on disk, and what gets published."""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
import shutil
import stat
import subprocess
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from registry.clock import FixedClock
from registry.signing import (
    TYP_VERKLARING,
    EcSigner,
    KeyRing,
    KeySource,
    KeyStatus,
    jwk_thumbprint,
    sign_jws,
    verify_jws,
)
from registry.signing.errors import (
    KeyMaterialError,
    KeyNotFoundError,
    KeyRingError,
    NoActiveKeyError,
)
from tests.signing.factories import ISSUER, NOW, verklaring_claims


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private_key_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.pem"))


def test_generate_creates_one_active_key_on_disk_with_private_modes(key_dir: Path, clock: FixedClock) -> None:
    ring = KeyRing(key_dir, clock=clock)

    info = ring.generate()

    assert info.status is KeyStatus.ACTIVE
    assert info.created == NOW
    assert _mode(key_dir) == 0o700
    [pem] = _private_key_files(key_dir)
    assert pem.name == f"{info.kid}.pem"
    assert _mode(pem) == 0o600
    assert _mode(key_dir / "keys.json") == 0o600
    assert ring.active_signer().kid == info.kid


def test_generate_refuses_when_a_key_is_active(ring: KeyRing) -> None:
    with pytest.raises(KeyRingError, match="rotate"):
        ring.generate()


def test_kid_is_the_rfc7638_thumbprint_of_the_public_key(ring: KeyRing) -> None:
    signer = ring.active_signer()
    jwk = signer.public_jwk()

    assert signer.kid == jwk["kid"] == jwk_thumbprint(jwk)
    assert len(signer.kid) == 43


def test_rotate_retires_the_previous_key_and_keeps_it_published(ring: KeyRing, clock: FixedClock) -> None:
    first = ring.active_signer().kid
    clock.moment = NOW + timedelta(days=30)

    second = ring.rotate()

    statuses = {info.kid: info for info in ring.list()}
    assert statuses[second.kid].status is KeyStatus.ACTIVE
    assert statuses[first].status is KeyStatus.RETIRED
    assert statuses[first].retired_at == NOW + timedelta(days=30)
    assert ring.active_signer().kid == second.kid
    assert [jwk["kid"] for jwk in ring.public_jwks()["keys"]] == [second.kid, first]


def test_only_the_active_key_keeps_a_private_key_file(ring: KeyRing, key_dir: Path) -> None:
    first = ring.active_signer().kid

    second = ring.rotate()

    assert [path.stem for path in _private_key_files(key_dir)] == [second.kid]
    manifest = (key_dir / "keys.json").read_text()
    assert first in manifest
    assert "BEGIN" not in manifest


def test_the_jwks_never_carries_private_members(ring: KeyRing) -> None:
    ring.rotate()

    jwks = ring.public_jwks()

    assert len(jwks["keys"]) == 2
    for jwk in jwks["keys"]:
        assert "d" not in jwk
        assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
        assert jwk["alg"] == "ES256"
        assert jwk["use"] == "sig"


def test_revoke_removes_the_key_from_the_jwks_and_marks_it(ring: KeyRing, key_dir: Path) -> None:
    old = ring.active_signer().kid
    ring.rotate()

    info = ring.revoke(old)

    assert info.status is KeyStatus.REVOKED
    assert info.revoked_at == NOW
    assert ring.is_revoked(old)
    assert ring.revoked_kids() == {old}
    assert old not in {jwk["kid"] for jwk in ring.public_jwks()["keys"]}


def test_revoking_the_active_key_stops_signing(ring: KeyRing, key_dir: Path) -> None:
    kid = ring.active_signer().kid

    ring.revoke(kid)

    with pytest.raises(NoActiveKeyError):
        ring.active_signer()
    assert _private_key_files(key_dir) == []
    assert ring.public_jwks() == {"keys": []}


def test_retiring_the_active_key_leaves_it_published_but_unable_to_sign(ring: KeyRing) -> None:
    kid = ring.active_signer().kid

    ring.retire(kid)

    assert [jwk["kid"] for jwk in ring.public_jwks()["keys"]] == [kid]
    with pytest.raises(NoActiveKeyError):
        ring.active_signer()
    assert ring.rotate().status is KeyStatus.ACTIVE


def test_a_revoked_key_cannot_be_retired(ring: KeyRing) -> None:
    kid = ring.active_signer().kid
    ring.revoke(kid)

    with pytest.raises(KeyRingError, match="revoked"):
        ring.retire(kid)


def test_unknown_kids_are_reported(ring: KeyRing) -> None:
    with pytest.raises(KeyNotFoundError):
        ring.revoke(EcSigner.generate().kid)
    with pytest.raises(KeyNotFoundError):
        ring.retire("../../etc/passwd")


def test_an_empty_directory_has_no_keys(key_dir: Path) -> None:
    ring = KeyRing(key_dir)

    assert ring.list() == []
    assert ring.public_jwks() == {"keys": []}
    assert not key_dir.exists()
    with pytest.raises(NoActiveKeyError):
        ring.active_signer()


def test_a_second_ring_on_the_same_directory_sees_rotation(ring: KeyRing, key_dir: Path) -> None:
    other = KeyRing(key_dir)

    rotated = ring.rotate()

    assert other.active_signer().kid == rotated.kid


def test_a_ring_that_has_read_the_keys_sees_every_change_made_elsewhere(ring: KeyRing, key_dir: Path) -> None:
    """A worker keeps the parsed manifest, yet sees a rotation, retirement or revocation made by
    another process (here: another ring on the same directory) on its very next read."""
    worker = KeyRing(key_dir)
    first = worker.active_signer().kid
    assert [key["kid"] for key in worker.public_jwks()["keys"]] == [first]

    rotated = ring.rotate()
    assert worker.active_signer().kid == rotated.kid
    assert [key["kid"] for key in worker.public_jwks()["keys"]] == [rotated.kid, first]

    ring.revoke(first)
    assert worker.revoked_kids() == frozenset({first})
    assert worker.is_revoked(first)
    assert [key["kid"] for key in worker.public_jwks()["keys"]] == [rotated.kid]

    ring.retire(rotated.kid)
    with pytest.raises(NoActiveKeyError):
        worker.active_signer()
    assert [info.status for info in worker.list()] == [KeyStatus.RETIRED, KeyStatus.REVOKED]


def test_an_unchanged_manifest_is_read_once(
    ring: KeyRing, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = KeyRing(key_dir)
    reads = 0
    original = KeyRing._read_manifest

    def counting(self: KeyRing) -> object:
        nonlocal reads
        reads += 1
        return original(self)

    monkeypatch.setattr(KeyRing, "_read_manifest", counting)
    for _ in range(5):
        worker.public_jwks()
        worker.revoked_kids()
        worker.active_signer()
    assert reads == 1

    ring.rotate()
    worker.public_jwks()
    worker.active_signer()
    assert reads == 3  # the rotation itself (under the lock), then the worker once


def test_the_published_jwks_cannot_be_changed_through_a_returned_copy(ring: KeyRing) -> None:
    published = ring.public_jwks()
    published["keys"][0]["kid"] = "tampered"
    published["keys"].append({"kid": "extra"})

    assert [key["kid"] for key in ring.public_jwks()["keys"]] == [ring.active_signer().kid]


def test_a_manifest_written_over_by_hand_is_read_again(ring: KeyRing, key_dir: Path) -> None:
    """Also a manifest restored from a backup (rewritten in place, not renamed over) counts."""
    kid = ring.active_signer().kid
    manifest = key_dir / "keys.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["keys"][0]["status"] = "revoked"
    manifest.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    assert ring.revoked_kids() == frozenset({kid})
    assert ring.public_jwks() == {"keys": []}


def test_a_private_key_readable_by_others_is_refused(ring: KeyRing, key_dir: Path) -> None:
    kid = ring.active_signer().kid
    fresh = KeyRing(key_dir)
    (key_dir / f"{kid}.pem").chmod(0o644)

    with pytest.raises(KeyMaterialError, match="0600"):
        fresh.active_signer()


def _rotate_many(directory: str, times: int) -> None:
    ring = KeyRing(Path(directory))
    for _ in range(times):
        ring.rotate()


def test_concurrent_rotations_keep_one_active_key_and_every_old_one(ring: KeyRing, key_dir: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [pool.submit(_rotate_many, str(key_dir), 15) for _ in range(2)]
        for future in futures:
            future.result()

    infos = ring.list()
    assert len(infos) == 1 + 2 * 15
    assert [info.status for info in infos].count(KeyStatus.ACTIVE) == 1
    assert len(_private_key_files(key_dir)) == 1
    manifest = json.loads((key_dir / "keys.json").read_text())
    assert len(manifest["keys"]) == 31


def test_the_environment_key_is_the_active_signer(key_dir: Path, ring: KeyRing) -> None:
    file_kid = ring.active_signer().kid
    provided = EcSigner.generate()

    container = KeyRing(key_dir, active_key_pem=provided.private_pem().decode())

    assert container.active_signer().kid == provided.kid
    listed = {info.kid: info for info in container.list()}
    assert listed[provided.kid].source is KeySource.ENVIRONMENT
    assert {jwk["kid"] for jwk in container.public_jwks()["keys"]} == {provided.kid, file_kid}
    with pytest.raises(KeyRingError, match="environment"):
        container.rotate()


def test_retiring_the_environment_key_keeps_its_tokens_verifiable_after_replacement(key_dir: Path) -> None:
    old = EcSigner.generate()
    container = KeyRing(key_dir, active_key_pem=old.private_pem().decode())
    token = sign_jws(verklaring_claims(), container.active_signer(), TYP_VERKLARING)

    container.retire(old.kid)
    replaced = KeyRing(key_dir, active_key_pem=EcSigner.generate().private_pem().decode())

    result = verify_jws(
        token,
        replaced.public_jwks(),
        expected_typ=TYP_VERKLARING,
        issuer=ISSUER,
        now=NOW,
        revoked_kids=replaced.revoked_kids(),
    )
    assert result.valid, result.reasons


def test_a_revoked_environment_key_may_not_sign(key_dir: Path) -> None:
    provided = EcSigner.generate()
    container = KeyRing(key_dir, active_key_pem=provided.private_pem().decode())

    container.revoke(provided.kid)

    with pytest.raises(NoActiveKeyError):
        container.active_signer()
    assert container.public_jwks() == {"keys": []}


def test_private_material_stays_out_of_repr_logs_and_errors(
    key_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    provided = EcSigner.generate()
    pem = provided.private_pem().decode()
    secret = pem.splitlines()[1]
    caplog.set_level(logging.DEBUG)

    container = KeyRing(key_dir, active_key_pem=pem)
    container.retire(provided.kid)
    ring = KeyRing(key_dir / "eigen")
    ring.generate()
    ring.rotate()
    texts = [repr(container), repr(provided), repr(ring), repr(ring.active_signer()), caplog.text]
    texts += [repr(info) for info in container.list() + ring.list()]
    texts.append(json.dumps(ring.public_jwks()))
    with pytest.raises(KeyMaterialError) as raised:
        KeyRing(key_dir, active_key_pem=pem.replace(secret[:20], "A" * 20))
    texts.append(str(raised.value))

    for text in texts:
        assert secret not in text
        assert "PRIVATE KEY" not in text


def test_a_non_ec_environment_key_is_refused_without_quoting_it(key_dir: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )

    with pytest.raises(KeyMaterialError, match="not an EC key") as raised:
        KeyRing(key_dir, active_key_pem=pem)
    assert pem.splitlines()[1] not in str(raised.value)


def test_no_private_key_is_committed() -> None:
    """Keys are generated at run time; a PEM private key block in a tracked file is a leak."""
    root = Path(__file__).resolve().parents[2]
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run([git, "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.split(
        b"\0"
    )
    pattern = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")
    leaks = [
        name.decode()
        for name in tracked
        if name and (root / name.decode()).is_file() and pattern.search((root / name.decode()).read_bytes())
    ]
    assert leaks == []
