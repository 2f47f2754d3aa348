"""Verklaringen for a generated register, and the timed afgifte, through the real services.

A verklaring is the end of a process with a PDF, two signatures, an attestation and a status list
entry; copying rows would skip exactly what a bench should measure. So each verklaring here walks
the process as the portal does: aanmelding (``dien_in``) → toewijzen → intake (answers per duty,
afgerond, intakeformulier PDF) → voorstel → besluit → ondertekening by the deelnemer → afgifte by the
stelsel (PDF, attestation, status list index, rolvervulling). :func:`generate` stops organisations
at every state on the way, and takes afgegeven ones on to ingetrokken, geschorst and verlopen.
:func:`afgifte_timings` runs the whole process N times in a row and times each run and its afgifte
step.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from registry.accounts.models import User
from registry.accounts.permissions import Principal
from registry.accounts.services import create_user, principal_for_user
from registry.audit.services import Actor
from registry.clock import Clock, FixedClock, SystemClock
from registry.database import create_session_factory
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.settings import Settings
from registry.signing import KeyRing, Signer

ROL = "dienstverlener"
PASSWORD = "bench-wachtwoord-2026"  # accounts of a generated register only
BEHEERDER = "beheerder@bench.example"
CASEMANAGER = "casemanager@bench.example"
# the order of the process; a verklaring generated "up to" a state stops there
STAPPEN = (
    "ingediend",
    "in-intake",
    "intake-afgerond",
    "voorgesteld",
    "ter-ondertekening",
    "ondertekend-deelnemer",
    "afgegeven",
)
NA_AFGIFTE = ("ingetrokken", "geschorst", "verlopen")
AFGEWEZEN = "afgewezen"
ALLE_STATEN = (*STAPPEN, AFGEWEZEN, *NA_AFGIFTE)


@dataclass(slots=True)
class Proces:
    """What running the process needs: a session, the signer, the PDF renderer and the people."""

    session: AsyncSession
    settings: Settings
    signer: Signer
    renderer: Any
    beheerder: Principal
    casemanager: Principal
    new_kvk: Callable[[], str]

    async def contact(self, naam: str, email: str, deelnemer_id: uuid.UUID, clock: Clock) -> Principal:
        user = await self.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = await create_user(
                self.session,
                email=email,
                display_name=naam,
                role="deelnemer-contact",
                password=PASSWORD,
                deelnemer_id=deelnemer_id,
                actor=Actor.cli("stelsel bench"),
                clock=clock,
            )
        return principal_for_user(user)

    async def run(self, tot: str, clock: Clock, volgnummer: int) -> tuple[str, dict[str, float]]:
        """Walk one new organisation's aanmelding up to state ``tot``; returns its referentie or
        verklaring nummer and the seconds each step took."""
        from verklaringen import schemas
        from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes, levenscyclus
        from verklaringen.services.queries import find_verklaring

        timings: dict[str, float] = {}
        started = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal started
            now = time.perf_counter()
            timings[name] = now - started
            started = now

        kvk = self.new_kvk()
        naam = f"Bench Dienstverlener {volgnummer} B.V."
        email = f"contact{volgnummer}@dienstverlener-{kvk}.example"
        invoer = schemas.AanmeldingInvoer(
            organisatie=naam,
            identificaties=[schemas.IdentificatieInvoer(soort="kvk", waarde=kvk)],
            rol=ROL,
            contactpersoon=schemas.ContactpersoonInvoer(naam="Bente Bench", email=email),
            soort="softwareleverancier",
            motivatie="Wij ondersteunen deelnemers bij hun aansluiting op het stelsel.",
        )
        session, cm = self.session, self.casemanager
        ontvangen = await aanmeldingen.dien_in(
            session,
            invoer,
            actor=Actor.anonymous("aanmeldformulier"),
            clock=clock,
            secret=self.settings.secret_key,
        )
        referentie = ontvangen.referentie
        lap("aanmelding")
        if tot == "ingediend":
            return referentie, timings
        await aanmeldingen.wijs_toe(
            session, referentie, uuid.UUID(cm.id), actor=Actor.cli("bench"), clock=clock
        )
        intake = await intakes.start_intake(session, referentie, principal=cm, clock=clock)
        lap("intake-gestart")
        if tot == "in-intake":
            return referentie, timings
        antwoorden = [
            schemas.IntakeantwoordInvoer(
                duty_code=antwoord.duty_code,
                ondersteund="ja" if antwoord.verplicht or index % 3 else "deels",
                toelichting="Doorgenomen in het intakegesprek.",
                afspraken="" if antwoord.verplicht or index % 3 else "Alleen in de eigen regio.",
            )
            for index, antwoord in enumerate(intake.antwoorden)
        ]
        await intakes.bewaar_intake(
            session, intake.id, schemas.IntakeInvoer(antwoorden=antwoorden), principal=cm, clock=clock
        )
        await intakes.rond_intake_af(session, intake.id, principal=cm, clock=clock, renderer=self.renderer)
        lap("intake-afgerond")
        if tot == "intake-afgerond":
            return referentie, timings
        afwijzen = tot == AFGEWEZEN
        await besluiten.stel_voor(
            session,
            referentie,
            schemas.VoorstelInvoer(
                voorstel="afwijzen" if afwijzen else "toekennen",
                motivering="Ondersteunt geen deelnemers."
                if afwijzen
                else "Alle verplichte taken worden ondersteund.",
            ),
            principal=cm,
            clock=clock,
        )
        lap("voorstel")
        if tot == "voorgesteld":
            return referentie, timings
        besluit = await besluiten.besluit(
            session,
            referentie,
            schemas.BesluitInvoer(uitkomst="afwijzen", reden="Ondersteunt geen deelnemers van het stelsel.")
            if afwijzen
            else schemas.BesluitInvoer(uitkomst="toekennen"),
            principal=self.beheerder,
            clock=clock,
        )
        lap("besluit")
        if afwijzen or besluit.verklaring is None:
            return referentie, timings
        verklaring = await find_verklaring(session, besluit.verklaring)
        nummer, document_hash = verklaring.nummer, verklaring.inhoud_hash
        if tot == "ter-ondertekening":
            return nummer, timings
        contact = await self.contact("Bente Bench", email, verklaring.deelnemer_id, clock)
        lap("contact-account")
        await afgifte.onderteken_als_deelnemer(
            session, nummer, akkoord=True, document_hash=document_hash, principal=contact, clock=clock
        )
        lap("ondertekening-deelnemer")
        if tot == "ondertekend-deelnemer":
            return nummer, timings
        await afgifte.geef_af(
            session,
            nummer,
            document_hash=document_hash,
            principal=self.beheerder,
            clock=FixedClock(clock.now() + timedelta(hours=1)),
            signer=self.signer,
            base_url=self.settings.base_url,
            renderer=self.renderer,
        )
        lap("afgifte")
        base_url = self.settings.base_url
        later = FixedClock(clock.now() + timedelta(days=10))
        if tot == "ingetrokken":
            await levenscyclus.trek_in(
                session,
                nummer,
                "Voldoet niet meer aan de verplichte taken.",
                principal=self.beheerder,
                clock=later,
                base_url=base_url,
            )
        elif tot == "geschorst":
            await levenscyclus.schors(
                session,
                nummer,
                "Beveiligingsincident in onderzoek.",
                principal=self.beheerder,
                clock=later,
                base_url=base_url,
            )
        return nummer, timings


async def _person(session: AsyncSession, email: str, role: str, clock: Clock) -> Principal:
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = await create_user(
            session,
            email=email,
            display_name=email.split("@", maxsplit=1)[0].capitalize(),
            role=role,
            password=PASSWORD,
            deelnemer_id=None,
            actor=Actor.cli("stelsel bench"),
            clock=clock,
        )
    return principal_for_user(user)


def _kvk_source(rng: random.Random, taken: set[str]) -> Callable[[], str]:
    def new_kvk() -> str:
        while True:
            waarde = generate_valid(IdentificatieSoort.KVK, rng).waarde
            if waarde not in taken:
                taken.add(waarde)
                return waarde

    return new_kvk


async def proces(session: AsyncSession, settings: Settings, new_kvk: Callable[[], str]) -> Proces:
    from verklaringen.pdf import WeasyPrintRenderer

    clock = SystemClock()
    return Proces(
        session=session,
        settings=settings,
        signer=KeyRing(settings.keys_dir).active_signer(),
        renderer=WeasyPrintRenderer(),
        beheerder=await _person(session, BEHEERDER, "stelselbeheerder", clock),
        casemanager=await _person(session, CASEMANAGER, "casemanager", clock),
        new_kvk=new_kvk,
    )


def kvk_needed(per_state: int) -> int:
    """How many new KvK-nummers :func:`generate` asks ``new_kvk`` for: one per organisation."""
    return per_state * len(ALLE_STATEN)


async def generate(
    engine: AsyncEngine,
    settings: Settings,
    rng: random.Random,
    new_kvk: Callable[[], str],
    per_state: int,
) -> tuple[dict[str, int], list[str]]:
    """``per_state`` verklaringen (or aanmeldingen) in every state, each for a new organisation
    with a KvK-nummer from ``new_kvk``; returns the counts per state and the numbers of the valid
    (afgegeven, geldig) verklaringen."""
    factory: async_sessionmaker[AsyncSession] = create_session_factory(engine)
    counts: dict[str, int] = {}
    geldig: list[str] = []
    now = SystemClock().now()
    async with factory() as session:
        flow = await proces(session, settings, new_kvk)
        volgnummer = 0
        for state in ALLE_STATEN:
            for _ in range(per_state):
                volgnummer += 1
                days_ago = 800 if state == "verlopen" else rng.randint(20, 300)
                tot = "afgegeven" if state == "verlopen" else state
                nummer, _ = await flow.run(tot, FixedClock(now - timedelta(days=days_ago)), volgnummer)
                counts[state] = counts.get(state, 0) + 1
                if state == "afgegeven":
                    geldig.append(nummer)
    return counts, geldig


async def attestaties(engine: AsyncEngine, nummers: list[str]) -> list[str]:
    """The attestation tokens (compact JWS) of these verklaringen."""
    from verklaringen.models import Verklaring

    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Verklaring.attestatie).where(
                Verklaring.nummer.in_(nummers), Verklaring.attestatie.is_not(None)
            )
        )
        return [str(row[0]) for row in rows]


async def afgifte_timings(
    engine: AsyncEngine, settings: Settings, runs: int, seed: int = 7
) -> dict[str, Any]:
    """Run the process ``runs`` times in a row up to afgifte; the seconds per step of every run."""
    from registry.ledenadministratie.models import DeelnemerIdentificatie

    async with engine.connect() as connection:
        taken = set(
            (
                await connection.execute(
                    select(DeelnemerIdentificatie.waarde).where(DeelnemerIdentificatie.soort == "kvk")
                )
            ).scalars()
        )
    runs_timings: list[dict[str, float]] = []
    async with create_session_factory(engine)() as session:
        flow = await proces(session, settings, _kvk_source(random.Random(seed), taken))
        for volgnummer in range(runs):
            _, timings = await flow.run("afgegeven", SystemClock(), 900_000 + volgnummer)
            runs_timings.append(timings)
    return {"runs": runs_timings}
