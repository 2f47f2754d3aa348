"""``stelsel import deelnemers`` and ``stelsel export deelnemers``: the register in and out as files."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.cli import run_with_session
from registry.clock import SystemClock
from registry.ledenadministratie import export
from registry.ledenadministratie.importer import aantal, import_deelnemers
from registry.ledenadministratie.schemas import Importverslag


def verslag_tekst(verslag: Importverslag) -> list[str]:
    """The report as lines of text: one per problem, then what happened."""
    lines = [
        f"regel {p.regel}{f', kolom {p.kolom}' if p.kolom else ''}: {p.melding}" for p in verslag.problemen
    ]
    if verslag.weggelaten:
        lines.append(f"… en nog {verslag.weggelaten} problemen")
    if verslag.problemen:
        problemen = aantal(len(verslag.problemen) + verslag.weggelaten, "probleem", "problemen")
        regels = aantal(verslag.regels, "regel", "regels")
        lines.append(f"{problemen} in {regels}" + ("" if verslag.proef else "; er is niets ingelezen"))
    elif verslag.proef:
        lines.append(f"{aantal(verslag.regels, 'regel', 'regels')} in orde (proef: er is niets ingelezen)")
    else:
        lines.append(f"{aantal(verslag.aangemeld, 'deelnemer', 'deelnemers')} aangemeld")
    return lines


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Without Python's cycle collector. An import makes millions of objects that reference counting
    frees; the collector finds next to nothing, yet scans the live ones again and again (a tenth of
    the import's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@click.group("import")
def import_group() -> None:
    """Read data into the register from files."""


@import_group.command("deelnemers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check every regel against the rules and the register; write nothing."
)
@click.pass_context
def import_deelnemers_command(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Register the deelnemers in FILE (CSV, UTF-8; columns in docs/import.md), all or nothing.

    Exits with status 1 and a report per regel and kolom when any regel has a problem.
    """
    actor = Actor.cli(f"stelsel import deelnemers ({os.environ.get('USER', 'cli')})")

    async def work(session: AsyncSession) -> Importverslag:
        with file.open("rb") as bron:
            return await import_deelnemers(
                session, bron, actor=actor, clock=SystemClock(), bestandsnaam=file.name, proef=dry_run
            )

    with _without_cycle_collection():
        verslag = run_with_session(ctx, work)
    for line in verslag_tekst(verslag):
        click.echo(line, err=bool(verslag.problemen))
    if verslag.problemen:
        ctx.exit(1)


@click.group("export")
def export_group() -> None:
    """Write data of the register to files."""


@export_group.command("deelnemers")
@click.option(
    "--format", "formaat", type=click.Choice(export.FORMATEN), default="csv", show_default=True,
    help="csv: one regel per deelnemer, the import's columns; json: every field, as the API shows it.",
)  # fmt: skip
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="File to write (default: standard output).",
)  # fmt: skip
@click.pass_context
def export_deelnemers_command(ctx: click.Context, formaat: str, output: Path | None) -> None:
    """Write the whole register of deelnemers as CSV or JSON, streamed."""

    async def work(session: AsyncSession) -> None:
        target = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            async for chunk in export.export_deelnemers(session, formaat):
                target.write(chunk)
        finally:
            if output is not None:
                target.close()

    run_with_session(ctx, work)
    if output is not None:
        click.echo(f"register geschreven naar {output}", err=True)
