"""A deelnemer's history as the beheer screens show it: what the audit trail recorded about it.

The trail knows each event by the entity it changed; a deelnemer's history is the events of the
deelnemer itself, of its rolvervullingen and of the ondersteuningsrelaties it is a party to.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.queries import event_read
from registry.audit.schemas import AuditEventRead
from registry.ledenadministratie.models import Ondersteuningsrelatie, Rolvervulling


async def audit_van(
    session: AsyncSession, deelnemer_id: uuid.UUID, limit: int = 10
) -> tuple[list[AuditEventRead], int]:
    """The last ``limit`` audit events about the deelnemer, newest first, and how many there are."""
    rollen = select(Rolvervulling.id).where(Rolvervulling.deelnemer_id == deelnemer_id)
    relaties = select(Ondersteuningsrelatie.id).where(
        or_(
            Ondersteuningsrelatie.deelnemer_id == deelnemer_id,
            Ondersteuningsrelatie.dienstverlener_id == deelnemer_id,
        )
    )
    ids = [str(deelnemer_id), *(str(i) for i in await session.scalars(rollen.union(relaties)))]
    where = AuditEvent.entity_id.in_(ids)
    total = await session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0
    events = await session.scalars(
        select(AuditEvent).where(where).order_by(AuditEvent.seq.desc()).limit(limit)
    )
    return [event_read(event) for event in events], int(total)
