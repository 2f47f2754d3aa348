"""The ledenadministratie's answer to the catalogue's question "which deelnemers fill this role?"
(:mod:`roles.invulling`), registered from :mod:`registry.ledenadministratie.routes`.

Only public facts are given: the names of the deelnemers actief at the moment asked and holding the
role then as the rolcheck judges it (a rolvervulling on a verklaring that is geschorst or ingetrokken
at that moment grants nothing, :mod:`.services.houders`), and for a dienstverlening role the link to
the deelnemer's entry on the public list of dienstverleners.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie.models import Deelnemer, DeelnemerStatus, Statusperiode
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.dienstverleners import DIENSTVERLENING_ROLLEN
from registry.ledenadministratie.services.houders import geldige_houder_van
from registry.ledenadministratie.services.lookup import registered
from roles.invulling import Invuller, Invulling


def _publieke_vermelding(deelnemer: Deelnemer) -> str:
    """The deelnemer on the public list of dienstverleners, found by its first identificatie."""
    zoek = f"{deelnemer.identificaties[0].soort}:{deelnemer.identificaties[0].waarde}"
    return f"/dienstverleners?{urlencode({'zoek': zoek})}#dienstverlener-{deelnemer.id}"


async def deelnemers_met_rol(session: AsyncSession, rol_code: str, moment: datetime, limit: int) -> Invulling:
    """The deelnemers actief at ``moment`` and holding ``rol_code`` then (on a verklaring that holds
    then, if it rests on one): the first ``limit`` by name, and how many in all."""
    peildatum = Peildatum.at(moment)
    statement = registered(peildatum).where(
        Statusperiode.status == DeelnemerStatus.ACTIEF.value,
        await geldige_houder_van(session, [rol_code], peildatum),
    )
    totaal = await session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    deelnemers = await session.scalars(statement.order_by(Deelnemer.zoeknaam, Deelnemer.id).limit(limit))
    publiek = rol_code in DIENSTVERLENING_ROLLEN
    return Invulling(
        invullers=[
            Invuller(naam=d.naam, href=_publieke_vermelding(d) if publiek and d.identificaties else None)
            for d in deelnemers
        ],
        totaal=int(totaal),
    )
