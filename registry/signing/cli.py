"""``keys``: manage the portal's signing keys from the command line.

Mounted under the ``stelsel`` command. Every command works on ``ctx.obj["settings"].data_dir / "keys"``;
when the settings carry a ``signing_key_pem`` (a key provided by the environment), that key is the
active one and ``generate``/``rotate`` refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from registry.signing.errors import SigningError
from registry.signing.keys import KeyInfo, KeyRing


def _key_ring(ctx: click.Context) -> KeyRing:
    settings: Any = (ctx.obj or {}).get("settings")
    if settings is None:
        raise click.UsageError("no settings available to find the key directory")
    return KeyRing(
        Path(settings.data_dir) / "keys",
        active_key_pem=getattr(settings, "signing_key_pem", None),
    )


def _moment(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%SZ")


def _describe(info: KeyInfo) -> str:
    return f"{info.kid} ({info.status.value})"


def _apply(ctx: click.Context, operation: Callable[[KeyRing], KeyInfo]) -> KeyInfo:
    """Run one key-ring operation; key-ring errors become a one-line message and exit status 1."""
    try:
        return operation(_key_ring(ctx))
    except SigningError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("keys")
def keys_group() -> None:
    """Manage the signing keys behind verklaringen, lookup answers and status lists."""


@keys_group.command("generate")
@click.pass_context
def generate_command(ctx: click.Context) -> None:
    """Create the first signing key."""
    click.echo(f"Generated {_describe(_apply(ctx, KeyRing.generate))}")


@keys_group.command("rotate")
@click.pass_context
def rotate_command(ctx: click.Context) -> None:
    """Create a new active key; the previous one is retired but stays published."""
    click.echo(f"Rotated: {_describe(_apply(ctx, KeyRing.rotate))} now signs")


@keys_group.command("retire")
@click.argument("kid")
@click.pass_context
def retire_command(ctx: click.Context, kid: str) -> None:
    """Stop signing with KID; its tokens stay verifiable.

    A KID may begin with "-": give it after "--" (stelsel keys retire -- KID).
    """
    click.echo(f"Retired {_describe(_apply(ctx, lambda ring: ring.retire(kid)))}")


@keys_group.command("revoke")
@click.argument("kid")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def revoke_command(ctx: click.Context, kid: str, yes: bool) -> None:
    """Withdraw KID: every token it signed stops verifying and it leaves the JWKS.

    A KID may begin with "-": give it after "--" (stelsel keys revoke --yes -- KID).
    """
    if not yes:
        click.confirm(f"Revoke {kid}? Every token signed with it becomes invalid", abort=True)
    click.echo(f"Revoked {_describe(_apply(ctx, lambda ring: ring.revoke(kid)))}")


@keys_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Show every key with its status."""
    try:
        infos = _key_ring(ctx).list()
    except SigningError as exc:
        raise click.ClickException(str(exc)) from None
    if not infos:
        click.echo("No signing keys yet; run `stelsel keys generate`.")
        return
    row = "{:<43}  {:<8}  {:<11}  {:<20}  {:<20}  {:<20}"
    click.echo(row.format("KID", "STATUS", "SOURCE", "CREATED", "RETIRED", "REVOKED"))
    for info in infos:
        click.echo(
            row.format(
                info.kid,
                info.status.value,
                info.source.value,
                _moment(info.created),
                _moment(info.retired_at),
                _moment(info.revoked_at),
            ).rstrip()
        )
