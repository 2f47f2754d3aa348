"""``stelsel verify`` as a relying party uses it: offline, with a saved JWKS and status list."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result

from registry.signing import KeyRing, Signer
from tests.verklaringen.factories import ISSUER, LIST_URI, NOW, claims, token
from verklaringen.cli import verify_command
from verklaringen.pdf import Bijlage, WeasyPrintRenderer
from verklaringen.statuslist import STATUS_INVALID, StatusList, build_status_list_token


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    key_ring = KeyRing(tmp_path / "keys")
    key_ring.generate()
    return key_ring


@pytest.fixture
def signer(ring: KeyRing) -> Signer:
    return ring.active_signer()


@pytest.fixture
def jwks_file(tmp_path: Path, ring: KeyRing) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(ring.public_jwks()))
    return path


def _status_list_file(tmp_path: Path, signer: Signer, **statuses: int) -> Path:
    status_list = StatusList(size=1024, bits=2)
    for index, value in statuses.items():
        status_list.set(int(index.removeprefix("i")), value)
    path = tmp_path / "statuslijst.jwt"
    path.write_text(build_status_list_token(status_list, uri=LIST_URI, issuer=ISSUER, signer=signer, now=NOW))
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(
        verify_command,
        [*args, "--at", NOW.isoformat(), "--offline"],
        obj={"settings": SimpleNamespace(base_url=ISSUER)},
    )


def test_a_valid_token_verifies_offline(tmp_path: Path, signer: Signer, jwks_file: Path) -> None:
    status_list = _status_list_file(tmp_path, signer)

    result = run(token(signer), "--jwks", str(jwks_file), "--status-list", str(status_list))

    assert result.exit_code == 0, result.output
    assert "Verklaring VKL-2026-000042: GELDIG" in result.output
    assert "status           passed" in result.output


def test_a_revoked_verklaring_fails_with_reason_revoked(
    tmp_path: Path, signer: Signer, jwks_file: Path
) -> None:
    status_list = _status_list_file(tmp_path, signer, i7=STATUS_INVALID)

    result = run(
        token(signer, claims(index=7)), "--jwks", str(jwks_file), "--status-list", str(status_list), "--json"
    )

    assert result.exit_code == 1
    answer = json.loads(result.output)
    assert answer["valid"] is False
    assert answer["reasons"] == ["revoked"]
    assert answer["status"] == "revoked"


def test_the_token_is_read_from_the_pdf(tmp_path: Path, signer: Signer, jwks_file: Path) -> None:
    pdf = tmp_path / "verklaring.pdf"
    attestation = token(signer)
    pdf.write_bytes(
        WeasyPrintRenderer().render(
            "<p>x</p>", bijlagen=[Bijlage("verklaring.jwt", attestation.encode(), "application/jwt", "")]
        )
    )
    status_list = _status_list_file(tmp_path, signer)

    result = run(str(pdf), "--jwks", str(jwks_file), "--status-list", str(status_list))

    assert result.exit_code == 0, result.output


def test_offline_without_a_status_list_cannot_confirm_the_status(signer: Signer, jwks_file: Path) -> None:
    result = run(token(signer), "--jwks", str(jwks_file))

    assert result.exit_code == 1
    assert "status_unavailable" in result.output
    assert "status_list:not_given" in result.output


def test_a_status_list_signed_by_an_unknown_key_is_not_trusted(
    tmp_path: Path, signer: Signer, jwks_file: Path
) -> None:
    stranger = KeyRing(tmp_path / "other")
    stranger.generate()
    status_list = _status_list_file(tmp_path, stranger.active_signer())

    result = run(token(signer), "--jwks", str(jwks_file), "--status-list", str(status_list))

    assert result.exit_code == 1
    assert "status_list:kid_unknown" in result.output


def test_a_token_signed_by_another_key_is_rejected(tmp_path: Path, signer: Signer, jwks_file: Path) -> None:
    stranger = KeyRing(tmp_path / "other")
    stranger.generate()
    status_list = _status_list_file(tmp_path, signer)

    result = run(token(stranger.active_signer()), "--jwks", str(jwks_file), "--status-list", str(status_list))

    assert result.exit_code == 1
    assert "Redenen: kid_unknown" in result.output


def test_unreadable_input_exits_with_2(tmp_path: Path, jwks_file: Path) -> None:
    missing_jwks = run("a.b.c", "--jwks", str(tmp_path / "missing.json"))
    no_token = run(str(tmp_path / "missing.pdf"), "--jwks", str(jwks_file))

    assert missing_jwks.exit_code == 2
    assert "cannot read" in missing_jwks.output
    assert no_token.exit_code == 2
    assert "no token and no readable file" in no_token.output
