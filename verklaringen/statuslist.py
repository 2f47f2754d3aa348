"""Token Status List (draft-ietf-oauth-status-list) for verklaringen.

Each verklaring carries ``"status": {"status_list": {"idx": N, "uri": LIST_URI}}`` (see
:func:`status_claim`); the status of entry ``N`` in the signed list at ``LIST_URI`` tells whether the
verklaring still holds, without the verifier revealing which verklaring it is checking.

Encoding, as in the draft:

- ``bits`` per entry is 1, 2, 4 or 8; the portal uses **1** by default (valid / invalid) and **2**
  when verklaringen can be suspended. Entry ``i`` sits in byte ``i * bits // 8``, starting at the
  least significant bit (index 0 is the lowest bit of byte 0).
- Status values: ``0x00`` VALID, ``0x01`` INVALID (revoked, final), ``0x02`` SUSPENDED
  (temporarily invalid, reversible; needs ``bits >= 2``). Other values up to ``2**bits - 1`` are
  accepted as application-specific.
- The byte array is compressed with DEFLATE in the ZLIB format at the highest level and
  base64url-encoded (no padding) into ``lst``: ``{"bits": 1, "lst": "eNrbuRgAAhcBXQ"}``.
- The list size must fill whole bytes (a multiple of ``8 // bits``); the default of 131072 entries
  gives herd privacy. Indexes are handed out at random (:meth:`StatusList.allocate`), so
  neighbouring indexes say nothing about issue order.

The signed form is a JWT with ``typ`` ``statuslist+jwt`` and claims ``iss``, ``sub`` (the list's URI),
``iat``, ``exp``, ``ttl`` (seconds a consumer may cache it) and ``status_list``. It is built with
:func:`~registry.signing.jws.sign_jws` and read back only through
:func:`~registry.signing.verify.verify_jws`.

Which indexes are in use is kept by the caller (the database); pass them as ``allocated`` when
rebuilding a list so :meth:`StatusList.allocate` never hands an index out twice.
"""

from __future__ import annotations

import builtins
import math
import secrets
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from registry.signing.errors import InvalidTokenError
from registry.signing.jws import TYP_STATUSLIST, sign_jws
from registry.signing.signer import Signer, b64url_decode, b64url_encode
from registry.signing.verify import claim_type, verify_jws

STATUS_VALID = 0x00
STATUS_INVALID = 0x01
STATUS_SUSPENDED = 0x02

ALLOWED_BITS = (1, 2, 4, 8)
DEFAULT_SIZE = 131_072
MAX_SIZE = 16_777_216
STATUS_LIST_MAX_TOKEN_BYTES = 1_048_576
STATUS_LIST_REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp", "status_list")
DEFAULT_TTL = timedelta(minutes=15)
DEFAULT_LIFETIME = timedelta(days=1)

# Below this share of free entries, allocation picks from the list of free indexes instead of retrying.
_RETRY_FREE_SHARE = 0.25


class StatusListFullError(Exception):
    """Every index of the list is allocated."""


class StatusListFormatError(ValueError):
    """An encoded status list is not valid per the draft."""


