"""The verklaringen domain's answer to the ledenadministratie's question "was this verklaring valid
for this deelnemer, this role, from this date, at this moment?"
(:mod:`registry.ledenadministratie.verklaringcheck`).

A verklaring vouches for a rolvervulling when it is afgegeven, names the same deelnemer and role,
its period ``[geldig_van, geldig_tot)`` contains the rolvervulling's date, and at the moment asked
about (``Verklaringvraag.op``) it was neither ingetrokken (``ingetrokken_op`` at or before it) nor
geschorst (the current suspension from ``geschorst_op``, or a past :class:`Schorsing` period
``[van, tot)`` containing it). So a question as of a peildatum before an intrekking or schorsing
is answered as the verklaring stood then, and a suspension that has been lifted still counts for
the moments it lasted.

Questions are answered a list at a time (:func:`verklaringen_check`; a page of dienstverleners names
dozens of verklaringen) in two statements: the verklaringen by nummer, and the lifted schorsingen of
those that are otherwise valid. The statements are plain SQL on a
:class:`~registry.directread.Snapshot`, so a lookup asks them on its own read snapshot and a write
transaction on its session (:func:`~registry.directread.session_snapshot`).
:func:`verklaring_check` is the same for one question in a session; :mod:`verklaringen.routes`
registers it, and this module pairs the list form with it
(:func:`~registry.ledenadministratie.verklaringcheck.register_batch_check`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import Snapshot, session_snapshot
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    register_batch_check,
)


async def verklaring_check(session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel:
    """The answer to one question, in ``session``'s transaction."""
    # plain SQL does not flush the session by itself: a verklaring added earlier in this
    # transaction must be in the database before it is asked about
    await session.flush()
    [oordeel] = await verklaringen_check(session_snapshot(session), [vraag])
    return oordeel


_IN_CHUNK = 500
"""Values per ``IN (…)``: far below the parameter limits of SQLite and PostgreSQL."""


class _Stand(NamedTuple):
    """The columns of a verklaring that decide whether it vouches for a rolvervulling."""

    id: uuid.UUID
    nummer: str
    fase: str
    deelnemer_id: uuid.UUID
    rol_code: str
    rol_naam: str
    geldig_van: date
    geldig_tot: date
    geschorst_op: datetime | None
    ingetrokken_op: datetime | None


class _Periode(NamedTuple):
    van: datetime
    tot: datetime


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _nummer(vraag: Verklaringvraag) -> str:
    return vraag.referentie.strip().upper()


def _tijdstip(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _marks(count: int) -> str:
    return ", ".join("?" * count)


# the columns of _Stand, in its order
_STANDEN = (
    "SELECT id, nummer, fase, deelnemer_id, rol_code, rol_naam, geldig_van, geldig_tot, geschorst_op, "
    "ingetrokken_op FROM verklaring WHERE nummer IN ({marks})"
)
_OPGEHEVEN = (
    "SELECT verklaring_id, van, tot FROM verklaring_schorsing "
    "WHERE verklaring_id IN ({marks}) AND tot IS NOT NULL ORDER BY verklaring_id, van"
)


def _optional_moment(snap: Snapshot, value: Any) -> datetime | None:
    return None if value is None else snap.moment(value)


async def _standen(snap: Snapshot, nummers: Sequence[str]) -> dict[str, _Stand]:
    standen: dict[str, _Stand] = {}
    for chunk in _chunks(nummers):
        for row in await snap.rows(_STANDEN.format(marks=_marks(len(chunk))), *chunk):
            (id_, nummer, fase, deelnemer_id, rol_code, rol_naam, van, tot, geschorst, ingetrokken) = row
            standen[nummer] = _Stand(
                snap.uuid(id_),
                nummer,
                fase,
                snap.uuid(deelnemer_id),
                rol_code,
                rol_naam,
                snap.date(van),
                snap.date(tot),
                _optional_moment(snap, geschorst),
                _optional_moment(snap, ingetrokken),
            )
    return standen


async def _opgeheven(snap: Snapshot, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[_Periode]]:
    """The lifted schorsingen of these verklaringen, each verklaring's by ``van``."""
    perioden: dict[uuid.UUID, list[_Periode]] = defaultdict(list)
    for chunk in _chunks(ids):
        statement = _OPGEHEVEN.format(marks=_marks(len(chunk)))
        for verklaring_id, van, tot in await snap.rows(statement, *(snap.uuid_param(i) for i in chunk)):
            perioden[snap.uuid(verklaring_id)].append(_Periode(snap.moment(van), snap.moment(tot)))
    return perioden


def _vooroordeel(vraag: Verklaringvraag, stand: _Stand | None) -> Verklaringoordeel | None:
    """The answer from the verklaring itself, or ``None`` when its lifted schorsingen decide."""
    if stand is None or stand.fase != "afgegeven":
        return Verklaringoordeel.nee(f"Er is geen afgegeven verklaring {vraag.referentie}.")
    nummer = stand.nummer
    if stand.deelnemer_id != vraag.deelnemer_id:
        return Verklaringoordeel.nee(f"Verklaring {nummer} is van een andere deelnemer.")
    if stand.rol_code != vraag.rol_code:
        return Verklaringoordeel.nee(f"Verklaring {nummer} is voor de rol {stand.rol_naam}.")
    if stand.ingetrokken_op is not None and stand.ingetrokken_op <= vraag.op:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} is ingetrokken sinds {_tijdstip(stand.ingetrokken_op)}."
        )
    if stand.geschorst_op is not None and stand.geschorst_op <= vraag.op:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} is geschorst sinds {_tijdstip(stand.geschorst_op)}."
        )
    return None


def _eindoordeel(vraag: Verklaringvraag, stand: _Stand, opgeheven: Sequence[_Periode]) -> Verklaringoordeel:
    """The answer for a verklaring neither ingetrokken nor geschorst at ``vraag.op``: a lifted
    schorsing that contained that moment, else its period of validity."""
    nummer = stand.nummer
    for periode in opgeheven:  # by van: the first that contains the moment, as the check names it
        if periode.van <= vraag.op < periode.tot:
            van, tot = _tijdstip(periode.van), _tijdstip(periode.tot)
            return Verklaringoordeel.nee(f"Verklaring {nummer} was geschorst van {van} tot {tot}.")
    if not stand.geldig_van <= vraag.geldig_van < stand.geldig_tot:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} geldt van {stand.geldig_van.isoformat()} "
            f"tot {stand.geldig_tot.isoformat()}; {vraag.geldig_van.isoformat()} valt daarbuiten."
        )
    return Verklaringoordeel.ja()


async def verklaringen_check(snap: Snapshot, vragen: Sequence[Verklaringvraag]) -> list[Verklaringoordeel]:
    """The answers to ``vragen``, in order, in two statements (see the module docstring)."""
    standen = await _standen(snap, sorted({_nummer(vraag) for vraag in vragen}))
    voor = [_vooroordeel(vraag, standen.get(_nummer(vraag))) for vraag in vragen]
    open_ids = sorted(
        {standen[_nummer(v)].id for v, oordeel in zip(vragen, voor, strict=True) if oordeel is None}
    )
    opgeheven = await _opgeheven(snap, open_ids) if open_ids else {}
    return [
        oordeel
        if oordeel is not None
        else _eindoordeel(vraag, stand := standen[_nummer(vraag)], opgeheven.get(stand.id, []))
        for vraag, oordeel in zip(vragen, voor, strict=True)
    ]


register_batch_check(verklaring_check, verklaringen_check)
