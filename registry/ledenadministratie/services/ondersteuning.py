"""Ondersteuningsrelaties: a dienstverlener supporting a deelnemer with some of its role's duties.

Rules: the dienstverlener holds the ``dienstverlener`` role on the first day of the relation; the
duty codes are duties of that role in the catalogue; a deelnemer does not support itself; the same
dienstverlener and deelnemer have no overlapping relations (change the duties by ending one relation
and starting the next).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, audited_write
from registry.clock import Clock
from registry.errors import InvalidParam, InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie import schemas
from registry.ledenadministratie.catalogus import DIENSTVERLENER, catalogus_rol
from registry.ledenadministratie.errors import ConflictingInput
from registry.ledenadministratie.models import (
    Deelnemer,
    DeelnemerStatus,
    Ondersteuningsrelatie,
    Rolvervulling,
    Vervullingstatus,
)
from registry.ledenadministratie.peildatum import AMSTERDAM
from registry.ledenadministratie.schemas import Beeindiging, OndersteuningsrelatieCreate
from registry.ledenadministratie.services.lookup import ondersteuning_schema
from registry.ledenadministratie.services.queries import covers, get_deelnemer_by_id, overlaps
from registry.ledenadministratie.services.rolvervullingen import (
    RELATIE_ENTITY,
    check_beeindiging,
    close_ondersteuningsrelatie,
    omgekeerde_periode,
)
from registry.templating import format_datum


def _check_input(data: OndersteuningsrelatieCreate) -> tuple[list[str], list[InvalidParam]]:
    problems: list[InvalidParam] = []
    taken = list(dict.fromkeys(code.strip() for code in data.taken if code.strip()))
    if not taken:
        problems.append(InvalidParam("taken", "Kies ten minste één taak van de dienstverlener.", "required"))
    if data.dienstverlener_id == data.deelnemer_id:
        problems.append(
            InvalidParam("deelnemerId", "Een dienstverlener ondersteunt een andere deelnemer, niet zichzelf.")
        )
    if data.geldig_tot is not None and data.geldig_tot <= data.geldig_van:
        problems.append(omgekeerde_periode(data.geldig_van, data.geldig_tot, "de relatie"))
    return taken, problems


async def create_ondersteuningsrelatie(
    session: AsyncSession, data: OndersteuningsrelatieCreate, *, actor: Actor, clock: Clock
) -> Ondersteuningsrelatie:
    """Record that a dienstverlener supports a deelnemer with ``taken`` from ``geldigVan``."""
    taken, problems = _check_input(data)
    if problems:
        raise ValidationFailed(problems)
    async with audited_write(session, actor, clock) as tx:
        dienstverlener = await get_deelnemer_by_id(session, data.dienstverlener_id)
        deelnemer = await get_deelnemer_by_id(session, data.deelnemer_id)
        for party, field in ((dienstverlener, "dienstverlenerId"), (deelnemer, "deelnemerId")):
            if party.status == DeelnemerStatus.BEEINDIGD:
                raise ValidationFailed.single(field, f"{party.naam} is beëindigd.", "beeindigd")
        holds_role = await session.scalar(
            select(Rolvervulling.id).where(
                Rolvervulling.deelnemer_id == dienstverlener.id,
                Rolvervulling.rol_code == DIENSTVERLENER,
                covers(Rolvervulling.geldig_van, Rolvervulling.geldig_tot, data.geldig_van),
            )
        )
        if holds_role is None:
            raise ValidationFailed.single(
                "dienstverlenerId",
                f"{dienstverlener.naam} heeft op {format_datum(data.geldig_van)} niet de rol dienstverlener.",
                "geen-dienstverlener",
            )
        rol = await catalogus_rol(session, DIENSTVERLENER)
        known = set(rol.taken) if rol else set()
        unknown = [
            InvalidParam(
                f"taken[{index}]", f"'{code}' is geen taak van de rol dienstverlener.", "unknown-duty"
            )
            for index, code in enumerate(taken)
            if code not in known
        ]
        if unknown:
            raise ValidationFailed(unknown)
        overlapping = await session.scalar(
            select(Ondersteuningsrelatie)
            .where(
                Ondersteuningsrelatie.dienstverlener_id == dienstverlener.id,
                Ondersteuningsrelatie.deelnemer_id == deelnemer.id,
                overlaps(
                    Ondersteuningsrelatie.geldig_van,
                    Ondersteuningsrelatie.geldig_tot,
                    data.geldig_van,
                    data.geldig_tot,
                ),
            )
            .limit(1)
        )
        if overlapping is not None:
            raise ConflictingInput(
                [
                    InvalidParam(
                        "geldigVan",
                        f"{dienstverlener.naam} ondersteunt {deelnemer.naam} al vanaf "
                        f"{format_datum(overlapping.geldig_van)}; beëindig die relatie eerst.",
                        "overlap",
                    )
                ]
            )
        relatie = Ondersteuningsrelatie(
            dienstverlener_id=dienstverlener.id,
            deelnemer_id=deelnemer.id,
            taken=sorted(taken),
            geldig_van=data.geldig_van,
            geldig_tot=data.geldig_tot,
            status=Vervullingstatus.ACTIEF.value,
        )
        session.add(relatie)
        await session.flush()
        tx.record(
            "ondersteuningsrelatie.aangegaan",
            RELATIE_ENTITY,
            relatie.id,
            {
                name: {"before": None, "after": value}
                for name, value in {
                    "dienstverlenerId": dienstverlener.id, "deelnemerId": deelnemer.id,
                    "taken": relatie.taken,
                    "geldigVan": data.geldig_van, "geldigTot": data.geldig_tot, "status": relatie.status,
                }.items()
            },
        )  # fmt: skip
    return relatie


async def end_ondersteuningsrelatie(
    session: AsyncSession, relatie_id: uuid.UUID, data: Beeindiging, *, actor: Actor, clock: Clock
) -> Ondersteuningsrelatie:
    """End an ondersteuningsrelatie from ``einddatum`` (today or later)."""
    async with audited_write(session, actor, clock) as tx:
        relatie = await session.get(Ondersteuningsrelatie, relatie_id, populate_existing=True)
        if relatie is None:
            raise NotFound(f"Er is geen ondersteuningsrelatie met id {relatie_id}.")
        if relatie.status == Vervullingstatus.BEEINDIGD:
            raise InvalidTransition("Deze ondersteuningsrelatie is al beëindigd.")
        problems = check_beeindiging(
            data, relatie.geldig_van, relatie.geldig_tot, tx.now.astimezone(AMSTERDAM).date()
        )
        if problems:
            raise ValidationFailed(problems)
        close_ondersteuningsrelatie(tx, relatie, data.einddatum, data.reden.strip())
    return relatie


async def ondersteuningsrelaties_van(
    session: AsyncSession, deelnemer_id: uuid.UUID
) -> tuple[list[schemas.Ondersteuning], list[schemas.Ondersteuning]]:
    """Every ondersteuningsrelatie of a deelnemer, ended ones too, newest first: those in which it is
    supported (``ondersteund door``) and those in which it is the dienstverlener (``ondersteunt``)."""
    relaties = list(
        await session.scalars(
            select(Ondersteuningsrelatie)
            .where(
                (Ondersteuningsrelatie.deelnemer_id == deelnemer_id)
                | (Ondersteuningsrelatie.dienstverlener_id == deelnemer_id)
            )
            .order_by(Ondersteuningsrelatie.geldig_van.desc(), Ondersteuningsrelatie.created_at.desc())
        )
    )
    ids = {r.deelnemer_id for r in relaties} | {r.dienstverlener_id for r in relaties}
    partijen = {d.id: d for d in await session.scalars(select(Deelnemer).where(Deelnemer.id.in_(ids)))}
    items = [(relatie, ondersteuning_schema(relatie, partijen)) for relatie in relaties]
    return (
        [item for relatie, item in items if relatie.deelnemer_id == deelnemer_id],
        [item for relatie, item in items if relatie.dienstverlener_id == deelnemer_id],
    )
