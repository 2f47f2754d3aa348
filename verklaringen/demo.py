"""Demo data of the verklaringen: the process in every state, run through the real services.

Every rolvervulling of the demo that rests on a verklaring rests on one issued here, through
aanmelding, toewijzing, intake, besluit, both signatures and afgifte, at dates in the past (a
:class:`FixedClock` per step):

- the four dienstverleners of the demo register (``DIENSTVERLENERS`` of
  :mod:`registry.ledenadministratie.demo`, aangemeld there) get their dienstverlener verklaring,
  which makes them actief and grants the role; two were issued more than a year ago, one was
  geschorst and hersteld since, one is renewed (the renewal is issued and holds from the day the
  first one ends), and after each afgifte the dienstverlener starts supporting deelnemers
  (``ondersteun_deelnemers`` of that module);
- the demo deelnemer (KvK 90000001) also holds a verklaring for the role GtK Beheerder, signed by the
  demo contact person, and another dienstverlener has one for that role waiting for its signature;
- three more organisations hold a dienstverlener verklaring that is ingetrokken (so they no longer
  hold the role, and the deelnemers they supported were told the relations end), geschorst, and
  verlopen (issued more than two years ago: they held the role last year, not today);
- one aanmelding is in intake (a concept intake, half answered) and one was afgewezen.

The people are the demo accounts (stelselbeheerder, casemanager, contact person; made here if the
accounts' demo has not run yet); the other organisations' contact persons get an account of their
own. Loading is idempotent: when any verklaring exists, nothing is added. Needs the catalogue, the
demo register and a signing key; without them it says what is missing and adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
from registry.ledenadministratie.demo import DIENSTVERLENERS, ondersteun_deelnemers
from registry.ledenadministratie.models import Deelnemer, DeelnemerIdentificatie
from registry.ledenadministratie.schemas import Beeindiging
from registry.ledenadministratie.services import end_ondersteuningsrelatie
from registry.signing import KeyRing, Signer
from registry.signing.errors import SigningError
from verklaringen import schemas
from verklaringen.models import Aanmelding, Verklaring
from verklaringen.pdf import PdfRenderer, WeasyPrintRenderer
from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes, levenscyclus
from verklaringen.services.queries import find_verklaring, today_of

ACTOR = Actor.system("demo")
_DEMO_USERS = {role: (email, naam) for email, naam, role in DEMO_USERS}
AANMELDING_VOOR_AFGIFTE = timedelta(days=21)
"""How long before its afgifte an organisation applied (and was assigned a casemanager)."""
BESLUIT_VOOR_AFGIFTE = timedelta(days=7)
"""How long before its afgifte the intake was done and the besluit taken (the first day it holds)."""


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
    relaties: int = 0
    """How many ondersteuningsrelaties the demo dienstverleners entered into."""

    def invoer(self, organisatie: _Organisatie, rol: str) -> schemas.AanmeldingInvoer:
        return schemas.AanmeldingInvoer(
            organisatie=organisatie.naam,
            identificaties=[schemas.IdentificatieInvoer(soort="kvk", waarde=organisatie.kvk)],
            rol=rol,
            contactpersoon=schemas.ContactpersoonInvoer(naam=organisatie.contact, email=organisatie.email),
            soort="softwareleverancier",
            motivatie="Wij ondersteunen gemeenten en zorgaanbieders bij hun aansluiting op het stelsel.",
        )

    async def aanmelding(self, invoer: schemas.AanmeldingInvoer, clock: Clock) -> str:
        """The organisation applies; the stelselbeheerder assigns the demo casemanager."""
        ontvangen = await aanmeldingen.dien_in(
            self.session, invoer, actor=Actor.anonymous("aanmeldformulier"), clock=clock, secret=self.secret
        )
        await self.toewijzen(ontvangen.referentie, clock)
        return ontvangen.referentie

    async def toewijzen(self, referentie: str, clock: Clock) -> None:
        await aanmeldingen.wijs_toe(
            self.session, referentie, uuid.UUID(self.casemanager.id), actor=ACTOR, clock=clock
        )

    async def tot_intake(self, invoer: schemas.AanmeldingInvoer, clock: Clock) -> tuple[str, schemas.Intake]:
        referentie = await self.aanmelding(invoer, clock)
        intake = await intakes.start_intake(self.session, referentie, principal=self.casemanager, clock=clock)
        return referentie, intake

    async def toegekend(self, referentie: str, clock: Clock) -> str:
        """Intake (every duty answered), proposal and besluit ``toekennen``: the verklaring is prepared
        and waits for the signatures. Returns its number."""
        cm = self.casemanager
        intake = await intakes.start_intake(self.session, referentie, principal=cm, clock=clock)
        antwoorden = [
            schemas.IntakeantwoordInvoer(
                duty_code=a.duty_code,
                ondersteund="ja" if a.verplicht or index % 3 else "deels",
                toelichting="Doorgenomen in het intakegesprek.",
                afspraken="" if a.verplicht or index % 3 else "Alleen voor deelnemers in de eigen regio.",
            )
            for index, a in enumerate(intake.antwoorden)
        ]
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
        return besluit.verklaring

    async def afgegeven(
        self, referentie: str, contact: Principal | None, moment: datetime
    ) -> schemas.Verklaring:
        """From an assigned aanmelding to an issued verklaring: intake and besluit a week before
        ``moment``, the deelnemer's signature an hour before, the afgifte at ``moment``."""
        nummer = await self.toegekend(referentie, FixedClock(moment - BESLUIT_VOOR_AFGIFTE))
        verklaring = await find_verklaring(self.session, nummer)
        if contact is None:
            contact = await self.contact(verklaring)
        await afgifte.onderteken_als_deelnemer(
            self.session,
            nummer,
            akkoord=True,
            document_hash=verklaring.inhoud_hash,
            principal=contact,
            clock=FixedClock(moment - timedelta(hours=1)),
        )
        return await afgifte.geef_af(
            self.session,
            nummer,
            document_hash=verklaring.inhoud_hash,
            principal=self.beheerder,
            clock=FixedClock(moment),
            signer=self.signer,
            base_url=self.base_url,
            renderer=self.renderer,
        )

    async def aangevraagd_en_afgegeven(
        self, invoer: schemas.AanmeldingInvoer, contact: Principal | None, moment: datetime
    ) -> schemas.Verklaring:
        referentie = await self.aanmelding(invoer, FixedClock(moment - AANMELDING_VOOR_AFGIFTE))
        return await self.afgegeven(referentie, contact, moment)

    def dagen_geleden(self, dagen: int) -> datetime:
        return self.clock.now() - timedelta(days=dagen)

    async def vernieuwd(self, nummer: str, *, aangevraagd: int, afgegeven: int) -> schemas.Verklaring:
        """The renewal of verklaring ``nummer``: applied for ``aangevraagd`` days ago, issued
        ``afgegeven`` days ago."""
        clock = FixedClock(self.dagen_geleden(aangevraagd))
        vernieuwing = await levenscyclus.vernieuw(self.session, nummer, principal=self.beheerder, clock=clock)
        await self.toewijzen(vernieuwing.referentie, clock)
        return await self.afgegeven(vernieuwing.referentie, None, self.dagen_geleden(afgegeven))

    async def ondersteunt(self, verklaring: schemas.Verklaring, tot: date | None = None) -> list[uuid.UUID]:
        """The dienstverlener starts supporting deelnemers after its afgifte (until ``tot``: today)."""
        afgegeven_op = verklaring.afgegeven_op or self.clock.now()
        ids = await ondersteun_deelnemers(
            self.session,
            verklaring.deelnemer.id,
            vanaf=today_of(afgegeven_op),
            tot=tot or today_of(self.clock.now()),
        )
        self.relaties += len(ids)
        return ids

    async def schors(self, nummer: str, reden: str, dagen_geleden: int) -> None:
        await levenscyclus.schors(
            self.session, nummer, reden, principal=self.beheerder,
            clock=FixedClock(self.dagen_geleden(dagen_geleden)), base_url=self.base_url,
        )  # fmt: skip

    async def herstel(self, nummer: str, reden: str, dagen_geleden: int) -> None:
        await levenscyclus.herstel(
            self.session, nummer, reden, principal=self.beheerder,
            clock=FixedClock(self.dagen_geleden(dagen_geleden)), base_url=self.base_url,
        )  # fmt: skip

    async def trek_in(self, nummer: str, reden: str, dagen_geleden: int) -> None:
        await levenscyclus.trek_in(
            self.session, nummer, reden, principal=self.beheerder,
            clock=FixedClock(self.dagen_geleden(dagen_geleden)), base_url=self.base_url,
        )  # fmt: skip

    async def contact(self, verklaring: Verklaring) -> Principal:
        """The account of the contact person named in the aanmelding; made when it is not there."""
        aanmelding = await self.session.get(Aanmelding, verklaring.aanmelding_id)
        assert aanmelding is not None
        user = await _user(self.session, aanmelding.contact_email)
        if user is None:
            user = await create_user(
                self.session,
                email=aanmelding.contact_email,
                display_name=aanmelding.contact_naam,
                role="deelnemer-contact",
                password=DEMO_PASSWORD,
                deelnemer_id=verklaring.deelnemer_id,
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


async def _demo_dienstverlener(session: AsyncSession, kvk: str) -> _Organisatie | None:
    """A dienstverlener of the demo register as it applies: its name, KvK-nummer and first contact."""
    deelnemer = await session.scalar(
        select(Deelnemer)
        .join(DeelnemerIdentificatie)
        .where(DeelnemerIdentificatie.soort == "kvk", DeelnemerIdentificatie.waarde == kvk)
    )
    if deelnemer is None or not deelnemer.contactpersonen:
        return None
    contact = deelnemer.contactpersonen[0]
    return _Organisatie(deelnemer.naam, kvk, contact.naam, contact.email)


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
    dienstverleners = [await _demo_dienstverlener(session, d.kvk) for d in DIENSTVERLENERS]
    if None in dienstverleners:
        return ["verklaringen: skipped, the dienstverleners of the demo register are not there"]
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
    try:
        return await _verhaal(
            demo, [d for d in dienstverleners if d is not None], principal_for_user(contact)
        )
    except NotFound as exc:
        return [f"verklaringen: skipped, {exc.detail}"]


async def _verhaal(demo: _Demo, dienstverleners: list[_Organisatie], contact: Principal) -> list[str]:
    """The demo's verklaringen from the first afgifte to today, in the order things happened, so
    that the numbers of aanmeldingen and verklaringen run with their dates."""
    koppelpunt, ketenlink, servicecentrum, samenwerkdata = dienstverleners
    dv, gtk = "dienstverlener", "gtk-beheerder"
    verlopen = await demo.aangevraagd_en_afgegeven(
        demo.invoer(ORGANISATIES["verlopen"], dv), None, demo.dagen_geleden(800)
    )
    eerste = await demo.aangevraagd_en_afgegeven(
        demo.invoer(servicecentrum, dv), None, demo.dagen_geleden(660)
    )
    await demo.ondersteunt(eerste)
    geldig = await demo.aangevraagd_en_afgegeven(
        demo.invoer(koppelpunt, dv), contact, demo.dagen_geleden(420)
    )
    await demo.ondersteunt(geldig)
    hersteld = await demo.aangevraagd_en_afgegeven(demo.invoer(ketenlink, dv), None, demo.dagen_geleden(380))
    await demo.ondersteunt(hersteld)
    ingetrokken = await demo.aangevraagd_en_afgegeven(
        demo.invoer(ORGANISATIES["ingetrokken"], dv), None, demo.dagen_geleden(200)
    )
    intrekking = demo.dagen_geleden(20)
    ondersteund = await demo.ondersteunt(ingetrokken, tot=today_of(intrekking))
    await demo.schors(hersteld.nummer, "Bij een penetratietest is een kwetsbaarheid gevonden.", 150)
    await demo.herstel(hersteld.nummer, "De kwetsbaarheid is verholpen; een hertest bevestigt dat.", 120)
    geschorst = await demo.aangevraagd_en_afgegeven(
        demo.invoer(ORGANISATIES["geschorst"], dv), None, demo.dagen_geleden(100)
    )
    await demo.ondersteunt(geschorst, tot=today_of(demo.dagen_geleden(5)))
    nieuw = await demo.aangevraagd_en_afgegeven(demo.invoer(samenwerkdata, dv), None, demo.dagen_geleden(90))
    await demo.ondersteunt(nieuw)
    beheer = await demo.aangevraagd_en_afgegeven(
        demo.invoer(koppelpunt, gtk), contact, demo.dagen_geleden(30)
    )
    # The servicecentrum renews before its verklaring ends; the renewal holds from that day on.
    opvolger = await demo.vernieuwd(eerste.nummer, aangevraagd=46, afgegeven=25)
    await demo.trek_in(ingetrokken.nummer, "De organisatie voldoet niet meer aan de verplichte taken.", 20)
    for relatie in ondersteund:
        await end_ondersteuningsrelatie(
            demo.session,
            relatie,
            Beeindiging(einddatum=today_of(intrekking), reden=f"Verklaring {ingetrokken.nummer} ingetrokken"),
            actor=ACTOR,
            clock=FixedClock(intrekking),
        )
    wacht = await demo.aanmelding(demo.invoer(samenwerkdata, gtk), FixedClock(demo.dagen_geleden(16)))
    afgewezen = await _afgewezen(demo, FixedClock(demo.dagen_geleden(10)))
    await demo.schors(geschorst.nummer, "Beveiligingsincident in onderzoek.", 5)
    referentie = await _in_intake(demo, demo.dagen_geleden(3))
    # Samenwerkdata's verklaring as GtK Beheerder is toegekend and waits for its contact person.
    te_ondertekenen = await demo.toegekend(wacht, FixedClock(demo.dagen_geleden(2)))
    return [
        f"verklaringen: {geldig.nummer} geldig (KvK {DEMO_DEELNEMER_KVK}; {beheer.nummer} as GtK Beheerder), "
        f"{hersteld.nummer} geschorst and hersteld, {eerste.nummer} renewed by {opvolger.nummer}, "
        f"{nieuw.nummer} geldig, {verlopen.nummer} verlopen, {ingetrokken.nummer} ingetrokken, "
        f"{geschorst.nummer} geschorst, {te_ondertekenen} ter ondertekening; "
        f"aanmelding {referentie} in intake, {afgewezen} afgewezen; {demo.relaties} ondersteuningsrelaties",
    ]


async def _in_intake(demo: _Demo, moment: datetime) -> str:
    referentie, intake = await demo.tot_intake(
        demo.invoer(ORGANISATIES["intake"], "dienstverlener"), FixedClock(moment)
    )
    half = [
        schemas.IntakeantwoordInvoer(duty_code=a.duty_code, ondersteund="ja", toelichting="Besproken.")
        for a in intake.antwoorden[: len(intake.antwoorden) // 2]
    ]
    await intakes.bewaar_intake(
        demo.session,
        intake.id,
        schemas.IntakeInvoer(antwoorden=half),
        principal=demo.casemanager,
        clock=demo.clock,
    )
    return referentie


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
