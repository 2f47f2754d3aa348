"""Secrets the portal must read back (TOTP secrets), encrypted at rest with a key of its own.

The key is derived from ``STELSEL_SECRET_KEY`` with HKDF-SHA256 and a purpose label, so it is
never the key that signs cookies and each purpose gets a different key. Values are sealed with
AES-256-GCM under a fresh 96-bit nonce and bound to a context (the account they belong to), so a
sealed value copied to another row does not open there. A sealed value is written
``aesgcm1:<base64url(nonce | ciphertext | tag)>``, 88 characters for a TOTP secret.

A value without that prefix was stored before encryption (plaintext); :meth:`SecretBox.open`
returns it as it is, and :meth:`SecretBox.is_sealed` tells the caller to seal it on its next write.
Changing ``STELSEL_SECRET_KEY`` makes sealed values unreadable (:class:`UnreadableSecret`): those
users need their second factor reset.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "aesgcm1:"
NONCE_BYTES = 12
TOTP_PURPOSE = "totp-secret"


class UnreadableSecret(Exception):
    """A sealed value that does not open with this key and context (another secret key, or damaged)."""


class SecretBox:
    """Seals and opens short secrets with a key derived from the portal's secret key for ``purpose``."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"stelselregister {purpose} v1".encode(),
        ).derive(secret_key.encode())
        self._aead = AESGCM(derived)
        self.purpose = purpose

    def __repr__(self) -> str:
        return f"SecretBox(purpose={self.purpose!r})"

    @staticmethod
    def is_sealed(stored: str) -> bool:
        return stored.startswith(PREFIX)

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, stored: str, context: str) -> str:
        """The plaintext of a sealed value; a value stored before encryption is returned unchanged."""
        if not self.is_sealed(stored):
            return stored
        encoded = stored.removeprefix(PREFIX)
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise UnreadableSecret(f"a sealed {self.purpose} does not open with this key") from exc


@functools.lru_cache(maxsize=4)
def totp_box(secret_key: str) -> SecretBox:
    """The box for TOTP secrets under this secret key (derived once per key)."""
    return SecretBox(secret_key, TOTP_PURPOSE)


def totp_context(user_id: object) -> str:
    """What a TOTP secret is bound to: its account (the same for the pending and the active secret)."""
    return f"account_user:{user_id}:totp"
