"""``stelsel catalogue``: load, export and list catalogue releases from the command line."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.errors import DomainError, ValidationFailed
from roles import services

T = TypeVar("T")


def _run(ctx: click.Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` with a database session; a refused rule ends the command with its message."""
    settings: Any = ctx.obj["settings"]

    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(p.reason for p in exc.invalid_params)) from None
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None


@click.group("catalogue")
def catalogue_group() -> None:
    """The stelsel catalogue: releases of roles, duties, samenwerkfuncties and grondslagen."""


@catalogue_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def load_command(ctx: click.Context, file: Path) -> None:
    """Load a catalogue file (<versie>.toml). Loading the same file again changes nothing."""
    actor = Actor.cli(f"stelsel catalogue load ({os.environ.get('USER', 'cli')})")
    result = _run(
        ctx, lambda session: services.load_catalogue_file(session, file, actor=actor, clock=SystemClock())
    )
    click.echo(f"release {result.versie} ({result.status}): {result.uitkomst}")


@catalogue_group.command("export")
@click.option("--release", "versie", help="Versie to export (default: the definitive release).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def export_command(ctx: click.Context, versie: str | None, output: Path | None) -> None:
    """Write a release as a catalogue file, in the same format `load` reads."""
    text = _run(ctx, lambda session: services.export_catalogue(session, versie))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"written {output}")


@catalogue_group.command("releases")
@click.pass_context
def releases_command(ctx: click.Context) -> None:
    """List every release, newest versie first, with its status."""
    releases = _run(ctx, lambda session: services.list_releases(session, include_concept=True))
    if not releases:
        click.echo("no releases yet: load one with `stelsel catalogue load FILE`")
    for release in releases:
        published = f"  gepubliceerd {release.gepubliceerd_op:%Y-%m-%d}" if release.gepubliceerd_op else ""
        click.echo(f"{release.versie:<12} {release.status:<12} {release.titel}{published}")
