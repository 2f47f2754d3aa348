"""The register's change feed: every change to deelnemers, rolvervullingen and ondersteuningsrelaties,
in the order of the audit trail's gap-free sequence.

An import of deelnemers from a file is one change of entity ``import``: each of its
``deelnemers.aangemeld`` events names new deelnemers in ``deelnemerIds`` (a system keeping a copy
fetches them), and its ``deelnemers.geimporteerd`` event gives their number.

A system that keeps a copy of the register asks for the changes ``sinds`` the last sequence number it
saw. Only public fields are shown: never contactpersonen, reasons or who made the change (those stay
in the audit trail, for auditors).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.audit.models import AuditEvent
from registry.ledenadministratie import schemas
from registry.ledenadministratie.models import Ondersteuningsrelatie, Rolvervulling

PUBLIC_FIELDS: dict[str, frozenset[str]] = {
    "deelnemer": frozenset(
        {"naam", "soort", "status", "identificaties", "regio", "website", "adres", "ingang"}
    ),
    "rolvervulling": frozenset(
        {
            "deelnemerId",
            "rolCode",
            "geldigVan",
            "geldigTot",
            "status",
            "release",
            "basisSoort",
            "basisReferentie",
        }
    ),
    "ondersteuningsrelatie": frozenset(
        {"dienstverlenerId", "deelnemerId", "taken", "geldigVan", "geldigTot", "status"}
    ),
    "import": frozenset({"aantal"}),
}
"""Per entity type of the register, the fields of its audit events the feed may show."""


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def _deelnemers_per_entity(session: AsyncSession, events: list[AuditEvent]) -> dict[str, list[str]]:
    """For each rolvervulling or ondersteuningsrelatie on the page, the deelnemer(s) it concerns."""
    ids: dict[str, set[uuid.UUID]] = {"rolvervulling": set(), "ondersteuningsrelatie": set()}
    for event in events:
        if event.entity_type in ids and (value := _uuid(event.entity_id)) is not None:
            ids[event.entity_type].add(value)
    found: dict[str, list[str]] = {}
    if ids["rolvervulling"]:
        rows = await session.execute(
            select(Rolvervulling.id, Rolvervulling.deelnemer_id).where(
                Rolvervulling.id.in_(ids["rolvervulling"])
            )
        )
        found |= {str(rid): [str(did)] for rid, did in rows.tuples()}
    if ids["ondersteuningsrelatie"]:
        rows2 = await session.execute(
            select(
                Ondersteuningsrelatie.id,
                Ondersteuningsrelatie.dienstverlener_id,
                Ondersteuningsrelatie.deelnemer_id,
            ).where(Ondersteuningsrelatie.id.in_(ids["ondersteuningsrelatie"]))
        )
        found |= {str(rid): [str(dv), str(dn)] for rid, dv, dn in rows2.tuples()}
    return found


def _deelnemer_ids(event: AuditEvent, per_entity: dict[str, list[str]]) -> list[str]:
    if event.entity_type == "deelnemer":
        return [event.entity_id]
    if event.entity_type == "import":
        ingelezen = event.changes.get("deelnemerIds")
        return list(ingelezen.get("after") or []) if isinstance(ingelezen, dict) else []
    return per_entity.get(event.entity_id, [])


def _gegevens(event: AuditEvent) -> dict[str, Any]:
    allowed = PUBLIC_FIELDS[event.entity_type]
    return {
        name: change.get("after") if isinstance(change, dict) else change
        for name, change in sorted(event.changes.items())
        if name in allowed
    }


async def list_wijzigingen(
    session: AsyncSession, sinds: int, paging: PageRequest
) -> tuple[list[schemas.Wijziging], int]:
    """Register changes with a sequence number above ``sinds``, oldest first."""
    where = (AuditEvent.seq > sinds, AuditEvent.entity_type.in_(PUBLIC_FIELDS))
    total = await session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    events = list(
        await session.scalars(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.seq)
            .offset(paging.offset)
            .limit(paging.page_size)
        )
    )
    deelnemers = await _deelnemers_per_entity(session, events)
    return [
        schemas.Wijziging(
            seq=event.seq,
            tijdstip=event.occurred_at,
            actie=event.action,
            entiteit=event.entity_type,
            entiteit_id=event.entity_id,
            deelnemer_ids=_deelnemer_ids(event, deelnemers),
            gegevens=_gegevens(event),
        )
        for event in events
    ], total
