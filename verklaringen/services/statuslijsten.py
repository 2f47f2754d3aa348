"""The status list of verklaringen: which index each issued verklaring has, the list as the
database says it is now, and the signed ``statuslist+jwt`` served from it.

One list (number :data:`STATUSLIJST`) of :data:`STATUSLIJST_GROOTTE` entries of two bits: ``0``
valid, ``1`` invalid (ingetrokken, final), ``2`` suspended (geschorst, reversible). An index is
chosen at random when a verklaring is issued, before the issuing write transaction (it is in the
attestation, which is signed and rendered into the PDF before the lock is taken); inside that
transaction :func:`index_vrij` confirms it is still free (the audit chain lock serialises issuers;
the unique constraint on ``(statuslijst, statuslijst_index)`` backs it). The list is rebuilt from
the verklaring rows on every request, so revoking or suspending a verklaring shows in the list at
once; only the signature is reused while the content is unchanged (:class:`StatusListTokens`),
which gives a stable ``ETag``.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import API_PREFIX
from registry.signing import Signer
from verklaringen.attestation import StatusUnavailable
from verklaringen.models import Verklaring
from verklaringen.statuslist import (
    DEFAULT_SIZE,
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    StatusList,
    build_status_list_token,
)

STATUSLIJST = 1
STATUSLIJST_BITS = 2
STATUSLIJST_GROOTTE = DEFAULT_SIZE
STATUSLIJST_TTL = timedelta(minutes=5)
STATUSLIJST_LIFETIME = timedelta(days=1)


def statuslijst_uri(base_url: str, nummer: int = STATUSLIJST) -> str:
    """Where status list ``nummer`` is published (also its ``sub``)."""
    return f"{base_url}{API_PREFIX}/statuslijsten/{nummer}"


def status_of(verklaring: Verklaring) -> int:
    """The status list value of an issued verklaring."""
    if verklaring.ingetrokken_op is not None:
        return STATUS_INVALID
    if verklaring.geschorst_op is not None:
        return STATUS_SUSPENDED
    return STATUS_VALID


async def current_status_list(session: AsyncSession, nummer: int = STATUSLIJST) -> StatusList:
    """The list as the verklaring rows say it is now."""
    rows = await session.execute(
        select(Verklaring.statuslijst_index, Verklaring.ingetrokken_op, Verklaring.geschorst_op).where(
            Verklaring.statuslijst == nummer, Verklaring.statuslijst_index.is_not(None)
        )
    )
    status_list = StatusList(size=STATUSLIJST_GROOTTE, bits=STATUSLIJST_BITS)
    for index, ingetrokken_op, geschorst_op in rows.tuples():
        assert index is not None
        status_list.mark_allocated(index)
        if ingetrokken_op is not None:
            status_list.set(index, STATUS_INVALID)
        elif geschorst_op is not None:
            status_list.set(index, STATUS_SUSPENDED)
    return status_list


async def allocate_index(session: AsyncSession, nummer: int = STATUSLIJST, rng: Random | None = None) -> int:
    """A random index of list ``nummer`` free as the session reads it now; an issuer that chose it
    outside its write transaction confirms it with :func:`index_vrij` inside."""
    used = await session.scalars(
        select(Verklaring.statuslijst_index).where(
            Verklaring.statuslijst == nummer, Verklaring.statuslijst_index.is_not(None)
        )
    )
    status_list = StatusList(
        size=STATUSLIJST_GROOTTE,
        bits=STATUSLIJST_BITS,
        allocated=[index for index in used if index is not None],
    )
    return status_list.allocate(rng)


async def index_vrij(session: AsyncSession, nummer: int, index: int) -> bool:
    """Whether no verklaring holds ``index`` of list ``nummer`` (final only under the chain lock)."""
    holder = await session.scalar(
        select(Verklaring.id).where(Verklaring.statuslijst == nummer, Verklaring.statuslijst_index == index)
    )
    return holder is None


@dataclass(frozen=True, slots=True)
class SignedStatusList:
    """A signed status list as served: the token, its ETag and when it was signed."""

    token: str
    etag: str
    issued_at: datetime
    ttl: timedelta


class StatusListTokens:
    """Signs a status list, reusing the last signature while the list and key are unchanged.

    A signature is reused for at most half its ``ttl``; then (or when a verklaring changed status)
    the list is signed again. Safe to share between concurrent requests.
    """

    def __init__(self, ttl: timedelta = STATUSLIJST_TTL, lifetime: timedelta = STATUSLIJST_LIFETIME) -> None:
        self.ttl = ttl
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], tuple[str, SignedStatusList]] = {}

    def sign(
        self, status_list: StatusList, *, uri: str, issuer: str, signer: Signer, now: datetime
    ) -> SignedStatusList:
        encoded = status_list.encode()
        digest = hashlib.sha256(f"{encoded['bits']}:{encoded['lst']}".encode()).hexdigest()
        key = (uri, issuer, signer.kid)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            cached_digest, signed = cached
            age = now - signed.issued_at
            if cached_digest == digest and timedelta(0) <= age < self.ttl / 2:
                return signed
        token = build_status_list_token(
            status_list, uri=uri, issuer=issuer, signer=signer, now=now, ttl=self.ttl, lifetime=self.lifetime
        )
        etag = '"' + hashlib.sha256(token.encode("ascii")).hexdigest()[:32] + '"'
        signed = SignedStatusList(token=token, etag=etag, issued_at=now, ttl=self.ttl)
        with self._lock:
            self._cache[key] = (digest, signed)
        return signed


class DatabaseStatusSource:
    """The portal's own status list, read from the database (for verification in the portal)."""

    def __init__(self, session: AsyncSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url

    async def status_list(self, uri: str) -> StatusList:
        if uri != statuslijst_uri(self._base_url):
            raise StatusUnavailable(["status_list:unknown_uri"])
        return await current_status_list(self._session)
