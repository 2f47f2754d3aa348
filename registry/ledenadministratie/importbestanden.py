"""Import files between their check and their import.

The upload page first checks a file (a proef) and offers to import it only when every regel is in
order. Until then the file waits in the data directory under ``imports/``, named by a random token
and kept for the user who uploaded it: only that user can import it, and it is removed once imported
or after :data:`BEWAARTIJD`.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from registry.errors import NotFound

BEWAARTIJD = timedelta(hours=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


@dataclass(frozen=True, slots=True)
class Importbestand:
    """A checked file waiting to be imported: ``pad`` holds its bytes."""

    token: str
    pad: Path
    bestandsnaam: str
    eigenaar: str


def _map(data_dir: Path) -> Path:
    directory = data_dir / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _opruimen(directory: Path, now: datetime) -> None:
    for info in directory.glob("*.json"):
        try:
            bewaard = datetime.fromisoformat(json.loads(info.read_text(encoding="utf-8"))["bewaard_op"])
        except (OSError, ValueError, KeyError):
            continue
        if now - bewaard > BEWAARTIJD:
            info.with_suffix(".csv").unlink(missing_ok=True)
            info.unlink(missing_ok=True)


def bewaar(
    data_dir: Path, bron: IO[bytes], *, bestandsnaam: str, eigenaar: str, now: datetime
) -> Importbestand:
    """Keep an uploaded file for ``eigenaar``; files older than :data:`BEWAARTIJD` are removed."""
    directory = _map(data_dir)
    _opruimen(directory, now)
    token = secrets.token_urlsafe(16)
    pad = directory / f"{token}.csv"
    with pad.open("wb") as target:
        shutil.copyfileobj(bron, target)
    info = {"eigenaar": eigenaar, "bestandsnaam": bestandsnaam, "bewaard_op": now.isoformat()}
    (directory / f"{token}.json").write_text(json.dumps(info), encoding="utf-8")
    return Importbestand(token, pad, bestandsnaam, eigenaar)


def haal(data_dir: Path, token: str, *, eigenaar: str, now: datetime) -> Importbestand:
    """The file kept under ``token`` for ``eigenaar``; :class:`NotFound` when there is none (any more)."""
    verdwenen = NotFound("Dit bestand is niet (meer) beschikbaar; upload het opnieuw.")
    if not _TOKEN.match(token):
        raise verdwenen
    directory = _map(data_dir)
    _opruimen(directory, now)
    try:
        info = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise verdwenen from None
    pad = directory / f"{token}.csv"
    if info.get("eigenaar") != eigenaar or not pad.exists():
        raise verdwenen
    return Importbestand(token, pad, str(info.get("bestandsnaam", "")), eigenaar)


def verwijder(bestand: Importbestand) -> None:
    bestand.pad.unlink(missing_ok=True)
    bestand.pad.with_suffix(".json").unlink(missing_ok=True)