class StatusList:
    """A mutable list of ``size`` statuses of ``bits`` bits each, and which indexes are handed out."""

    __slots__ = ("_allocated", "_bits", "_data", "_encoded", "_size")

    def __init__(self, size: int = DEFAULT_SIZE, bits: int = 1, *, allocated: Iterable[int] = ()) -> None:
        if bits not in ALLOWED_BITS:
            raise ValueError(f"bits must be one of {ALLOWED_BITS}, got {bits}")
        per_byte = 8 // bits
        if size <= 0 or size > MAX_SIZE or size % per_byte:
            raise ValueError(f"size must be a positive multiple of {per_byte} up to {MAX_SIZE}, got {size}")
        self._bits = bits
        self._size = size
        self._data = bytearray(size * bits // 8)
        self._encoded: dict[str, Any] | None = None
        self._allocated: builtins.set[int] = set()
        for index in allocated:
            self.mark_allocated(index)

    def __repr__(self) -> str:
        return f"StatusList(size={self._size}, bits={self._bits}, allocated={len(self._allocated)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return (self._bits, self._size, self._data) == (other._bits, other._size, other._data)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable

    @property
    def size(self) -> int:
        return self._size

    @property
    def bits(self) -> int:
        return self._bits

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self._size:
            raise IndexError(f"index {index} outside the list of {self._size}")
        bit_position = index * self._bits
        return bit_position // 8, bit_position % 8

    def get(self, index: int) -> int:
        """The status at ``index``."""
        byte, shift = self._locate(index)
        return (self._data[byte] >> shift) & ((1 << self._bits) - 1)

    def set(self, index: int, status: int) -> None:
        """Set the status at ``index``; the value must fit in ``bits`` (SUSPENDED needs two)."""
        mask = (1 << self._bits) - 1
        if not 0 <= status <= mask:
            raise ValueError(f"status {status} does not fit in {self._bits} bit(s)")
        byte, shift = self._locate(index)
        self._data[byte] = (self._data[byte] & ~(mask << shift) & 0xFF) | (status << shift)
        self._encoded = None

    # -- allocation ----------------------------------------------------------------------------

    @property
    def free_count(self) -> int:
        return self._size - len(self._allocated)

    def is_allocated(self, index: int) -> bool:
        return index in self._allocated

    def mark_allocated(self, index: int) -> None:
        """Record that ``index`` is in use (when rebuilding the list from stored verklaringen)."""
        self._locate(index)
        self._allocated.add(index)

    def allocate(self, rng: Random | None = None) -> int:
        """Hand out a random free index; ``rng`` defaults to the operating system's randomness."""
        source = rng if rng is not None else secrets.SystemRandom()
        free = self.free_count
        if free == 0:
            raise StatusListFullError(f"all {self._size} entries of the status list are in use")
        if free / self._size >= _RETRY_FREE_SHARE:
            index = source.randrange(self._size)
            while index in self._allocated:
                index = source.randrange(self._size)
        else:
            index = source.choice([i for i in range(self._size) if i not in self._allocated])
        self._allocated.add(index)
        return index

    # -- encoding ------------------------------------------------------------------------------

    def encode(self) -> dict[str, Any]:
        """The JSON ``status_list`` object: ``{"bits": …, "lst": …}``.

        Compressing takes milliseconds, so the encoding is kept until the next :meth:`set`.
        """
        if self._encoded is None:
            compressed = zlib.compress(bytes(self._data), level=9)
            self._encoded = {"bits": self._bits, "lst": b64url_encode(compressed)}
        return dict(self._encoded)

    @classmethod
    def decode(cls, data: Mapping[str, Any], *, max_size: int = MAX_SIZE) -> StatusList:
        """Read a ``status_list`` object; non-zero entries count as allocated.

        Decompression stops at the byte count ``max_size`` entries need, so a hostile list cannot
        exhaust memory.
        """
        bits, lst = data.get("bits"), data.get("lst")
        if isinstance(bits, bool) or bits not in ALLOWED_BITS or not isinstance(lst, str):
            raise StatusListFormatError("status_list needs bits in (1, 2, 4, 8) and a string lst")
        limit = math.ceil(min(max_size, MAX_SIZE) * bits / 8)
        try:
            inflater = zlib.decompressobj()
            raw = inflater.decompress(b64url_decode(lst), limit)
        except (ValueError, zlib.error):
            raise StatusListFormatError("lst is not base64url-encoded ZLIB data") from None
        if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
            raise StatusListFormatError(f"lst is truncated, padded or holds more than {max_size} entries")
        if not raw:
            raise StatusListFormatError("lst holds no entries")
        status_list = cls(size=len(raw) * 8 // bits, bits=bits)
        status_list._data[:] = raw
        per_byte = 8 // bits
        status_list._allocated.update(
            index
            for byte_index, value in enumerate(raw)
            if value
            for index in range(byte_index * per_byte, (byte_index + 1) * per_byte)
            if status_list.get(index) != STATUS_VALID
        )
        return status_list


def status_claim(uri: str, index: int) -> dict[str, Any]:
    """The ``status`` claim a verklaring carries to point at its entry."""
    return {"status_list": {"idx": index, "uri": uri}}


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A verified Status List Token."""

    uri: str
    issuer: str
    issued_at: datetime
    expires_at: datetime
    ttl: int | None
    status_list: StatusList


def build_status_list_token(
    status_list: StatusList,
    *,
    uri: str,
    issuer: str,
    signer: Signer,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> str:
    """Sign ``status_list`` as a ``statuslist+jwt`` published at ``uri``."""
    if now.tzinfo is None:
        raise ValueError("build_status_list_token needs a timezone-aware `now`")
    if ttl <= timedelta(0) or lifetime <= timedelta(0):
        raise ValueError("ttl and lifetime must be positive")
    issued = int(now.timestamp())
    payload = {
        "iss": issuer,
        "sub": uri,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "ttl": int(ttl.total_seconds()),
        "status_list": status_list.encode(),
    }
    return sign_jws(payload, signer, TYP_STATUSLIST)


def read_status_list_token(
    token: str,
    jwks: Mapping[str, Any],
    *,
    uri: str,
    issuer: str,
    now: datetime,
    revoked_kids: Collection[str],
    max_token_bytes: int = STATUS_LIST_MAX_TOKEN_BYTES,
    max_size: int = MAX_SIZE,
) -> StatusListToken:
    """Verify a Status List Token for ``uri``; raises :class:`InvalidTokenError` with the reason codes.

    Besides the codes of :func:`verify_jws`: ``claim_type:ttl`` (not a positive number) and
    ``claim_type:status_list`` (not a valid encoded list).
    """
    result = verify_jws(
        token,
        jwks,
        expected_typ=TYP_STATUSLIST,
        issuer=issuer,
        now=now,
        revoked_kids=revoked_kids,
        max_token_bytes=max_token_bytes,
        required_claims=STATUS_LIST_REQUIRED_CLAIMS,
        subject=uri,
    )
    claims = result.require_valid()
    ttl = claims.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0):
        raise InvalidTokenError([claim_type("ttl")])
    raw_list = claims["status_list"]
    try:
        if not isinstance(raw_list, Mapping):
            raise StatusListFormatError("status_list is not an object")
        status_list = StatusList.decode(raw_list, max_size=max_size)
    except StatusListFormatError:
        raise InvalidTokenError([claim_type("status_list")]) from None
    return StatusListToken(
        uri=uri,
        issuer=issuer,
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        ttl=int(ttl) if ttl is not None else None,
        status_list=status_list,
    )
