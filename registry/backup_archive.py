"""The backup archive: a gzip-compressed tar whose first member, ``manifest.json``, describes the
rest — format version, creation time, database kind and Alembic revision, the row count of every
table, and the SHA-256 and size of every other member (a "part"). Writing is atomic (a partial file
is moved into place) and reading checks every checksum and refuses any member the manifest does not
name, or a name that could point outside the scratch directory. :mod:`registry.backup` fills and
empties the archive.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
import tempfile
import zlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

import msgspec

FORMAT_NAME = "stelselregister-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
PRIVATE_FILE_MODE = 0o600
_CHUNK = 1 << 20
_PART_NAME = re.compile(r"^(database/[A-Za-z0-9._-]+|keys/[A-Za-z0-9._-]+|secret_key|documenten/[^\x00]+)$")

DatabaseKind = Literal["sqlite", "postgresql"]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the operator."""


class ArchivePart(msgspec.Struct, frozen=True):
    """One member of the archive besides the manifest."""

    name: str
    sha256: str
    size: int


class DatabaseDescription(msgspec.Struct, frozen=True):
    kind: DatabaseKind
    method: str
    alembic_revision: str | None
    tables: dict[str, int]
    server_version: str | None = None


class Manifest(msgspec.Struct, frozen=True):
    """What a backup archive holds; written first in the archive as ``manifest.json``."""

    format: str
    format_version: int
    created_at: datetime
    application_version: str
    database: DatabaseDescription
    parts: list[ArchivePart]
    includes_keys: bool

    @property
    def total_rows(self) -> int:
        return sum(self.database.tables.values())


def one_line(message: str) -> str:
    return " ".join(message.split())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(target: Path, manifest: Manifest, files: Mapping[str, Path]) -> None:
    """Write the archive next to ``target`` and move it into place, so a crash never leaves a
    half-written archive under the final name. The archive holds password hashes: mode 0600."""
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
            encoded = msgspec.json.format(msgspec.json.encode(manifest), indent=2)
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime = len(encoded), int(manifest.created_at.timestamp())
            info.mode = PRIVATE_FILE_MODE
            archive.addfile(info, fileobj=_BytesReader(encoded))
            for part in manifest.parts:
                member = archive.gettarinfo(str(files[part.name]), arcname=part.name)
                member.mode, member.uid, member.gid, member.uname, member.gname = (
                    PRIVATE_FILE_MODE,
                    0,
                    0,
                    "",
                    "",
                )
                with files[part.name].open("rb") as handle:
                    archive.addfile(member, fileobj=handle)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class _BytesReader:
    """The minimal file object :meth:`tarfile.TarFile.addfile` reads from."""

    def __init__(self, data: bytes) -> None:
        self._data, self._offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._offset + size
        chunk, self._offset = self._data[self._offset : end], min(end, len(self._data))
        return chunk


def _check_part_name(name: str) -> None:
    path = PurePosixPath(name)
    if not _PART_NAME.match(name) or path.is_absolute() or ".." in path.parts or "" in name.split("/"):
        raise BackupError(f"the archive names a part {name!r} that a backup never contains: refusing it")


def _decode_manifest(raw: bytes) -> Manifest:
    try:
        manifest = msgspec.json.decode(raw, type=Manifest)
    except msgspec.DecodeError as exc:
        raise BackupError(f"the archive's manifest is damaged: {exc}") from None
    if manifest.format != FORMAT_NAME:
        raise BackupError("the archive is not a Stelselregister backup")
    if manifest.format_version > FORMAT_VERSION:
        raise BackupError(
            f"the archive has backup format {manifest.format_version}; this version reads up to "
            f"{FORMAT_VERSION}: restore it with a newer Stelselregister"
        )
    for part in manifest.parts:
        _check_part_name(part.name)
    return manifest


def unpack_archive(source: Path, scratch: Path) -> Manifest:
    """Read the archive into ``scratch``, checking every part against the manifest's SHA-256."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    try:
        with tarfile.open(source, mode="r:*") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST_NAME or not first.isfile():
                raise BackupError(f"{source} is not a Stelselregister backup (no manifest first)")
            handle = archive.extractfile(first)
            assert handle is not None
            manifest = _decode_manifest(handle.read())
            expected = {part.name: part for part in manifest.parts}
            seen: set[str] = set()
            for member in archive:
                if member.offset == first.offset:
                    continue  # iterating a tar file starts again at the manifest
                part = expected.get(member.name)
                if part is None or not member.isfile() or member.name in seen:
                    raise BackupError(f"{source} holds an unexpected member {member.name!r}: refusing it")
                seen.add(member.name)
                _extract_checked(archive, member, part, scratch)
    except BackupError:
        raise
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"{source} is damaged or not a backup archive: {one_line(str(exc))}") from None
    if missing := sorted(set(expected) - seen):
        raise BackupError(f"{source} is incomplete: {', '.join(missing)} missing")
    return manifest


def _extract_checked(
    archive: tarfile.TarFile, member: tarfile.TarInfo, part: ArchivePart, scratch: Path
) -> None:
    handle = archive.extractfile(member)
    assert handle is not None
    target = scratch / part.name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != part.sha256 or size != part.size:
        raise BackupError(f"checksum mismatch for {part.name}: the archive is corrupt")


def read_manifest(source: Path) -> Manifest:
    """Check a whole archive (every checksum) and return its manifest, changing nothing."""
    with tempfile.TemporaryDirectory(prefix="stelsel-check-") as scratch:
        return unpack_archive(source, Path(scratch))
