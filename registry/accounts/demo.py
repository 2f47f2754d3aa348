"""Demo accounts: one user per account role, all with the password in README.md (demo data only)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.accounts.permissions import AccountRole
from registry.accounts.services import create_user
from registry.audit.services import Actor
from registry.clock import Clock
from registry.errors import NotFound
from registry.ledenadministratie.services import find_deelnemer

DEMO_PASSWORD = "demo-wachtwoord-2026"  # noqa: S105  (published in README.md, demo data only)
DEMO_DEELNEMER_KVK = "90000001"

DEMO_USERS: tuple[tuple[str, str, AccountRole], ...] = (
    ("beheerder@stelselregister.example", "Bea Beheerder", AccountRole.STELSELBEHEERDER),
    ("casemanager@stelselregister.example", "Casper Casemanager", AccountRole.CASEMANAGER),
    ("auditor@stelselregister.example", "Auke Auditor", AccountRole.AUDITOR),
    ("contact@dienstverlener.example", "Connie Contact", AccountRole.DEELNEMER_CONTACT),
)


async def _demo_deelnemer(session: AsyncSession) -> uuid.UUID | None:
    """The demo deelnemer (KvK 90000001) from the ledenadministratie, when it has been loaded."""
    try:
        deelnemer = await find_deelnemer(session, f"kvk:{DEMO_DEELNEMER_KVK}")
    except NotFound:
        return None
    return deelnemer.id


async def load_demo_accounts(session: AsyncSession, clock: Clock) -> list[str]:
    """Create the four demo users that do not exist yet; safe to run again."""
    report: list[str] = []
    actor = Actor.system("demo")
    for email, name, role in DEMO_USERS:
        if await session.scalar(select(User.id).where(User.email == email)) is not None:
            report.append(f"accounts: {email} ({role.value}) already present")
            continue
        deelnemer_id = None
        if role == AccountRole.DEELNEMER_CONTACT:
            deelnemer_id = await _demo_deelnemer(session)
            if deelnemer_id is None:
                report.append(
                    f"accounts: {email} skipped: no deelnemer with KvK {DEMO_DEELNEMER_KVK} "
                    "in the ledenadministratie yet"
                )
                continue
        await create_user(
            session,
            email=email,
            display_name=name,
            role=role,
            password=DEMO_PASSWORD,
            deelnemer_id=deelnemer_id,
            actor=actor,
            clock=clock,
        )
        report.append(f"accounts: created {email} ({role.value})")
    return report
