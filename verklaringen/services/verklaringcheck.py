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
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie.verklaringcheck import Verklaringoordeel, Verklaringvraag
from verklaringen.models import Schorsing, Verklaring


def _tijdstip(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def verklaring_check(session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel:
    verklaring = await session.scalar(
        select(Verklaring).where(Verklaring.nummer == vraag.referentie.strip().upper())
    )
    if verklaring is None or verklaring.fase != "afgegeven":
        return Verklaringoordeel.nee(f"Er is geen afgegeven verklaring {vraag.referentie}.")
    nummer = verklaring.nummer
    if verklaring.deelnemer_id != vraag.deelnemer_id:
        return Verklaringoordeel.nee(f"Verklaring {nummer} is van een andere deelnemer.")
    if verklaring.rol_code != vraag.rol_code:
        return Verklaringoordeel.nee(f"Verklaring {nummer} is voor de rol {verklaring.rol_naam}.")
    if verklaring.ingetrokken_op is not None and verklaring.ingetrokken_op <= vraag.op:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} is ingetrokken sinds {_tijdstip(verklaring.ingetrokken_op)}."
        )
    if verklaring.geschorst_op is not None and verklaring.geschorst_op <= vraag.op:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} is geschorst sinds {_tijdstip(verklaring.geschorst_op)}."
        )
    # a suspension that has been lifted: the open period, if any, is the current one above
    hersteld = await session.scalar(
        select(Schorsing)
        .where(
            Schorsing.verklaring_id == verklaring.id,
            Schorsing.tot.is_not(None),
            Schorsing.van <= vraag.op,
            Schorsing.tot > vraag.op,
        )
        .order_by(Schorsing.van)
        .limit(1)
    )
    if hersteld is not None and hersteld.tot is not None:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} was geschorst van {_tijdstip(hersteld.van)} tot {_tijdstip(hersteld.tot)}."
        )
    if not verklaring.geldig_van <= vraag.geldig_van < verklaring.geldig_tot:
        return Verklaringoordeel.nee(
            f"Verklaring {nummer} geldt van {verklaring.geldig_van.isoformat()} "
            f"tot {verklaring.geldig_tot.isoformat()}; {vraag.geldig_van.isoformat()} valt daarbuiten."
        )
    return Verklaringoordeel.ja()
