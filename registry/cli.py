"""The ``stelsel`` command: run the portal, manage the database, load demo data, check the set-up.

Domains add their own groups (``catalogue``, ``keys``, ``import``, ``verify`` …) through
``cli_commands`` in their routes module (see :mod:`registry.plugin`). A domain's module is imported
only when one of its commands runs or the commands are listed: a command then starts without the
web app and the other domains.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import click

from registry.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def settings_of(ctx: click.Context) -> Settings:
    """The settings, loaded once per command; a bad setting ends the command with one line."""
    root = ctx.find_root().ensure_object(dict)
    if "settings" not in root:
        try:
            root["settings"] = load_settings()
        except SettingsError as exc:
            click.echo(f"stelsel: configuration error: {exc}", err=True)
            ctx.exit(2)
    settings: Settings = root["settings"]
    return settings


def run_with_session(ctx: click.Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` with a session on the configured database, for a domain's command."""
    from registry.database import create_engine, create_session_factory

    settings = settings_of(ctx)

    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return run_async(run())


class _SettingsView(dict[str, Any]):
    """``ctx.obj`` for domain commands: ``ctx.obj["settings"]`` loads the settings on first use."""

    def __init__(self, ctx: click.Context) -> None:
        super().__init__()
        self._ctx = ctx

    def __missing__(self, key: str) -> Any:
        if key == "settings":
            return settings_of(self._ctx)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key == "settings" else super().get(key, default)

    def __bool__(self) -> bool:
        return True


class _StelselGroup(click.Group):
    """The ``stelsel`` group: its own commands, and the domains' commands looked up by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from registry.plugin import DOMAIN_COMMANDS, domain_command

        present = [name for name in DOMAIN_COMMANDS if domain_command(name) is not None]
        return sorted({*super().list_commands(ctx), *present})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if (command := super().get_command(ctx, cmd_name)) is not None:
            return command
        from registry.plugin import domain_command

        return domain_command(cmd_name)


@click.group(cls=_StelselGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Stelselregister: the register and governance portal of the afsprakenstelsel.

    Configuration comes from STELSEL_* environment variables (see README.md).
    """
    if not isinstance(ctx.obj, dict):
        ctx.obj = _SettingsView(ctx)


# --- serve --------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--reload", is_flag=True, help="Restart on code changes (development only).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, reload: bool) -> None:
    """Run the portal (HTTP server) for the configured database."""
    from registry import migrate, serving

    settings = settings_of(ctx)
    try:
        current = migrate.current_revision(settings)
    except Exception as exc:
        raise click.ClickException(f"cannot reach the database: {exc}") from None
    if current != migrate.head_revision(settings):
        raise click.ClickException("the database schema is not up to date: run `stelsel db upgrade` first")
    click.echo(f"Stelselregister on http://{host}:{port} (database: {settings.database_url.split('://')[0]})")
    serving.serve(host=host, port=port, workers=workers, reload=reload, log_level=settings.log_level.lower())


# --- db -----------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from registry import migrate

    migrate.upgrade(settings_of(ctx), revision)
    click.echo(f"database at {migrate.current_revision(settings_of(ctx))}")


@db.command("downgrade")
@click.argument("revision", default="-1")
@click.pass_context
def db_downgrade(ctx: click.Context, revision: str) -> None:
    """Migrate the database down to REVISION (default: one step)."""
    from registry import migrate

    migrate.downgrade(settings_of(ctx), revision)
    click.echo(f"database at {migrate.current_revision(settings_of(ctx)) or 'base (empty)'}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the revision the database is at."""
    from registry import migrate

    click.echo(migrate.current_revision(settings_of(ctx)) or "base (empty)")


# --- demo ---------------------------------------------------------------------------------------


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Load demo data (idempotent: running it again changes nothing)."""
    from registry.clock import SystemClock
    from registry.database import create_engine, create_session_factory
    from registry.demo import DemoContext, load_demo

    settings = settings_of(ctx)

    async def run() -> list[str]:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine)() as session:
                return await load_demo(DemoContext(session=session, settings=settings, clock=SystemClock()))
        finally:
            await engine.dispose()

    for line in run_async(run()):
        click.echo(line)


# --- check --------------------------------------------------------------------------------------


def _check_data_dir(settings: Settings) -> str | None:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=settings.data_dir):
            pass
    except OSError as exc:
        return f"data directory {settings.data_dir} is not writable: {exc.strerror}"
    return None


def _check_database(settings: Settings) -> str | None:
    from registry import migrate

    try:
        current = migrate.current_revision(settings)
    except Exception as exc:
        return f"database unreachable ({settings.database_url.split('://')[0]}): {type(exc).__name__}: {exc}"
    head = migrate.head_revision(settings)
    if current != head:
        return (
            f"database schema at {current or 'base (empty)'}, code expects {head}: run `stelsel db upgrade`"
        )
    return None


def _check_signing_keys(settings: Settings) -> str | None:
    try:
        from registry.signing.keys import KeyRing
    except ModuleNotFoundError:
        return None
    try:
        ring = KeyRing(settings.keys_dir)
        ring.active_signer()
    except Exception as exc:
        return f"no usable signing key in {settings.keys_dir}: {exc} (run `stelsel keys generate`)"
    return None


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Sanity report on configuration, data directory, database and signing keys; non-zero on failure."""
    settings = settings_of(ctx)
    checks = {
        "configuration": None,
        "data directory": _check_data_dir(settings),
        "database": _check_database(settings),
        "signing keys": _check_signing_keys(settings),
    }
    for name, problem in checks.items():
        click.echo(f"{'FAIL' if problem else 'ok  '}  {name}{': ' + problem if problem else ''}")
    if any(checks.values()):
        ctx.exit(1)
