"""Typed settings, read once from ``STELSEL_*`` environment variables and validated at start-up.

A wrong value raises :class:`SettingsError` whose message is one line naming the variable; the CLI
prints it and exits, so an operator never sees a traceback for a configuration mistake.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PREFIX = "STELSEL_"
SUPPORTED_DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The portal's configuration. Build it with :func:`load_settings`; tests build it directly."""

    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    base_url: str = "http://127.0.0.1:8000"
    debug: bool = False
    log_level: str = "INFO"
    max_request_bytes: int = 1_048_576
    max_upload_bytes: int = 52_428_800
    session_hours: int = 8
    anonymous_rate_per_minute: int = 600
    client_rate_per_minute: int = 6000
    secure_cookies: bool = False
    database_timeout_seconds: float = 5.0
    # An EC P-256 private key (PEM) given by the environment becomes the active signing key, for
    # deployments that inject keys instead of keeping them in the data directory.
    signing_key_pem: str | None = field(default=None, repr=False)
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documenten"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on", "ja"}:
        return True
    if value in {"0", "false", "no", "off", "nee", ""}:
        return False
    raise SettingsError(f"{PREFIX}{name}: expected true or false, got {raw!r}")


def _parse_int(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name}: must be at least {minimum}, got {value}")
    return value


def _parse_float(name: str, raw: str, minimum: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: expected a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name}: must be at least {minimum}, got {value}")
    return value


def validate_database_url(url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise SettingsError(
            f"{PREFIX}DATABASE_URL: use sqlite+aiosqlite:///PATH or postgresql+asyncpg://HOST/DB, got {url!r}"
        )
    return url


def _validate_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"{PREFIX}BASE_URL: expected an absolute http(s) URL, got {url!r}")
    return url.rstrip("/")


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """The explicit key, else one generated once and kept in the data directory (mode 0600)."""
    explicit = env.get(f"{PREFIX}SECRET_KEY")
    if explicit is not None:
        if len(explicit) < 32:
            raise SettingsError(f"{PREFIX}SECRET_KEY: must be at least 32 characters")
        return explicit
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise SettingsError(f"{PREFIX}DATA_DIR: cannot write {key_file}: {exc.strerror}") from None
    generated = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(generated)
    return generated


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from the environment (``os.environ`` by default)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get(f"{PREFIX}DATA_DIR", "var")).expanduser()
    if data_dir.exists() and not data_dir.is_dir():
        raise SettingsError(f"{PREFIX}DATA_DIR: {data_dir} exists and is not a directory")
    database_url = validate_database_url(
        env.get(f"{PREFIX}DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'stelsel.sqlite3'}")
    )
    log_level = env.get(f"{PREFIX}LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"{PREFIX}LOG_LEVEL: choose one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    base_url = _validate_base_url(env.get(f"{PREFIX}BASE_URL", "http://127.0.0.1:8000"))

    def integer(name: str, default: int, minimum: int = 1) -> int:
        raw = env.get(f"{PREFIX}{name}")
        return default if raw is None else _parse_int(name, raw, minimum)

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret_key(env, data_dir),
        base_url=base_url,
        debug=_parse_bool("DEBUG", env.get(f"{PREFIX}DEBUG", "false")),
        log_level=log_level,
        max_request_bytes=integer("MAX_REQUEST_BYTES", 1_048_576, 1024),
        max_upload_bytes=integer("MAX_UPLOAD_BYTES", 52_428_800, 1024),
        session_hours=integer("SESSION_HOURS", 8),
        anonymous_rate_per_minute=integer("ANONYMOUS_RATE_PER_MINUTE", 600),
        client_rate_per_minute=integer("CLIENT_RATE_PER_MINUTE", 6000),
        secure_cookies=_parse_bool(
            "SECURE_COOKIES", env.get(f"{PREFIX}SECURE_COOKIES", str(base_url.startswith("https")))
        ),
        signing_key_pem=env.get(f"{PREFIX}SIGNING_KEY_PEM") or None,
        database_timeout_seconds=_parse_float(
            "DATABASE_TIMEOUT_SECONDS", env.get(f"{PREFIX}DATABASE_TIMEOUT_SECONDS", "5"), 0.1
        ),
    )
