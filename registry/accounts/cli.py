"""``stelsel user``: portal accounts from the command line (create, list, disable, reset-password,
purge-sessions).

Every change is an audited write with the command line as its actor.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services
from registry.accounts.permissions import AccountRole
from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.errors import DomainError, ValidationFailed
from registry.settings import Settings

T = TypeVar("T")
ROLES = [role.value for role in AccountRole]


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` with a database session; domain errors become a one-line message and exit 1."""

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
        raise click.ClickException("; ".join(f"{p.name}: {p.reason}" for p in exc.invalid_params)) from None
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None


def _actor(command: str) -> Actor:
    return Actor.cli(f"stelsel user {command} ({os.environ.get('USER', 'cli')})")


@click.group("user")
def user_group() -> None:
    """Portal accounts."""


@user_group.command("create")
@click.option("--email", required=True, help="Login name (e-mail address).")
@click.option("--name", "display_name", help="Display name (default: the part before @).")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Account role.")
@click.option("--deelnemer", "deelnemer_id", help="For deelnemer-contact: the deelnemer's id.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt."
)
@click.pass_context
def create_command(
    ctx: click.Context,
    email: str,
    display_name: str | None,
    role: str,
    deelnemer_id: str | None,
    password_stdin: bool,
) -> None:
    """Create a portal user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")

    async def work(session: AsyncSession) -> str:
        created = await services.create_user(
            session,
            email=email,
            display_name=display_name or email.split("@", maxsplit=1)[0],
            role=role,
            password=password,
            deelnemer_id=services.parse_deelnemer_id(deelnemer_id or ""),
            actor=_actor("create"),
            clock=SystemClock(),
        )
        return str(created.id)

    user_id = _with_session(_settings(ctx), work)
    click.echo(f"created user {email} ({role}) with id {user_id}")


@user_group.command("list")
@click.option(
    "--role", type=click.Choice([role.value for role in AccountRole]), help="Only this account role."
)
@click.pass_context
def list_command(ctx: click.Context, role: str | None) -> None:
    """List the portal users: e-mail, role, status, second factor and last login."""
    clock = SystemClock()

    async def work(session: AsyncSession) -> list[Any]:
        users, _ = await services.list_users(
            session, now=clock.now(), offset=0, limit=1_000_000, sort="email"
        )
        return [user for user in users if role is None or user.role == role]

    users = _with_session(_settings(ctx), work)
    for user in users:
        status = "active" if user.is_active else "disabled"
        if user.is_locked:
            status += ",locked"
        last_login = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        second_factor = "totp" if user.has_second_factor else "-"
        click.echo(f"{user.email}\t{user.role.value}\t{status}\t{second_factor}\t{last_login}")
    click.echo(f"{len(users)} user(s)", err=True)


@user_group.command("disable")
@click.option("--email", required=True, help="The account to switch off.")
@click.pass_context
def disable_command(ctx: click.Context, email: str) -> None:
    """Switch an account off; its sessions end at once."""

    async def work(session: AsyncSession) -> None:
        user = await services.find_user_by_email(session, email)
        await services.set_user_active(session, user.id, False, actor=_actor("disable"), clock=SystemClock())

    _with_session(_settings(ctx), work)
    click.echo(f"disabled user {services.normalise_email(email)}")


@user_group.command("enable")
@click.option("--email", required=True, help="The account to switch on again.")
@click.pass_context
def enable_command(ctx: click.Context, email: str) -> None:
    """Switch a disabled account on again."""

    async def work(session: AsyncSession) -> None:
        user = await services.find_user_by_email(session, email)
        await services.set_user_active(session, user.id, True, actor=_actor("enable"), clock=SystemClock())

    _with_session(_settings(ctx), work)
    click.echo(f"enabled user {services.normalise_email(email)}")


@user_group.command("reset-password")
@click.option("--email", required=True, help="The account that needs a new password.")
@click.pass_context
def reset_password_command(ctx: click.Context, email: str) -> None:
    """Print a one-time link (valid for one hour) with which the user sets a new password."""
    settings = _settings(ctx)

    async def work(session: AsyncSession) -> str:
        return await services.issue_password_reset(
            session, email=email, actor=_actor("reset-password"), clock=SystemClock()
        )

    token = _with_session(settings, work)
    click.echo(f"{settings.base_url}/wachtwoord-herstellen/{token}")
    click.echo("The link works once and expires in 1 hour.", err=True)


@user_group.command("purge-sessions")
@click.pass_context
def purge_sessions_command(ctx: click.Context) -> None:
    """Delete expired login sessions (a login also does this; useful from a daily timer)."""

    async def work(session: AsyncSession) -> int:
        return await services.purge_expired_sessions(
            session, actor=_actor("purge-sessions"), clock=SystemClock()
        )

    purged = _with_session(_settings(ctx), work)
    click.echo(f"purged {purged} expired session{'' if purged == 1 else 's'}")
