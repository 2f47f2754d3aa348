"""Choosing the deelnemer a deelnemer-contact account speaks for, by name or identificatie.

The account forms show a text field with suggestions (a ``<datalist>``): each suggestion reads
``Naam (kvk:12345678)``. What the admin types is read by :func:`resolve_deelnemer`:

- ``Naam (soort:waarde)`` or ``soort:waarde``: the deelnemer with that identificatie;
- a deelnemer id (UUID), as the forms asked before;
- a name alone: the one deelnemer with that name (diacritics and case do not matter).

A name that matches nobody or more than one deelnemer is a form error; the form then suggests the
deelnemers whose name contains what was typed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import NotFound, ValidationFailed
from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.naam import fold
from registry.ledenadministratie.services import find_deelnemer

FIELD = "deelnemer"
MAX_KEUZES = 200
"""How many suggestions the form carries at most."""

_MET_IDENTIFICATIE = re.compile(r"^(?P<naam>.*)\((?P<ref>[A-Za-z]+:[^()]+)\)\s*$")


@dataclass(frozen=True, slots=True)
class DeelnemerKeuze:
    """One suggestion: ``waarde`` goes into the field, ``naam`` and ``ref`` say who it is."""

    naam: str
    ref: str

    @property
    def waarde(self) -> str:
        return f"{self.naam} ({self.ref})"


def _keuze(deelnemer: Deelnemer) -> DeelnemerKeuze:
    eerste = deelnemer.identificaties[0] if deelnemer.identificaties else None
    return DeelnemerKeuze(deelnemer.naam, f"{eerste.soort}:{eerste.waarde}" if eerste else str(deelnemer.id))


async def deelnemer_keuzes(session: AsyncSession, zoek: str = "") -> list[DeelnemerKeuze]:
    """The first :data:`MAX_KEUZES` deelnemers by name, those whose name contains ``zoek`` when given
    (a typed ``Naam (kvk:…)`` searches by its name part)."""
    match = _MET_IDENTIFICATIE.match(zoek)
    gevouwen = fold(match.group("naam") if match else zoek)
    statement = select(Deelnemer)
    if gevouwen:
        escaped = gevouwen.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Deelnemer.zoeknaam.like(f"%{escaped}%", escape="\\"))
    deelnemers = await session.scalars(statement.order_by(Deelnemer.zoeknaam, Deelnemer.id).limit(MAX_KEUZES))
    return [_keuze(deelnemer) for deelnemer in deelnemers]


async def deelnemer_waarde(session: AsyncSession, deelnemer_id: str | None) -> str:
    """What the field shows for an account's current deelnemer: ``Naam (kvk:…)``, or the id when that
    deelnemer is not (or no longer) in the register."""
    if not deelnemer_id:
        return ""
    deelnemer = await session.get(Deelnemer, uuid.UUID(deelnemer_id))
    return _keuze(deelnemer).waarde if deelnemer is not None else deelnemer_id


async def resolve_deelnemer(session: AsyncSession, invoer: str) -> uuid.UUID | None:
    """The deelnemer meant by what was typed in the field; empty is ``None``.

    Raises :class:`ValidationFailed` naming the field when it names no deelnemer or more than one.
    """
    text = invoer.strip()
    if not text:
        return None
    match = _MET_IDENTIFICATIE.match(text)
    ref = match.group("ref").strip() if match else text
    if match or ":" in ref or _is_uuid(ref):
        try:
            return (await find_deelnemer(session, ref, FIELD)).id
        except NotFound as exc:
            raise ValidationFailed.single(FIELD, exc.detail) from None
    gevonden = list(
        await session.scalars(select(Deelnemer.id).where(Deelnemer.zoeknaam == fold(text)).limit(2))
    )
    if len(gevonden) == 1:
        return gevonden[0]
    if gevonden:
        raise ValidationFailed.single(
            FIELD,
            f"Er zijn meer deelnemers met de naam {text}; kies er een uit de suggesties of vul de "
            "identificatie in, bijvoorbeeld kvk:12345678.",
        )
    raise ValidationFailed.single(
        FIELD,
        f"Er is geen deelnemer met de naam {text}; kies een deelnemer uit de suggesties of vul de "
        "identificatie in, bijvoorbeeld kvk:12345678.",
    )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
