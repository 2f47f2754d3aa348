"""The hook through which the verklaringen domain vouches for a verklaring.

A rolvervulling on basis ``verklaring`` refers to a verklaring by its reference. The register does not
know verklaringen itself (``registry`` never imports ``verklaringen``): the verklaringen domain
registers one :class:`VerklaringCheck` at start-up::

    from registry.ledenadministratie.verklaringcheck import register_verklaring_check

    register_verklaring_check(my_check)

and the register asks it whether the referenced verklaring is valid for that deelnemer, role and date,
as of a moment: inside the granting transaction as of the grant, and for a lookup as of its peildatum
(a verklaring ingetrokken or geschorst after the peildatum still held then, and one whose schorsing
has been lifted did not hold during it). Without a registered check, a rolvervulling on basis
``verklaring`` is refused, and so is every rolvervulling of a role that requires a verklaring.

A list that judges many verklaringen at once (a page of dienstverleners) asks
:func:`check_verklaringen`, which puts all questions to the :class:`VerklaringBatchCheck` the domain
registered for its check (:func:`register_batch_check`) in a few statements, or else asks the check
one question at a time. A batch check reads through a :class:`~registry.directread.Snapshot`, so a
lookup can ask it on the snapshot it reads everything else from (:func:`registered_batch_check`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import Snapshot, session_snapshot

if TYPE_CHECKING:
    from registry.ledenadministratie.models import Deelnemer


@dataclass(frozen=True, slots=True)
class Verklaringvraag:
    """What the register asks about a verklaring: is ``referentie`` a valid verklaring for this
    deelnemer (known by its id and identificaties in ``soort:waarde`` form), this role, from
    ``geldig_van``, as the verklaring stood at moment ``op`` (timezone-aware)?

    ``op`` is the peildatum's moment for a lookup and the moment of the write for a grant: the
    verklaring must then be neither ingetrokken nor geschorst."""

    referentie: str
    deelnemer_id: uuid.UUID
    identificaties: tuple[str, ...]
    rol_code: str
    geldig_van: date
    op: datetime

    @classmethod
    def over(
        cls, referentie: str, deelnemer: Deelnemer, rol_code: str, geldig_van: date, op: datetime
    ) -> Verklaringvraag:
        """The question about ``referentie`` for this deelnemer (with its identificaties), as of ``op``."""
        return cls(
            referentie=referentie,
            deelnemer_id=deelnemer.id,
            identificaties=tuple(f"{i.soort}:{i.waarde}" for i in deelnemer.identificaties),
            rol_code=rol_code,
            geldig_van=geldig_van,
            op=op,
        )


@dataclass(frozen=True, slots=True)
class Verklaringoordeel:
    """The answer: ``geldig``, or not with a reason in Dutch that the register shows to the user."""

    geldig: bool
    reden: str | None = None

    @classmethod
    def ja(cls) -> Verklaringoordeel:
        return cls(True)

    @classmethod
    def nee(cls, reden: str) -> Verklaringoordeel:
        return cls(False, reden)


class VerklaringCheck(Protocol):
    """Checks a verklaring reference; runs in the register's write transaction (``session``), so a
    verklaring flushed earlier in that transaction is visible."""

    async def __call__(self, session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel: ...


class VerklaringBatchCheck(Protocol):
    """Answers many questions at once, each exactly as the :class:`VerklaringCheck` it is registered
    for would (same ``geldig`` and ``reden``), in order, in a number of statements that does not grow
    with the number of questions, read from ``snap``."""

    async def __call__(
        self, snap: Snapshot, vragen: Sequence[Verklaringvraag]
    ) -> list[Verklaringoordeel]: ...


_registered: VerklaringCheck | None = None
_batches: dict[int, tuple[VerklaringCheck, VerklaringBatchCheck]] = {}
"""By ``id`` of the check (a check need not be hashable), with the check itself to tell ids apart."""


def register_verklaring_check(check: VerklaringCheck) -> None:
    """Install the check (the verklaringen domain does this once; a second call replaces it)."""
    global _registered  # noqa: PLW0603 — one process-wide hook, set at start-up
    _registered = check


def registered_verklaring_check() -> VerklaringCheck | None:
    return _registered


def register_batch_check(check: VerklaringCheck, batch: VerklaringBatchCheck) -> None:
    """Let ``batch`` answer the questions for ``check`` whenever ``check`` is the registered one."""
    _batches[id(check)] = (check, batch)


def registered_batch_check() -> VerklaringBatchCheck | None:
    """The batch form of the registered check, if its domain registered one."""
    check = _registered
    registered = _batches.get(id(check)) if check is not None else None
    return registered[1] if registered is not None and registered[0] is check else None


async def check_verklaringen(
    session: AsyncSession, vragen: Sequence[Verklaringvraag]
) -> list[Verklaringoordeel] | None:
    """The registered check's answers to ``vragen``, in order; ``None`` without a registered check."""
    check = _registered
    if check is None:
        return None
    if not vragen:
        return []
    batch = registered_batch_check()
    if batch is not None:
        await session.flush()  # the batch reads with plain SQL, which does not flush by itself
        return await batch(session_snapshot(session), vragen)
    return [await check(session, vraag) for vraag in vragen]


@contextmanager
def verklaring_check_installed(check: VerklaringCheck | None) -> Iterator[None]:
    """Use ``check`` (or none) within the block and restore the previous one after it."""
    global _registered  # noqa: PLW0603
    previous, _registered = _registered, check
    try:
        yield
    finally:
        _registered = previous
