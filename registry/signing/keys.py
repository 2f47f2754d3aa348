"""The portal's signing keys: a file-backed key ring with rotation, retirement and revocation.

Layout of the key directory (``<data_dir>/keys/``, mode 0700)::

    keys.json      manifest: per key its kid, status, timestamps and public JWK (written atomically)
    <kid>.pem      unencrypted PKCS#8 private key of the *active* key, mode 0600
    .lock          lock file; every change holds an exclusive ``fcntl.flock`` on it

Statuses:

``active``
    The key that signs. At most one key in the directory is active.
``retired``
    No longer signs, still published in the JWKS so tokens it signed stay verifiable.
    Its private key file is deleted: a retired key never signs again.
``revoked``
    Withdrawn (compromised or no longer trusted): removed from the JWKS, listed by
    :meth:`KeyRing.revoked_kids` so verifiers answer ``key_revoked``. Private key deleted.

``rotate`` makes a new active key and retires the previous one in one locked step, so two processes
rotating at the same time still end with exactly one active key and every old key kept.

A container may supply the signing key as a PEM string instead (``active_key_pem``). That key is
then the signer and is published; keys in the directory stay published according to their status,
and ``generate``/``rotate`` refuse (rotate the key where it is provisioned). ``retire``/``revoke``
work on the environment key too: they record its public key and status in the manifest, so after
retiring it and provisioning a new one, its tokens remain verifiable.

Key ids are RFC 7638 thumbprints (see :mod:`registry.signing.signer`).

Reading is cheap enough for every request: the parsed manifest, the published JWKS and the revoked
kids are kept in memory together with the manifest's ``stat`` (inode, size, change times). Every
read compares one ``stat`` of ``keys.json`` with it and parses again only when the file was
replaced, so a key rotated by ``stelsel keys`` in another process is seen by every worker on its
next request. Changes through this ring drop the kept copy at once.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import json
import logging
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from registry.clock import Clock, SystemClock
from registry.signing.errors import KeyMaterialError, KeyNotFoundError, KeyRingError, NoActiveKeyError
from registry.signing.signer import EcSigner, Signer, is_valid_kid, jwk_thumbprint, publishable_jwk

__all__ = ["KeyInfo", "KeyRing", "KeySource", "KeyStatus", "Signer"]

logger = logging.getLogger(__name__)

MANIFEST_NAME = "keys.json"
LOCK_NAME = ".lock"
MANIFEST_VERSION = 1
DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class KeyStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


class KeySource(StrEnum):
    FILE = "file"
    ENVIRONMENT = "environment"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What the ring knows about one key; public data only."""

    kid: str
    status: KeyStatus
    source: KeySource
    created: datetime | None
    retired_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    info: KeyInfo
    public: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        def stamp(moment: datetime | None) -> str | None:
            return None if moment is None else moment.astimezone(UTC).isoformat()

        return {
            "kid": self.info.kid,
            "status": self.info.status.value,
            "source": self.info.source.value,
            "created": stamp(self.info.created),
            "retired_at": stamp(self.info.retired_at),
            "revoked_at": stamp(self.info.revoked_at),
            "public_jwk": self.public,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> _Entry:
        def moment(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value)

        public = {name: str(raw["public_jwk"][name]) for name in ("kty", "crv", "x", "y")}
        kid = str(raw["kid"])
        if not is_valid_kid(kid) or jwk_thumbprint(public) != kid:
            raise KeyRingError(f"manifest entry {kid!r} does not match its public key")
        info = KeyInfo(
            kid=kid,
            status=KeyStatus(raw["status"]),
            source=KeySource(raw.get("source", KeySource.FILE.value)),
            created=moment(raw.get("created")),
            retired_at=moment(raw.get("retired_at")),
            revoked_at=moment(raw.get("revoked_at")),
        )
        return cls(info=info, public=public)


# What identifies one version of the manifest file: inode, size, mtime and ctime in nanoseconds.
# The manifest is only ever replaced (a new file renamed over it), so any change alters this.
_FileStamp = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The manifest as read at ``stamp``, with what readers derive from it."""

    stamp: _FileStamp | None
    entries: Mapping[str, _Entry]
    ordered: tuple[_Entry, ...]
    jwks: tuple[dict[str, str], ...]
    revoked: frozenset[str]


def _public_members(signer: EcSigner) -> dict[str, str]:
    jwk = signer.public_jwk()
    return {name: jwk[name] for name in ("kty", "crv", "x", "y")}


class KeyRing:
    """The signing keys in one directory, optionally topped by a key provided by the environment."""

    def __init__(
        self,
        directory: Path,
        *,
        active_key_pem: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._directory = Path(directory)
        self._clock: Clock = clock or SystemClock()
        self._environment_signer = EcSigner.from_pem(active_key_pem) if active_key_pem else None
        self._loaded: dict[str, EcSigner] = {}
        self._snapshot: _Snapshot | None = None

    def __repr__(self) -> str:
        source = ", with environment key" if self._environment_signer else ""
        return f"KeyRing({str(self._directory)!r}{source})"

    @property
    def directory(self) -> Path:
        return self._directory

    # -- reading -------------------------------------------------------------------------------

    def list(self) -> builtins.list[KeyInfo]:
        """All known keys: active first, then newest first."""
        return [entry.info for entry in self._current().ordered]

    def active_signer(self) -> Signer:
        """The signer for new tokens; raises :class:`NoActiveKeyError` when nothing may sign."""
        entries = self._current().entries
        if self._environment_signer is not None:
            recorded = entries.get(self._environment_signer.kid)
            if recorded is not None and recorded.info.status is not KeyStatus.ACTIVE:
                raise NoActiveKeyError(
                    f"the environment key {self._environment_signer.kid} is {recorded.info.status.value}"
                )
            return self._environment_signer
        active = [entry for entry in entries.values() if entry.info.status is KeyStatus.ACTIVE]
        if not active:
            raise NoActiveKeyError("no active signing key; run `stelsel keys generate`")
        if len(active) > 1:
            raise KeyRingError("more than one active key in the manifest")
        return self._load_private(active[0].info.kid)

    def public_jwks(self) -> dict[str, builtins.list[dict[str, str]]]:
        """The JWKS to publish: active, then retired keys (newest first); no revoked or private parts."""
        return {"keys": [dict(jwk) for jwk in self._current().jwks]}

    def is_revoked(self, kid: str) -> bool:
        return kid in self._current().revoked

    def revoked_kids(self) -> frozenset[str]:
        """The kids a verifier must answer with ``key_revoked``."""
        return self._current().revoked

    # -- changing ------------------------------------------------------------------------------

    def generate(self) -> KeyInfo:
        """Create the first active key; refuses when an active key exists (use :meth:`rotate`)."""
        self._refuse_with_environment_key("generate")
        with self._locked_manifest() as entries:
            if any(entry.info.status is KeyStatus.ACTIVE for entry in entries.values()):
                raise KeyRingError("an active key exists already; rotate to replace it")
            entry = self._create_active(entries)
        logger.info("signing key generated: %s", entry.info.kid)
        return entry.info

    def rotate(self) -> KeyInfo:
        """Create a new active key and retire the previous active one."""
        self._refuse_with_environment_key("rotate")
        with self._locked_manifest() as entries:
            now = self._now()
            retired = [kid for kid, entry in entries.items() if entry.info.status is KeyStatus.ACTIVE]
            for kid in retired:
                entries[kid] = replace(
                    entries[kid], info=replace(entries[kid].info, status=KeyStatus.RETIRED, retired_at=now)
                )
            entry = self._create_active(entries)
        logger.info("signing key rotated: %s active, retired %s", entry.info.kid, ", ".join(retired) or "-")
        return entry.info

    def retire(self, kid: str) -> KeyInfo:
        """Stop signing with ``kid`` but keep publishing it. Retiring the active key leaves none active."""
        with self._locked_manifest() as entries:
            entry = self._entry_for_change(entries, kid)
            if entry.info.status is KeyStatus.REVOKED:
                raise KeyRingError(f"key {kid} is revoked; a revoked key cannot be retired")
            if entry.info.status is KeyStatus.ACTIVE:
                retired = replace(entry.info, status=KeyStatus.RETIRED, retired_at=self._now())
                entry = entries[kid] = replace(entry, info=retired)
        logger.info("signing key retired: %s", kid)
        return entry.info

    def revoke(self, kid: str) -> KeyInfo:
        """Withdraw ``kid``: tokens it signed no longer verify and it leaves the JWKS."""
        with self._locked_manifest() as entries:
            entry = self._entry_for_change(entries, kid)
            if entry.info.status is not KeyStatus.REVOKED:
                revoked = replace(entry.info, status=KeyStatus.REVOKED, revoked_at=self._now())
                entry = entries[kid] = replace(entry, info=revoked)
        self._loaded.pop(kid, None)
        logger.warning("signing key revoked: %s", kid)
        return entry.info

    # -- internals -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock.now().astimezone(UTC)

    def _refuse_with_environment_key(self, action: str) -> None:
        if self._environment_signer is not None:
            raise KeyRingError(
                f"cannot {action}: the signing key is provided by the environment; replace it there"
            )

    def _environment_entry(self) -> _Entry | None:
        if self._environment_signer is None:
            return None
        info = KeyInfo(
            kid=self._environment_signer.kid,
            status=KeyStatus.ACTIVE,
            source=KeySource.ENVIRONMENT,
            created=None,
        )
        return _Entry(info=info, public=_public_members(self._environment_signer))

    def _manifest_stamp(self) -> _FileStamp | None:
        try:
            found = os.stat(self._directory / MANIFEST_NAME)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise KeyRingError(f"key manifest {MANIFEST_NAME} is unreadable: {exc}") from None
        return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns

    def _current(self) -> _Snapshot:
        """The manifest as it is on disk now: the kept snapshot while the file is unchanged."""
        stamp = self._manifest_stamp()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.stamp == stamp:
            return snapshot
        entries = self._read_manifest()
        # Stamp taken before reading: if the file is replaced in between, the next read sees a new
        # stamp and reads again, so a kept snapshot is never older than its stamp says.
        snapshot = self._snapshot_of(entries, stamp)
        self._snapshot = snapshot
        return snapshot

    def _snapshot_of(self, entries: dict[str, _Entry], stamp: _FileStamp | None) -> _Snapshot:
        order = {KeyStatus.ACTIVE: 0, KeyStatus.RETIRED: 1, KeyStatus.REVOKED: 2}
        oldest = datetime.min.replace(tzinfo=UTC)

        def rank(entry: _Entry) -> tuple[int, float, str]:
            info = entry.info
            return order[info.status], -(info.created or oldest).timestamp(), info.kid

        listed = list(entries.values())
        environment = self._environment_entry()
        if environment is not None and environment.info.kid not in entries:
            listed.insert(0, environment)
        ordered = tuple(sorted(listed, key=rank))
        return _Snapshot(
            stamp=stamp,
            entries=entries,
            ordered=ordered,
            jwks=tuple(
                publishable_jwk(entry.public)
                for entry in ordered
                if entry.info.status is not KeyStatus.REVOKED
            ),
            revoked=frozenset(
                kid for kid, entry in entries.items() if entry.info.status is KeyStatus.REVOKED
            ),
        )

    def _entry_for_change(self, entries: dict[str, _Entry], kid: str) -> _Entry:
        if kid in entries:
            return entries[kid]
        environment = self._environment_entry()
        if environment is not None and environment.info.kid == kid:
            return environment
        raise KeyNotFoundError(f"no key with kid {kid!r}")

    def _create_active(self, entries: dict[str, _Entry]) -> _Entry:
        signer = EcSigner.generate()
        self._write_private(signer)
        info = KeyInfo(kid=signer.kid, status=KeyStatus.ACTIVE, source=KeySource.FILE, created=self._now())
        entry = _Entry(info=info, public=_public_members(signer))
        entries[signer.kid] = entry
        self._loaded[signer.kid] = signer
        return entry

    def _private_path(self, kid: str) -> Path:
        if not is_valid_kid(kid):
            raise KeyRingError(f"invalid kid {kid!r}")
        return self._directory / f"{kid}.pem"

    def _write_private(self, signer: EcSigner) -> None:
        path = self._private_path(signer.kid)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)
            os.write(fd, signer.private_pem())
            os.fsync(fd)
        finally:
            os.close(fd)

    def _load_private(self, kid: str) -> EcSigner:
        if kid in self._loaded:
            return self._loaded[kid]
        path = self._private_path(kid)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise KeyMaterialError(f"private key file for active key {kid} is missing") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyMaterialError(f"{path.name} is readable by others; it must be mode 0600")
        signer = EcSigner.from_pem(path.read_bytes())
        if signer.kid != kid:
            raise KeyMaterialError(f"{path.name} holds a different key than its name says")
        self._loaded[kid] = signer
        return signer

    def _read_manifest(self) -> dict[str, _Entry]:
        path = self._directory / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise KeyRingError(f"key manifest {path.name} is unreadable: {exc}") from None
        if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
            raise KeyRingError(f"key manifest {path.name} has an unknown format")
        try:
            entries = [_Entry.from_json(item) for item in raw.get("keys", [])]
        except (KeyError, TypeError, ValueError, KeyMaterialError) as exc:
            raise KeyRingError(f"key manifest {path.name} is malformed: {exc}") from None
        return {entry.info.kid: entry for entry in entries}

    def _write_manifest(self, entries: dict[str, _Entry]) -> None:
        document = {"version": MANIFEST_VERSION, "keys": [entry.to_json() for entry in entries.values()]}
        fd, temporary = tempfile.mkstemp(dir=self._directory, prefix=".keys.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._directory / MANIFEST_NAME)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory_fd = os.open(self._directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)

    def _remove_stale_private_keys(self, entries: dict[str, _Entry]) -> None:
        """Delete private key files of keys that may no longer sign (and of unrecorded keys)."""
        for path in self._directory.glob("*.pem"):
            entry = entries.get(path.stem)
            if is_valid_kid(path.stem) and (entry is None or entry.info.status is not KeyStatus.ACTIVE):
                path.unlink(missing_ok=True)
                self._loaded.pop(path.stem, None)

    def _ensure_directory(self) -> None:
        self._directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        if stat.S_IMODE(self._directory.stat().st_mode) != DIRECTORY_MODE:
            self._directory.chmod(DIRECTORY_MODE)

    @contextlib.contextmanager
    def _locked_manifest(self) -> Iterator[dict[str, _Entry]]:
        """Hold the directory lock, hand out the manifest entries, write them back on success."""
        self._ensure_directory()
        lock_fd = os.open(self._directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            entries = self._read_manifest()
            yield entries
            self._write_manifest(entries)
            self._remove_stale_private_keys(entries)
        finally:
            self._snapshot = None
            os.close(lock_fd)
