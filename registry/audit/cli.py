"""``stelsel audit``: check the hash chain and export the trail from the command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit import queries
from registry.audit.schemas import AuditFilter
from registry.audit.services import ChainReport, verify_chain
from registry.database import create_engine, create_session_factory
from registry.settings import Settings

T = TypeVar("T")


def _with_session(ctx: click.Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    settings: Settings = ctx.obj["settings"]

    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@click.group("audit")
def audit_group() -> None:
    """The audit trail: verify the hash chain, export events."""


@audit_group.command("verify")
@click.pass_context
def verify_command(ctx: click.Context) -> None:
    """Recompute every hash in order; report the first broken link and exit 1, or print "ok"."""
    report: ChainReport = _with_session(ctx, verify_chain)
    if report.ok:
        click.echo(f"ok: {report.checked} events")
        return
    click.echo(
        f"broken at event {report.broken_seq}: {report.problem} "
        f"({report.checked} events before it are intact)"
    )
    ctx.exit(1)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@audit_group.command("export")
@click.option(
    "--format", "export_format", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout)."
)
@click.option(
    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (inclusive, Dutch time)."
)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (inclusive, Dutch time).")
@click.option("--action", default="", help="Only this action, e.g. gebruiker.aangemaakt.")
@click.option("--entity-type", default="", help="Only this entity type, e.g. gebruiker.")
@click.option("--entity-id", default="", help="Only this entity id.")
@click.option("--actor", default="", help="Part of the actor's name, or the actor's id.")
@click.pass_context
def export_command(
    ctx: click.Context,
    export_format: str,
    output: Path | None,
    date_from: datetime | None,
    date_to: datetime | None,
    action: str,
    entity_type: str,
    entity_id: str,
    actor: str,
) -> None:
    """Write the (filtered) trail in chain order as CSV or JSON Lines."""
    audit_filter = AuditFilter(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        date_from=_day(date_from),
        date_to=_day(date_to),
    )

    async def write(session: AsyncSession, target: IO[str]) -> int:
        count = 0
        async for line in queries.export_lines(session, audit_filter, export_format):
            target.write(line)
            count += 1
        return count - (1 if export_format == "csv" else 0)

    if output is None:
        written = _with_session(ctx, lambda session: write(session, sys.stdout))
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            written = _with_session(ctx, lambda session: write(session, handle))
    click.echo(f"exported {written} events", err=True)
