"""``stelsel`` finds each domain's commands by name and imports a domain only when they are used."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from registry.cli import main
from registry.plugin import DOMAIN_COMMANDS, domain_cli_commands, domain_command


def test_the_table_names_every_command_of_the_domains_and_nothing_else() -> None:
    commands = domain_cli_commands()

    assert len({command.name for command in commands}) == len(commands)
    assert {command.name: command for command in commands} == {
        name: domain_command(name) for name in DOMAIN_COMMANDS
    }


def test_the_help_lists_the_domains_commands_with_the_own_ones() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1].split()
    for name in ("check", "db", "demo", "serve", *DOMAIN_COMMANDS):
        assert name in listed


def test_an_unknown_command_is_still_refused() -> None:
    result = CliRunner().invoke(main, ["importeer"])

    assert result.exit_code == 2
    assert "No such command 'importeer'" in result.output


def test_a_domain_command_starts_without_the_web_app_and_the_other_domains() -> None:
    script = (
        "import sys\n"
        "from registry.cli import main\n"
        "main(['import', 'deelnemers', '--help'], standalone_mode=False)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    modules = set(completed.stdout.splitlines()[-1].split())  # the last line, after the help

    assert "registry.ledenadministratie.importer" in modules
    for elsewhere in (
        "registry.app",
        "registry.ledenadministratie.routes",
        "registry.ledenadministratie.controllers",
        "registry.accounts.routes",
        "roles.routes",
        "verklaringen",
    ):
        assert elsewhere not in modules
