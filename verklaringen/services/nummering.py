"""Human-readable numbers: ``AAN-2026-000123`` for aanmeldingen, ``VKL-2026-000042`` for verklaringen.

A number is the year and the next sequence number of that year. It is allocated inside the write
transaction: :func:`registry.audit.services.audited_write` takes the audit chain lock first, which
serialises every writer, so reading the highest number and adding one cannot race. A unique
constraint on ``(jaar, volgnummer)`` (and on the number itself) backs this in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from verklaringen.attestation import AMSTERDAM
from verklaringen.models import Aanmelding, Verklaring


def jaar_van(moment: datetime) -> int:
    return moment.astimezone(AMSTERDAM).year


def aanmelding_referentie(jaar: int, volgnummer: int) -> str:
    return f"AAN-{jaar}-{volgnummer:06d}"


def verklaring_nummer(jaar: int, volgnummer: int) -> str:
    return f"VKL-{jaar}-{volgnummer:06d}"


async def next_aanmelding_volgnummer(session: AsyncSession, jaar: int) -> int:
    highest = await session.scalar(select(func.max(Aanmelding.volgnummer)).where(Aanmelding.jaar == jaar))
    return int(highest or 0) + 1


async def next_verklaring_volgnummer(session: AsyncSession, jaar: int) -> int:
    highest = await session.scalar(select(func.max(Verklaring.volgnummer)).where(Verklaring.jaar == jaar))
    return int(highest or 0) + 1
