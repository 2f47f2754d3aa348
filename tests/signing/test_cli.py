"""The ``keys`` command group as an operator uses it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result

from registry.signing import KeyRing, KeyStatus
from registry.signing.cli import keys_group


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


def run(data_dir: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(
        keys_group, list(args), obj={"settings": SimpleNamespace(data_dir=data_dir)}, input=input
    )


def test_generate_then_list_shows_the_active_key(data_dir: Path) -> None:
    generated = run(data_dir, "generate")

    assert generated.exit_code == 0, generated.output
    [info] = KeyRing(data_dir / "keys").list()
    assert info.kid in generated.output
    listed = run(data_dir, "list")
    assert listed.exit_code == 0
    header, row = listed.output.splitlines()
    assert header.split() == ["KID", "STATUS", "SOURCE", "CREATED", "RETIRED", "REVOKED"]
    assert row.split()[:3] == [info.kid, "active", "file"]


def test_list_without_keys_says_how_to_start(data_dir: Path) -> None:
    result = run(data_dir, "list")

    assert result.exit_code == 0
    assert "stelsel keys generate" in result.output


def test_generating_twice_is_an_error_pointing_at_rotate(data_dir: Path) -> None:
    run(data_dir, "generate")

    result = run(data_dir, "generate")

    assert result.exit_code == 1
    assert "rotate" in result.output


def test_rotate_retire_and_revoke(data_dir: Path) -> None:
    run(data_dir, "generate")
    ring = KeyRing(data_dir / "keys")
    first = ring.active_signer().kid

    assert run(data_dir, "rotate").exit_code == 0
    second = ring.active_signer().kid
    # a kid is base64url and may begin with "-", so it goes after "--"
    assert run(data_dir, "retire", "--", second).exit_code == 0
    revoked = run(data_dir, "revoke", "--yes", "--", first)

    assert revoked.exit_code == 0, revoked.output
    statuses = {info.kid: info.status for info in ring.list()}
    assert statuses == {first: KeyStatus.REVOKED, second: KeyStatus.RETIRED}
    rows = run(data_dir, "list").output.splitlines()[1:]
    assert [row.split()[1] for row in rows] == ["retired", "revoked"]


def test_revoke_asks_for_confirmation(data_dir: Path) -> None:
    run(data_dir, "generate")
    kid = KeyRing(data_dir / "keys").active_signer().kid

    declined = run(data_dir, "revoke", "--", kid, input="n\n")

    assert declined.exit_code == 1
    assert not KeyRing(data_dir / "keys").is_revoked(kid)
    assert run(data_dir, "revoke", "--", kid, input="y\n").exit_code == 0
    assert KeyRing(data_dir / "keys").is_revoked(kid)


def test_an_unknown_kid_is_a_one_line_error(data_dir: Path) -> None:
    run(data_dir, "generate")

    result = run(data_dir, "retire", "onbekend")

    assert result.exit_code == 1
    assert "no key with kid 'onbekend'" in result.output
    assert "Traceback" not in result.output


def test_a_kid_that_begins_with_a_dash_is_taken_after_a_double_dash(data_dir: Path) -> None:
    """A thumbprint is base64url, so about one kid in 32 begins with "-"."""
    run(data_dir, "generate")
    ring = KeyRing(data_dir / "keys")
    for _ in range(400):  # (31/32)**400: about 3 in a million runs find none
        if ring.active_signer().kid.startswith("-"):
            break
        ring.rotate()
    kid = ring.active_signer().kid
    assert kid.startswith("-")

    as_option = run(data_dir, "retire", kid)
    retired = run(data_dir, "retire", "--", kid)

    assert as_option.exit_code == 2
    assert retired.exit_code == 0, retired.output
    assert {info.kid: info.status for info in ring.list()}[kid] is KeyStatus.RETIRED
