"""Demo data of the verklaringen: the process in every state, run through the real services.

- the demo deelnemer (KvK 90000001, already a dienstverlener in the demo register) has an afgegeven
  verklaring for the role GtK Beheerder, signed by the demo contact person;
- three more organisations hold a dienstverlener verklaring that is ingetrokken, geschorst, and
  verlopen (issued more than two years ago);
- one aanmelding is in intake (a concept intake, half answered) and one was afgewezen.

The people are the demo accounts (stelselbeheerder, casemanager, contact person; made here if the
accounts' demo has not run yet); the other organisations' contact persons get an account of their
own. Loading is idempotent: when any verklaring exists, nothing is added. Needs the catalogue, the
demo register and a signing key; without them it says what is missing and adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.demo import DEMO_DEELNEMER_KVK, DEMO_PASSWORD, DEMO_USERS
from registry.accounts.models import User
from registry.accounts.permissions import AccountRole, Principal
from registry.accounts.services import create_user, principal_for_user
from registry.audit.services import Actor
from registry.clock import Clock, FixedClock
from registry.demo import DemoContext
from registry.errors import NotFound
from registry.ledenadministratie.models import DeelnemerIdentificatie
from registry.signing import KeyRing, Signer
from registry.signing.errors import SigningError
from verklaringen import schemas
from verklaringen.models import Verklaring
from verklaringen.pdf import PdfRenderer, WeasyPrintRenderer
from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes, levenscyclus
from verklaringen.services.queries import find_verklaring

ACTOR = Actor.system("demo")
_DEMO_USERS = {role: (email, naam) for email, naam, role in DEMO_USERS}


@dataclass(frozen=True, slots=True)
class _Organisatie:
    naam: str
    kvk: str
    contact: str
    email: str


ORGANISATIES = {
    "ingetrokken": _Organisatie(
        "Verbindingshuis Oost B.V.", "91000002", "Ilse Oost", "contact@verbindingshuis.example"
    ),
    "geschorst": _Organisatie(
        "Jeugdnet Diensten B.V.", "91000003", "Gert Jansen", "contact@jeugdnet.example"
    ),
    "verlopen": _Organisatie("Oude Schakel B.V.", "91000004", "Vera Schakel", "contact@oudeschakel.example"),
    "intake": _Organisatie(
        "Nieuwkomer Services B.V.", "91000005", "Nina Nieuw", "contact@nieuwkomer.example"
    ),
    "afgewezen": _Organisatie(
        "Twijfelachtig Advies B.V.", "91000006", "Ton Twijfel", "contact@twijfel.example"
    ),
}


@dataclass
class _Demo:
    session: AsyncSession
    secret: str
    base_url: str
    signer: Signer
    renderer: PdfRenderer
    beheerder: Principal
    casemanager: Principal
    clock: Clock

    def invoer(self, organisatie: _Organisatie, rol: str) -> schemas.AanmeldingInvoer:
        return schemas.AanmeldingInvoer(
            organisatie=organisatie.naam,
            identificaties=[schemas.IdentificatieInvoer(soort="kvk", waarde=organisatie.kvk)],
            rol=rol,
            contactpersoon=schemas.ContactpersoonInvoer(naam=organisatie.contact, email=organisatie.email),
            soort="softwareleverancier",
            motivatie="Wij ondersteunen gemeenten en zorgaanbieders bij hun aansluiting op het stelsel.",
        )

    async def tot_intake(self, invoer: schemas.AanmeldingInvoer, clock: Clock) -> tuple[str, schemas.Intake]:
        ontvangen = await aanmeldingen.dien_in(
            self.session, invoer, actor=Actor.anonymous("aanmeldformulier"), clock=clock, secret=self.secret
        )
        await aanmeldingen.wijs_toe(
            self.session, ontvangen.referentie, uuid.UUID(self.casemanager.id), actor=ACTOR, clock=clock
        )
        intake = await intakes.start_intake(
            self.session, ontvangen.referentie, principal=self.casemanager, clock=clock
        )
        return ontvangen.referentie, intake

    async def afgegeven(
        self, invoer: schemas.AanmeldingInvoer, contact: Principal | None, clock: Clock
    ) -> str:
        referentie, intake = await self.tot_intake(invoer, clock)
        antwoorden = [
            schemas.IntakeantwoordInvoer(
                duty_code=a.duty_code,
                ondersteund="ja" if a.verplicht or index % 3 else "deels",
                toelichting="Doorgenomen in het intakegesprek.",
                afspraken="" if a.verplicht or index % 3 else "Alleen voor deelnemers in de eigen regio.",
            )
            for index, a in enumerate(intake.antwoorden)
        ]
        cm = self.casemanager
        await intakes.bewaar_intake(
            self.session, intake.id, schemas.IntakeInvoer(antwoorden=antwoorden), principal=cm, clock=clock
        )
        await intakes.rond_intake_af(
            self.session, intake.id, principal=cm, clock=clock, renderer=self.renderer
        )
        await besluiten.stel_voor(
            self.session,
            referentie,
            schemas.VoorstelInvoer(
                voorstel="toekennen", motivering="Alle verplichte taken worden ondersteund."
            ),
            principal=cm,
            clock=clock,
        )
        besluit = await besluiten.besluit(
            self.session,
            referentie,
            schemas.BesluitInvoer(uitkomst="toekennen"),
            principal=self.beheerder,
            clock=clock,
        )
        assert besluit.verklaring is not None
        verklaring = await find_verklaring(self.session, besluit.verklaring)
        if contact is None:
            contact = await self.contact(invoer, verklaring.deelnemer_id)
        await afgifte.onderteken_als_deelnemer(
            self.session,
            verklaring.nummer,
            akkoord=True,
            document_hash=verklaring.inhoud_hash,
            principal=contact,
            clock=clock,
        )
        await afgifte.geef_af(
            self.session,
            verklaring.nummer,
            document_hash=verklaring.inhoud_hash,
            principal=self.beheerder,
            clock=FixedClock(clock.now() + timedelta(hours=1)),
            signer=self.signer,
            base_url=self.base_url,
            renderer=self.renderer,
        )
        return verklaring.nummer

    async def contact(self, invoer: schemas.AanmeldingInvoer, deelnemer_id: uuid.UUID) -> Principal:
        email = invoer.contactpersoon.email
        user = await self.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = await create_user(
                self.session,
                email=email,
                display_name=invoer.contactpersoon.naam,
                role="deelnemer-contact",
                password=DEMO_PASSWORD,
                deelnemer_id=deelnemer_id,
                actor=ACTOR,
                clock=self.clock,
            )
        return principal_for_user(user)


async def _user(session: AsyncSession, email: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.email == email))
    return user


async def _demo_user(session: AsyncSession, role: AccountRole, clock: Clock) -> User | None:
    """The demo account with this role; made here (as the accounts' demo would) when it is not there
    yet, because the domains' demo data may be loaded in any order. The contact person belongs to the
    demo deelnemer, so it can only be made once that deelnemer exists."""
    email, naam = _DEMO_USERS[role]
    user = await _user(session, email)
    if user is not None:
        return user
    deelnemer_id = None
    if role is AccountRole.DEELNEMER_CONTACT:
        deelnemer_id = await session.scalar(
            select(DeelnemerIdentificatie.deelnemer_id).where(
                DeelnemerIdentificatie.soort == "kvk", DeelnemerIdentificatie.waarde == DEMO_DEELNEMER_KVK
            )
        )
        if deelnemer_id is None:
            return None
    return await create_user(
        session,
        email=email,
        display_name=naam,
        role=role.value,
        password=DEMO_PASSWORD,
        deelnemer_id=deelnemer_id,
        actor=ACTOR,
        clock=clock,
    )


async def load_demo_verklaringen(
    session: AsyncSession,
    *,
    clock: Clock,
    secret: str,
    base_url: str,
    keyring: KeyRing,
    renderer: PdfRenderer,
) -> list[str]:
    """Fill the verklaringen with the demo process (see the module docstring)."""
    if await session.scalar(select(func.count()).select_from(Verklaring)):
        return ["verklaringen: demo verklaringen already present"]
    beheerder = await _demo_user(session, AccountRole.STELSELBEHEERDER, clock)
    casemanager = await _demo_user(session, AccountRole.CASEMANAGER, clock)
    contact = await _demo_user(session, AccountRole.DEELNEMER_CONTACT, clock)
    if beheerder is None or casemanager is None or contact is None or contact.deelnemer_id is None:
        return [f"verklaringen: skipped, there is no demo deelnemer with KvK {DEMO_DEELNEMER_KVK} yet"]
    try:
        signer = keyring.active_signer()
    except SigningError:
        return ["verklaringen: skipped, there is no signing key (stelsel keys generate)"]
    demo = _Demo(
        session,
        secret,
        base_url,
        signer,
        renderer,
        principal_for_user(beheerder),
        principal_for_user(casemanager),
        clock,
    )
    now = clock.now()
    try:
        geldig = await demo.afgegeven(
            demo.invoer(
                _Organisatie(
                    "Koppelpunt Dienstverlening B.V.", "90000001", contact.display_name, contact.email
                ),
                "gtk-beheerder",
            ),
            principal_for_user(contact),
            FixedClock(now - timedelta(days=30)),
        )
        verlopen = await demo.afgegeven(
            demo.invoer(ORGANISATIES["verlopen"], "dienstverlener"),
            None,
            FixedClock(now - timedelta(days=800)),
        )
        ingetrokken = await demo.afgegeven(
            demo.invoer(ORGANISATIES["ingetrokken"], "dienstverlener"),
            None,
            FixedClock(now - timedelta(days=200)),
        )
        await levenscyclus.trek_in(
            session,
            ingetrokken,
            "De organisatie voldoet niet meer aan de verplichte taken.",
            principal=demo.beheerder,
            clock=FixedClock(now - timedelta(days=20)),
            base_url=base_url,
        )
        geschorst = await demo.afgegeven(
            demo.invoer(ORGANISATIES["geschorst"], "dienstverlener"),
            None,
            FixedClock(now - timedelta(days=100)),
        )
        await levenscyclus.schors(
            session,
            geschorst,
            "Beveiligingsincident in onderzoek.",
            principal=demo.beheerder,
            clock=FixedClock(now - timedelta(days=5)),
            base_url=base_url,
        )
        referentie, intake = await demo.tot_intake(
            demo.invoer(ORGANISATIES["intake"], "dienstverlener"), FixedClock(now - timedelta(days=3))
        )
        half = [
            schemas.IntakeantwoordInvoer(duty_code=a.duty_code, ondersteund="ja", toelichting="Besproken.")
            for a in intake.antwoorden[: len(intake.antwoorden) // 2]
        ]
        await intakes.bewaar_intake(
            session, intake.id, schemas.IntakeInvoer(antwoorden=half), principal=demo.casemanager, clock=clock
        )
        afgewezen = await _afgewezen(demo, FixedClock(now - timedelta(days=10)))
    except NotFound as exc:
        return [f"verklaringen: skipped, {exc.detail}"]
    return [
        f"verklaringen: {geldig} geldig (KvK 90000001), {verlopen} verlopen, {ingetrokken} ingetrokken, "
        f"{geschorst} geschorst; aanmelding {referentie} in intake, {afgewezen} afgewezen"
    ]


async def _afgewezen(demo: _Demo, clock: Clock) -> str:
    referentie, _intake = await demo.tot_intake(
        demo.invoer(ORGANISATIES["afgewezen"], "dienstverlener"), clock
    )
    await besluiten.stel_voor(
        demo.session,
        referentie,
        schemas.VoorstelInvoer(
            voorstel="afwijzen", motivering="Ondersteunt geen deelnemers van het stelsel."
        ),
        principal=demo.casemanager,
        clock=clock,
    )
    await besluiten.besluit(
        demo.session,
        referentie,
        schemas.BesluitInvoer(
            uitkomst="afwijzen",
            reden="De organisatie ondersteunt geen deelnemers van het stelsel bij hun aansluiting.",
        ),
        principal=demo.beheerder,
        clock=clock,
    )
    return referentie


async def demo_loader(context: DemoContext) -> list[str]:
    settings = context.settings
    return await load_demo_verklaringen(
        context.session,
        clock=context.clock,
        secret=settings.secret_key,
        base_url=settings.base_url,
        keyring=KeyRing(settings.keys_dir, active_key_pem=settings.signing_key_pem),
        renderer=WeasyPrintRenderer(),
    )
