"""The verklaring process driven through its services, for browser tests that need an aanmelding
or a verklaring in a given phase in the live server's database (with the demo accounts handling it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.demo import DEMO_USERS
from registry.accounts.models import User
from registry.accounts.permissions import AccountRole, Principal
from registry.accounts.services import principal_for_user
from registry.clock import Clock
from verklaringen import schemas
from verklaringen.pdf import PdfRenderer
from verklaringen.services import aanmeldingen, besluiten, intakes
from verklaringen.services.queries import find_aanmelding
from verklaringen.services.toegang import actor_of


@dataclass(frozen=True, slots=True)
class Behandelaars:
    """The demo casemanager (intake, voorstel) and stelselbeheerder (besluit, afgifte)."""

    casemanager: Principal
    beheerder: Principal

    @classmethod
    async def of_demo(cls, session: AsyncSession) -> Behandelaars:
        emails = {role: email for email, _, role in DEMO_USERS}

        async def principal(role: AccountRole) -> Principal:
            user = await session.scalar(select(User).where(User.email == emails[role]))
            assert user is not None, f"the demo account {emails[role]} is missing"
            return principal_for_user(user)

        return cls(await principal(AccountRole.CASEMANAGER), await principal(AccountRole.STELSELBEHEERDER))


@dataclass(frozen=True, slots=True)
class Toegekend:
    """An aanmelding after besluit *toekennen*: its intake and the verklaring awaiting signatures."""

    intake_id: uuid.UUID
    nummer: str


def aanmelding(
    organisatie: str,
    kvk: str,
    *,
    rol: str = "dienstverlener",
    contact: str = "Petra Proef",
    email: str = "petra@proef.example",
    motivatie: str = "Wij ondersteunen gemeenten bij hun aansluiting.",
) -> schemas.AanmeldingInvoer:
    return schemas.AanmeldingInvoer(
        organisatie=organisatie,
        identificaties=[schemas.IdentificatieInvoer(soort="kvk", waarde=kvk)],
        rol=rol,
        contactpersoon=schemas.ContactpersoonInvoer(naam=contact, email=email),
        soort="softwareleverancier",
        motivatie=motivatie,
    )


async def tot_verklaring(
    session: AsyncSession,
    referentie: str,
    *,
    behandelaars: Behandelaars,
    clock: Clock,
    renderer: PdfRenderer,
    toelichting: str = "Besproken in het intakegesprek.",
    motivering: str = "Alle verplichte taken worden ondersteund.",
) -> Toegekend:
    """Take an ingediende aanmelding through toewijzing, a complete intake (every duty ``ja``),
    voorstel and besluit *toekennen*; the verklaring then waits for the deelnemer's contact person
    to sign."""
    casemanager = behandelaars.casemanager
    await aanmeldingen.wijs_toe(
        session, referentie, uuid.UUID(casemanager.id), actor=actor_of(behandelaars.beheerder), clock=clock
    )
    intake = await intakes.start_intake(session, referentie, principal=casemanager, clock=clock)
    antwoorden = [
        schemas.IntakeantwoordInvoer(duty_code=antwoord.duty_code, ondersteund="ja", toelichting=toelichting)
        for antwoord in intake.antwoorden
    ]
    await intakes.bewaar_intake(
        session, intake.id, schemas.IntakeInvoer(antwoorden=antwoorden), principal=casemanager, clock=clock
    )
    await intakes.rond_intake_af(session, intake.id, principal=casemanager, clock=clock, renderer=renderer)
    await besluiten.stel_voor(
        session,
        referentie,
        schemas.VoorstelInvoer(voorstel="toekennen", motivering=motivering),
        principal=casemanager,
        clock=clock,
    )
    besluit = await besluiten.besluit(
        session,
        referentie,
        schemas.BesluitInvoer(uitkomst="toekennen"),
        principal=behandelaars.beheerder,
        clock=clock,
    )
    assert besluit.verklaring is not None
    return Toegekend(intake_id=intake.id, nummer=besluit.verklaring)


async def deelnemer_van(session: AsyncSession, referentie: str) -> uuid.UUID:
    """The deelnemer an aanmelding registered (or found)."""
    found = await find_aanmelding(session, referentie)
    assert found.deelnemer_id is not None
    return found.deelnemer_id
