"""``stelsel verify``: check a verklaring (a token, a ``.jwt`` file or a verklaring PDF) offline.

Offline means: against a saved JWKS and a saved status list, without asking the portal about the
verklaring. Save them once (``/.well-known/jwks.json`` and ``/api/v1/statuslijsten/1``) and verify
any number of verklaringen::

    stelsel verify verklaring.pdf --jwks jwks.json --status-list statuslijst.jwt

Without ``--status-list`` the list named in the verklaring is fetched once, unless ``--offline``
is given (then the status check fails with ``status_unavailable``). ``--jwks`` may be a file or a
URL; its default is the portal's published JWKS. The same checks run as in the portal
(:func:`verklaringen.attestation.verify_attestation`). Exit status: 0 valid, 1 not valid, 2 the
input could not be read.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from registry.signing.errors import InvalidTokenError
from verklaringen.attestation import AttestationVerification, StatusUnavailable, verify_attestation
from verklaringen.embedded_files import NotAPdf, extract_attestation
from verklaringen.statuslist import StatusList, read_status_list_token

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
FETCH_TIMEOUT_SECONDS = 10
MAX_FETCH_BYTES = 2 * 1024 * 1024


def _is_url(text: str) -> bool:
    return urlsplit(text).scheme in {"http", "https"}


def fetch(url: str) -> bytes:
    """GET ``url`` (http or https only), at most :data:`MAX_FETCH_BYTES`."""
    if not _is_url(url):
        raise click.ClickException(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "*/*"})  # noqa: S310  # scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            data: bytes = response.read(MAX_FETCH_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot fetch {url}: {exc}") from None
    if len(data) > MAX_FETCH_BYTES:
        raise click.ClickException(f"{url} answered with more than {MAX_FETCH_BYTES} bytes")
    return data


def read_token(source: str) -> str:
    """The compact JWS given directly, in a text file, or embedded in a verklaring PDF."""
    if _COMPACT_JWS.fullmatch(source.strip()):
        return source.strip()
    path = Path(source)
    if path.is_file():
        data = _read_file(source)
        if data.lstrip()[:5] == b"%PDF-":
            try:
                token = extract_attestation(data)
            except NotAPdf as exc:
                raise click.ClickException(f"{source}: {exc}") from None
            if token is None:
                raise click.ClickException(f"{source} holds no verklaring attestation")
            return token
        return data.decode("ascii", errors="replace").strip()
    raise click.ClickException(f"{source} is no token and no readable file")


def read_jwks(reference: str) -> dict[str, Any]:
    data = fetch(reference) if _is_url(reference) else _read_file(reference)
    try:
        jwks = json.loads(data)
    except ValueError:
        raise click.ClickException(f"{reference} is not JSON") from None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise click.ClickException(f"{reference} is not a JWKS (no keys list)")
    return jwks


def _read_file(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {name}: {exc.strerror}") from None


class SavedStatusLists:
    """Status lists from saved ``statuslist+jwt`` tokens, or fetched once each when allowed."""

    def __init__(
        self,
        tokens: list[str],
        *,
        jwks: Mapping[str, Any],
        issuer: str,
        now: datetime,
        may_fetch: bool,
    ) -> None:
        self._tokens = tokens
        self._jwks = jwks
        self._issuer = issuer
        self._now = now
        self._may_fetch = may_fetch

    def _read(self, token: str, uri: str) -> StatusList:
        return read_status_list_token(
            token, self._jwks, uri=uri, issuer=self._issuer, now=self._now, revoked_kids=()
        ).status_list

    async def status_list(self, uri: str) -> StatusList:
        problems: list[str] = []
        for token in self._tokens:
            try:
                return self._read(token, uri)
            except InvalidTokenError as exc:
                problems += [f"status_list:{reason}" for reason in exc.reasons]
        if not self._tokens and self._may_fetch:
            try:
                token = (await asyncio.to_thread(fetch, uri)).decode("ascii", errors="replace").strip()
            except click.ClickException:
                raise StatusUnavailable(["status_list:unreachable"]) from None
            try:
                return self._read(token, uri)
            except InvalidTokenError as exc:
                problems += [f"status_list:{reason}" for reason in exc.reasons]
        raise StatusUnavailable(list(dict.fromkeys(problems)) or ["status_list:not_given"])


def _report(result: AttestationVerification) -> list[str]:
    claims = result.claims or {}
    label = "GELDIG" if result.valid else "ONGELDIG"
    lines = [f"Verklaring {claims.get('jti', '(onbekend)')}: {label}"]
    if claims:
        deelnemer = claims.get("deelnemer") or {}
        lines.append(f"  deelnemer   {deelnemer.get('naam', '?')} ({claims.get('sub', '?')})")
        lines.append(f"  rol         {claims.get('rol', '?')} (release {claims.get('release', '?')})")
        geldigheid = claims.get("geldigheid") or {}
        lines.append(f"  geldig      {geldigheid.get('van', '?')} tot {geldigheid.get('tot', '?')}")
        lines.append(f"  status      {result.status}")
    lines.append("Controles:")
    for check in result.checks:
        detail = f"  {', '.join(check.reasons)}" if check.reasons else ""
        lines.append(f"  {check.name:<16} {check.outcome}{detail}")
    if result.reasons:
        lines.append(f"Redenen: {', '.join(result.reasons)}")
    return lines


@click.command("verify")
@click.argument("source")
@click.option("--jwks", "jwks_ref", help="JWKS file or URL (default: the portal's /.well-known/jwks.json).")
@click.option(
    "--status-list",
    "status_list_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A saved status list (statuslist+jwt); may be given more than once.",
)
@click.option("--issuer", help="The expected issuer (default: STELSEL_BASE_URL).")
@click.option("--offline", is_flag=True, help="Never use the network; a missing status list fails the check.")
@click.option("--at", "at", help="Verify as of this moment (ISO 8601, default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify_command(
    ctx: click.Context,
    source: str,
    jwks_ref: str | None,
    status_list_files: tuple[str, ...],
    issuer: str | None,
    offline: bool,
    at: str | None,
    as_json: bool,
) -> None:
    """Verify a verklaring: SOURCE is the token, a file holding it, or the verklaring PDF."""
    try:
        expected_issuer = issuer or str(ctx.ensure_object(dict)["settings"].base_url)
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
        if now.tzinfo is None:
            raise click.BadParameter("give a moment with its offset, e.g. 2026-11-23T12:00:00+01:00")
        jwks_reference = jwks_ref or f"{expected_issuer}/.well-known/jwks.json"
        if offline and _is_url(jwks_reference):
            raise click.UsageError("--offline needs --jwks as a file")
        token = read_token(source)
        jwks = read_jwks(jwks_reference)
        lists = [_read_file(name).decode("ascii", errors="replace").strip() for name in status_list_files]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        ctx.exit(2)
    source_of_lists = SavedStatusLists(
        lists, jwks=jwks, issuer=expected_issuer, now=now, may_fetch=not offline
    )
    result = asyncio.run(
        verify_attestation(
            token,
            jwks=jwks,
            issuer=expected_issuer,
            now=now,
            revoked_kids=(),
            status_source=source_of_lists,
        )
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "valid": result.valid,
                    "reasons": result.reasons,
                    "checks": [
                        {"name": c.name, "outcome": c.outcome, "reasons": c.reasons} for c in result.checks
                    ],
                    "status": result.status,
                    "claims": result.claims,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for line in _report(result):
            click.echo(line)
    ctx.exit(0 if result.valid else 1)
