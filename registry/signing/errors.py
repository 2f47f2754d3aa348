"""Errors of the signing mechanism. Messages name key ids and files, never key material."""

from __future__ import annotations

from collections.abc import Sequence


class SigningError(Exception):
    """Base of every signing and key-management failure."""


class KeyMaterialError(SigningError):
    """A key could not be read or has the wrong type or curve."""


class KeyRingError(SigningError):
    """A key-ring operation is not possible in the ring's current state."""


class KeyNotFoundError(KeyRingError):
    """No key with the given kid is known to the ring."""


class NoActiveKeyError(KeyRingError):
    """The ring has no key that may sign (none generated yet, or the active one was retired/revoked)."""


class InvalidTokenError(SigningError):
    """A token failed verification; ``reasons`` holds the machine codes of :mod:`registry.signing.verify`."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(f"token rejected: {', '.join(self.reasons)}")
