"""Configuration errors are one clear line; ``stelsel check`` reports a broken set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import main
from registry.settings import SettingsError, load_settings


def test_defaults_use_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings({"STELSEL_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'stelsel.sqlite3'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings({"STELSEL_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("STELSEL_DATABASE_URL", "mysql://localhost/x", "STELSEL_DATABASE_URL"),
        ("STELSEL_BASE_URL", "not a url", "STELSEL_BASE_URL"),
        ("STELSEL_DEBUG", "perhaps", "STELSEL_DEBUG"),
        ("STELSEL_SESSION_HOURS", "eight", "STELSEL_SESSION_HOURS"),
        ("STELSEL_SECRET_KEY", "short", "STELSEL_SECRET_KEY"),
        ("STELSEL_LOG_LEVEL", "LOUD", "STELSEL_LOG_LEVEL"),
    ],
)
def test_a_wrong_value_names_the_variable(tmp_path: Path, variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"STELSEL_DATA_DIR": str(tmp_path), variable: value})
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_cli_prints_one_line_for_a_configuration_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["check"], env={"STELSEL_DATA_DIR": str(tmp_path), "STELSEL_DATABASE_URL": "oracle://x"}
    )
    assert result.exit_code == 2
    assert "STELSEL_DATABASE_URL" in result.output
    assert "Traceback" not in result.output


def test_help_explains_each_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "demo", "user", "check"):
        assert command in result.output


def test_check_reports_an_unreachable_database(tmp_path: Path) -> None:
    env = {
        "STELSEL_DATA_DIR": str(tmp_path),
        "STELSEL_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/nothing",
        "STELSEL_DATABASE_TIMEOUT_SECONDS": "1",
    }
    result = CliRunner().invoke(main, ["check"], env=env)
    assert result.exit_code == 1
    assert "FAIL  database" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any directory")
def test_check_reports_an_unwritable_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "ro"
    data_dir.mkdir()
    (data_dir / "secret_key").write_text("k" * 40)
    data_dir.chmod(0o500)
    result = CliRunner().invoke(main, ["check"], env={"STELSEL_DATA_DIR": str(data_dir)})
    assert result.exit_code == 1
    assert "FAIL  data directory" in result.output


def test_check_reports_a_data_directory_that_cannot_be_created(tmp_path: Path) -> None:
    # /proc refuses new directories even to root, so this holds for every user.
    env = {
        "STELSEL_DATA_DIR": "/proc/self/stelsel-data",
        "STELSEL_SECRET_KEY": "k" * 40,
        "STELSEL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
    }
    result = CliRunner().invoke(main, ["check"], env=env)
    assert result.exit_code == 1
    assert "FAIL  data directory" in result.output


def test_check_reports_a_data_directory_that_is_a_file(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = CliRunner().invoke(main, ["check"], env={"STELSEL_DATA_DIR": str(not_a_dir)})
    assert result.exit_code == 2
    assert "STELSEL_DATA_DIR" in result.output


def test_check_passes_on_a_migrated_database(tmp_path: Path) -> None:
    env = {"STELSEL_DATA_DIR": str(tmp_path)}
    assert CliRunner().invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["check"], env=env)
    assert "ok    database" in result.output, result.output


def test_domain_commands_find_the_settings(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["keys", "generate"], env={"STELSEL_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "keys").is_dir()
    listed = CliRunner().invoke(main, ["keys", "list"], env={"STELSEL_DATA_DIR": str(tmp_path)})
    assert "active" in listed.output
