"""Who holds a role on a peildatum, judged as the rolcheck judges it.

A rolvervulling grants its role on the peildatum when its period covers the peildatum's date and, for
one on a verklaring, the verklaringen domain judges that verklaring valid then: afgegeven for this
deelnemer and role, its period containing the date, and at the peildatum's moment neither ingetrokken
nor geschorst (:mod:`registry.ledenadministratie.verklaringcheck`). The rolcheck asks this about one
deelnemer; a list asks it about all of its rows at once, through
:func:`~registry.ledenadministratie.verklaringcheck.check_verklaringen`, so that it takes the same few
statements whatever its length:

- :func:`verklaringbezwaren` says why the verklaring of each rolvervulling asked about does not hold,
  for a list that shows a deelnemer's roles and marks those that grant nothing now
  (:func:`markeer_rolbezwaren` fills in the ``verklaringbezwaar`` of the lookup answers' roles);
- :func:`geldige_houder_van` is the condition of a filter "holds role X on the peildatum", which leaves
  out a deelnemer whose rolvervulling rests on a verklaring that does not hold then.

Without a registered check a rolvervulling on a verklaring stands, as in the rolcheck: it was checked
when it was granted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie import schemas
from registry.ledenadministratie.models import (
    Basissoort,
    Deelnemer,
    DeelnemerIdentificatie,
    Rolvervulling,
)
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.queries import covers, houders
from registry.ledenadministratie.verklaringcheck import (
    Verklaringvraag,
    check_verklaringen,
    registered_verklaring_check,
)

GEEN_REDEN = "de verklaring is niet geldig."
"""The reason given when the verklaringen domain names none (as the rolcheck words it)."""


@dataclass(frozen=True, slots=True)
class Verklaringgrond:
    """A rolvervulling on a verklaring, with what the question about that verklaring needs: the
    deelnemer (its id and identificaties in ``soort:waarde`` form), the role and the verklaring's
    number (``referentie``)."""

    rolvervulling_id: uuid.UUID
    deelnemer_id: uuid.UUID
    identificaties: tuple[str, ...]
    rol_code: str
    referentie: str


async def verklaringbezwaren(
    session: AsyncSession, gronden: Sequence[Verklaringgrond], peildatum: Peildatum
) -> dict[uuid.UUID, str]:
    """Why the verklaring of each of these rolvervullingen does not hold on the peildatum, by
    rolvervulling id, in the words of the verklaringen domain (the rolcheck's reason without its
    "Niet toegekend: "). A rolvervulling whose verklaring holds is not in the answer, and none is when
    no verklaring check is registered. All questions are put at once."""
    vragen = [
        Verklaringvraag(
            referentie=grond.referentie,
            deelnemer_id=grond.deelnemer_id,
            identificaties=grond.identificaties,
            rol_code=grond.rol_code,
            geldig_van=peildatum.datum,
            op=peildatum.moment,
        )
        for grond in gronden
    ]
    oordelen = await check_verklaringen(session, vragen)
    if oordelen is None:
        return {}
    return {
        grond.rolvervulling_id: oordeel.reden or GEEN_REDEN
        for grond, oordeel in zip(gronden, oordelen, strict=True)
        if not oordeel.geldig
    }


def _gronden(deelnemer: schemas.Deelnemer, peildatum: Peildatum) -> list[Verklaringgrond]:
    """The deelnemer's rolvervullingen (its ``rollen``) on a verklaring that cover the peildatum's date."""
    datum = peildatum.datum
    identificaties = tuple(i.tekst for i in deelnemer.identificaties)
    return [
        Verklaringgrond(r.id, deelnemer.id, identificaties, r.rol_code, r.basis.referentie)
        for r in deelnemer.rollen
        if r.basis.soort == Basissoort.VERKLARING.value
        and r.geldig_van <= datum
        and (r.geldig_tot is None or datum < r.geldig_tot)
    ]


async def markeer_rolbezwaren(
    session: AsyncSession, deelnemers: Sequence[schemas.Deelnemer], peildatum: Peildatum
) -> None:
    """Fill in the ``verklaringbezwaar`` of every rolvervulling in the ``rollen`` of these deelnemers
    that covers the peildatum's date and grants nothing then because of its verklaring (see
    :func:`verklaringbezwaren`), judging those of all deelnemers at once; nothing is asked when none
    rests on a verklaring. Rolvervullingen of other days are history or plans, and are not judged."""
    gronden = [grond for d in deelnemers for grond in _gronden(d, peildatum)]
    if not gronden:
        return
    bezwaren = await verklaringbezwaren(session, gronden, peildatum)
    for d in deelnemers:
        for rol in d.rollen:
            rol.verklaringbezwaar = bezwaren.get(rol.id)


async def afgewezen_rolvervullingen(
    session: AsyncSession, rollen: Sequence[str], peildatum: Peildatum
) -> list[uuid.UUID]:
    """The ids of the rolvervullingen of ``rollen`` covering the peildatum's date whose verklaring
    does not hold then: one statement for them (with their deelnemers' identificaties), then the
    verklaringen domain's for all of them at once."""
    if registered_verklaring_check() is None:
        return []
    statement = (
        select(
            Rolvervulling.id,
            Rolvervulling.deelnemer_id,
            Rolvervulling.rol_code,
            Rolvervulling.basis_referentie,
            DeelnemerIdentificatie.soort,
            DeelnemerIdentificatie.waarde,
        )
        .outerjoin(DeelnemerIdentificatie, DeelnemerIdentificatie.deelnemer_id == Rolvervulling.deelnemer_id)
        .where(
            Rolvervulling.rol_code.in_(rollen),
            Rolvervulling.basis_soort == Basissoort.VERKLARING.value,
            covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, peildatum.datum),
        )
        .order_by(Rolvervulling.id, DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde)
    )
    rijen: dict[uuid.UUID, tuple[uuid.UUID, str, str]] = {}
    identificaties: dict[uuid.UUID, list[str]] = defaultdict(list)
    for rij in await session.execute(statement):
        rolvervulling_id, deelnemer_id, rol_code, referentie, soort, waarde = rij
        rijen[rolvervulling_id] = (deelnemer_id, rol_code, referentie)
        if soort is not None:
            identificaties[rolvervulling_id].append(f"{soort}:{waarde}")
    gronden = [
        Verklaringgrond(id_, deelnemer_id, tuple(identificaties[id_]), rol_code, referentie)
        for id_, (deelnemer_id, rol_code, referentie) in rijen.items()
    ]
    return list(await verklaringbezwaren(session, gronden, peildatum)) if gronden else []


async def geldige_houder_van(
    session: AsyncSession, rollen: Sequence[str], peildatum: Peildatum
) -> ColumnElement[bool]:
    """The deelnemer holds one of ``rollen`` on the peildatum: a rolvervulling covers its date and,
    when it rests on a verklaring, that verklaring holds then (see the module docstring). The
    verklaringen are judged first, all at once; the condition then leaves out the rolvervullingen
    whose verklaring does not hold."""
    afgewezen = await afgewezen_rolvervullingen(session, rollen, peildatum)
    gehouden = houders(rollen, peildatum.datum)
    if afgewezen:
        gehouden = gehouden.where(Rolvervulling.id.not_in(afgewezen))
    return Deelnemer.id.in_(gehouden)
