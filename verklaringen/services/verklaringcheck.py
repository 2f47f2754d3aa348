"""The verklaringen domain's answer to the ledenadministratie's question "is this verklaring valid
for this deelnemer, this role, from this date?" (:mod:`registry.ledenadministratie.verklaringcheck`).

A verklaring vouches for a rolvervulling when it is afgegeven, names the same deelnemer and role,
is neither ingetrokken nor geschorst, and its period ``[geldig_van, geldig_tot)`` contains the
rolvervulling's first day.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie.verklaringcheck import Verklaringoordeel, Verklaringvraag
from verklaringen.models import Verklaring


async def verklaring_check(session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel:
    verklaring = await session.scalar(
        select(Verklaring).where(Verklaring.nummer == vraag.referentie.strip().upper())
    )
    if verklaring is None or verklaring.fase != "afgegeven":
        return Verklaringoordeel.nee(f"Er is geen afgegeven verklaring {vraag.referentie}.")
    if verklaring.deelnemer_id != vraag.deelnemer_id:
        return Verklaringoordeel.nee(f"Verklaring {verklaring.nummer} is van een andere deelnemer.")
    if verklaring.rol_code != vraag.rol_code:
        return Verklaringoordeel.nee(f"Verklaring {verklaring.nummer} is voor de rol {verklaring.rol_naam}.")
    if verklaring.ingetrokken_op is not None:
        return Verklaringoordeel.nee(f"Verklaring {verklaring.nummer} is ingetrokken.")
    if verklaring.geschorst_op is not None:
        return Verklaringoordeel.nee(f"Verklaring {verklaring.nummer} is geschorst.")
    if not verklaring.geldig_van <= vraag.geldig_van < verklaring.geldig_tot:
        return Verklaringoordeel.nee(
            f"Verklaring {verklaring.nummer} geldt van {verklaring.geldig_van.isoformat()} "
            f"tot {verklaring.geldig_tot.isoformat()}; {vraag.geldig_van.isoformat()} valt daarbuiten."
        )
    return Verklaringoordeel.ja()
