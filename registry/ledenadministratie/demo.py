"""Demo data of the ledenadministratie: a realistic register of a few dozen deelnemers.

Gemeenten (by their real names, with their jeugdzorgregio), politie-eenheden, Veilig Thuis
organisations, jeugdhulp- and zorgaanbieders, gecertificeerde instellingen, onderwijs and
dienstverleners; the organisations other than public bodies are invented. Identificaties are
generated well-formed from a fixed seed, so every run gives the same register; one dienstverlener has
KvK-nummer 90000001 (the demo deelnemer-contact account belongs to it).

There is some history: deelnemers were aangemeld and made actief over the last two years, one is
geschorst, one beëindigd, two are still aangemeld, and one gemeente was bronhouder last year but is
not any more.

The dienstverleners (:data:`DIENSTVERLENERS`, with fixed KvK-nummers) are only aangemeld here. The
dienstverlener role needs a verklaring, so they get it the way every dienstverlener does: the
verklaringen demo takes each through aanmelding, intake, besluit and afgifte, which grants the role
and makes the deelnemer actief, and then records the deelnemers it supports with
:func:`ondersteun_deelnemers` (an ondersteuningsrelatie needs that role).

Loading is idempotent: when the deelnemer with KvK 90000001 exists, nothing is added.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock, FixedClock
from registry.demo import DemoContext
from registry.ledenadministratie.catalogus import DIENSTVERLENER, CatalogusOntbreekt, catalogus_rol
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.ledenadministratie.models import Deelnemer, DeelnemerIdentificatie, DeelnemerStatus
from registry.ledenadministratie.naam import fold
from registry.ledenadministratie.peildatum import AMSTERDAM
from registry.ledenadministratie.schemas import (
    AdresInvoer,
    BasisInvoer,
    Beeindiging,
    ContactpersoonInvoer,
    DeelnemerCreate,
    IdentificatieInvoer,
    OndersteuningsrelatieCreate,
    RolvervullingCreate,
)
from registry.ledenadministratie.services import (
    change_deelnemer_status,
    create_deelnemer,
    create_ondersteuningsrelatie,
    create_rolvervulling,
    end_rolvervulling,
)

DEMO_KVK = "90000001"
SEED = 20261123
ACTOR = Actor.system("demo")

# Per gemeente: naam, jeugdzorgregio, plaats, and the postcode, straat and huisnummer of its town hall.
GEMEENTEN = (
    ("Gemeente Amsterdam", "Jeugdzorgregio Amsterdam-Amstelland", "Amsterdam", "1011 PN", "Amstel", "1"),
    ("Gemeente Rotterdam", "Jeugdzorgregio Rijnmond", "Rotterdam", "3011 AD", "Coolsingel", "40"),
    ("Gemeente 's-Gravenhage", "Jeugdzorgregio Haaglanden", "Den Haag", "2511 BT", "Spui", "70"),
    ("Gemeente Utrecht", "Jeugdzorgregio Utrecht Stad", "Utrecht", "3521 AZ", "Stadsplateau", "1"),
    ("Gemeente Eindhoven", "Jeugdzorgregio Zuidoost-Brabant", "Eindhoven", "5611 EM", "Stadhuisplein", "10"),
    ("Gemeente Groningen", "Jeugdzorgregio Groningen", "Groningen", "9712 HW", "Grote Markt", "1"),
    ("Gemeente Tilburg", "Jeugdzorgregio Hart van Brabant", "Tilburg", "5038 TC", "Stadhuisplein", "130"),
    ("Gemeente Almere", "Jeugdzorgregio Flevoland", "Almere", "1315 HR", "Stadhuisplein", "1"),
    (
        "Gemeente Nijmegen",
        "Jeugdzorgregio Rijk van Nijmegen",
        "Nijmegen",
        "6511 PK",
        "Korte Nieuwstraat",
        "6",
    ),
    ("Gemeente Enschede", "Jeugdzorgregio Twente", "Enschede", "7511 JD", "Langestraat", "24"),
    ("Gemeente Hengelo", "Jeugdzorgregio Twente", "Hengelo", "7551 EA", "Hazenweg", "120"),
    ("Gemeente Zwolle", "Jeugdzorgregio IJsselland", "Zwolle", "8011 PK", "Grote Kerkplein", "15"),
    ("Gemeente Leeuwarden", "Jeugdzorgregio Fryslân", "Leeuwarden", "8911 BK", "Oldehoofsterkerkhof", "2"),
    ("Gemeente Súdwest-Fryslân", "Jeugdzorgregio Fryslân", "Sneek", "8601 CG", "Marktstraat", "15"),
    ("Gemeente Maastricht", "Jeugdzorgregio Zuid-Limburg", "Maastricht", "6211 CD", "Mosae Forum", "10"),
    ("Gemeente Arnhem", "Jeugdzorgregio Centraal Gelderland", "Arnhem", "6811 EJ", "Koningstraat", "38"),
)
POLITIE = (
    ("Politie Eenheid Amsterdam", "Veiligheidsregio Amsterdam-Amstelland", "Amsterdam"),
    ("Politie Eenheid Rotterdam", "Veiligheidsregio Rotterdam-Rijnmond", "Rotterdam"),
    ("Politie Eenheid Midden-Nederland", "Veiligheidsregio Utrecht", "Utrecht"),
    ("Politie Eenheid Oost-Nederland", "Veiligheidsregio Twente", "Enschede"),
    ("Politie Eenheid Noord-Nederland", "Veiligheidsregio Fryslân", "Leeuwarden"),
)
VEILIG_THUIS = (
    ("Veilig Thuis Amsterdam-Amstelland", "Veiligheidsregio Amsterdam-Amstelland", "Amsterdam"),
    ("Veilig Thuis Rotterdam Rijnmond", "Veiligheidsregio Rotterdam-Rijnmond", "Rotterdam"),
    ("Veilig Thuis Utrecht", "Veiligheidsregio Utrecht", "Utrecht"),
    ("Veilig Thuis Twente", "Veiligheidsregio Twente", "Enschede"),
    ("Veilig Thuis Fryslân", "Veiligheidsregio Fryslân", "Leeuwarden"),
)
# Per organisation: naam, soort, regio and plaats.
ORGANISATIES = (
    ("Stichting Kompasroute Jeugdhulp", "jeugdhulpaanbieder", "Jeugdzorgregio Utrecht Stad", "Utrecht"),
    ("Jeugdhulp Rivierenland Samen", "jeugdhulpaanbieder", "Jeugdzorgregio Rijk van Nijmegen", "Nijmegen"),
    ("Stichting Opgroeien Noordwest", "jeugdhulpaanbieder", "Jeugdzorgregio Groningen", "Groningen"),
    ("Jeugdteam Zuidkust B.V.", "jeugdhulpaanbieder", "Jeugdzorgregio Rijnmond", "Rotterdam"),
    ("Zorggroep Lindehof", "zorgaanbieder", "Jeugdzorgregio Twente", "Hengelo"),
    ("GGZ Westerkwartier Zorg", "zorgaanbieder", "Jeugdzorgregio Groningen", "Groningen"),
    ("Thuiszorg De Brugwachter", "zorgaanbieder", "Jeugdzorgregio Haaglanden", "Den Haag"),
    (
        "Stichting Jeugdbescherming Lage Landen",
        "gecertificeerde-instelling",
        "Jeugdzorgregio Haaglanden",
        "Den Haag",
    ),
    (
        "Gecertificeerde Instelling Oostrand",
        "gecertificeerde-instelling",
        "Jeugdzorgregio Twente",
        "Enschede",
    ),
    (
        "Samenwerkingsverband Passend Onderwijs Eemvallei",
        "onderwijs",
        "Jeugdzorgregio Utrecht Stad",
        "Amersfoort",
    ),
    ("Zorg- en Veiligheidshuis Midden-Holland", "overig", "Veiligheidsregio Hollands Midden", "Gouda"),
)


@dataclass(frozen=True, slots=True)
class DemoDienstverlener:
    """A dienstverlener of the demo register, known to the verklaringen demo by its KvK-nummer."""

    naam: str
    plaats: str
    kvk: str


DIENSTVERLENERS = (
    DemoDienstverlener("Koppelpunt Dienstverlening B.V.", "Utrecht", DEMO_KVK),
    DemoDienstverlener("Ketenlink Coöperatie U.A.", "Zwolle", "90000002"),
    DemoDienstverlener("Regionaal Servicecentrum Jeugd Oost", "Enschede", "90000003"),
    DemoDienstverlener("Samenwerkdata B.V.", "Rotterdam", "90000004"),
)
DIENSTVERLENERS_AANGEMELD = 760
"""How many days ago the dienstverleners were aangemeld: before the first of their verklaringen."""
VOORNAMEN = (
    "Anouk",
    "Bram",
    "Daan",
    "Eva",
    "Fleur",
    "Hamza",
    "Iris",
    "Jesse",
    "Lotte",
    "Mohamed",
    "Noor",
    "Sem",
)
ACHTERNAMEN = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "El Idrissi",
    "Mulder",
    "de Boer",
    "Bos",
)
POSTCODE_LETTERS = ("AB", "CD", "GH", "KL", "RT")
FUNCTIES = ("Privacy officer", "Informatiemanager", "Functioneel beheerder", "Teamleider jeugd", "CISO")


@dataclass
class _Loader:
    session: AsyncSession
    clock: Clock
    rng: random.Random
    today: date
    report: list[str] = field(default_factory=list)

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, time(9, 30), tzinfo=AMSTERDAM)

    def contact(self, domein: str) -> ContactpersoonInvoer:
        voornaam, achternaam = self.rng.choice(VOORNAMEN), self.rng.choice(ACHTERNAMEN)
        local = f"{voornaam}.{achternaam}".lower().replace(" ", "")
        return ContactpersoonInvoer(
            naam=f"{voornaam} {achternaam}",
            functie=self.rng.choice(FUNCTIES),
            email=f"{local}@{domein}",
            telefoon=" ".join(
                (
                    f"0{self.rng.randrange(10, 80)}",
                    str(self.rng.randrange(100, 999)),
                    str(self.rng.randrange(1000, 9999)),
                )
            ),
        )

    async def deelnemer(
        self,
        naam: str,
        soort: str,
        regio: str,
        plaats: str,
        soorten: tuple[IdentificatieSoort, ...],
        *,
        kvk: str | None = None,
        adres: AdresInvoer | None = None,
        actief: bool = True,
        aangemeld: date | None = None,
    ) -> uuid.UUID:
        domein = fold(naam).replace(" ", "")[:24] + ".example"
        identificaties = [
            IdentificatieInvoer(
                soort="kvk", waarde=kvk or generate_valid(IdentificatieSoort.KVK, self.rng).waarde
            )
        ] + [IdentificatieInvoer(soort=s.value, waarde=generate_valid(s, self.rng).waarde) for s in soorten]
        if aangemeld is None:
            aangemeld = self.today - timedelta(days=self.rng.randrange(560, 700))
        deelnemer = await create_deelnemer(
            self.session,
            DeelnemerCreate(
                naam=naam,
                soort=soort,
                identificaties=identificaties,
                adres=adres
                or AdresInvoer(
                    straat=self.rng.choice(("Stationsplein", "Kerkstraat", "Havenweg", "Molenstraat")),
                    huisnummer=str(self.rng.randrange(1, 200)),
                    postcode=f"{self.rng.randrange(1000, 9999)} {self.rng.choice(POSTCODE_LETTERS)}",
                    plaats=plaats,
                ),
                regio=regio,
                website=f"https://www.{domein}",
                contactpersonen=[self.contact(domein) for _ in range(self.rng.randrange(1, 3))],
                aangemeld_op=self.moment(aangemeld),
            ),
            actor=ACTOR,
            clock=self.clock,
        )
        if actief:
            await change_deelnemer_status(
                self.session, deelnemer.id, "actief", "Aansluiting afgerond", actor=ACTOR, clock=self.clock,
                ingang=self.moment(aangemeld + timedelta(days=self.rng.randrange(14, 60))),
            )  # fmt: skip
        return deelnemer.id

    async def rol(
        self, deelnemer_id: uuid.UUID, rol_code: str, van: date, tot: date | None = None
    ) -> uuid.UUID:
        """A role granted by a besluit of the stelselbeheer (roles that need no verklaring)."""
        basis = BasisInvoer(soort="besluit", referentie=f"STB-{van.year}-{self.rng.randrange(10, 99)}")
        rolvervulling = await create_rolvervulling(
            self.session,
            deelnemer_id,
            RolvervullingCreate(rol_code=rol_code, geldig_van=van, geldig_tot=tot, basis=basis),
            actor=ACTOR,
            clock=self.clock,
        )
        return rolvervulling.id


async def _already_loaded(session: AsyncSession) -> bool:
    found = await session.scalar(
        select(DeelnemerIdentificatie.id).where(
            DeelnemerIdentificatie.soort == "kvk", DeelnemerIdentificatie.waarde == DEMO_KVK
        )
    )
    return found is not None


async def load_demo_register(session: AsyncSession, clock: Clock) -> list[str]:
    """Fill the ledenadministratie with the demo register (see the module docstring)."""
    if await _already_loaded(session):
        return ["ledenadministratie: demo register already present"]
    try:
        await catalogus_rol(session, DIENSTVERLENER)
    except CatalogusOntbreekt:
        return ["ledenadministratie: skipped, the role catalogue has no definitive release yet"]
    today = clock.now().astimezone(AMSTERDAM).date()
    loader = _Loader(session, clock, random.Random(SEED), today)  # noqa: S311 — demo data, not secrets
    this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 1, 1)
    start = date(today.year - 1, 3, 1)

    gemeenten = []
    for naam, regio, plaats, postcode, straat, huisnummer in GEMEENTEN:
        adres = AdresInvoer(straat=straat, huisnummer=huisnummer, postcode=postcode, plaats=plaats)
        gemeente = await loader.deelnemer(
            naam, "gemeente", regio, plaats, (IdentificatieSoort.OIN,), adres=adres
        )
        await loader.rol(gemeente, "deelnemende-organisatie", start)
        await loader.rol(gemeente, "afnemer", start)
        gemeenten.append(gemeente)
    # A gemeente that was bronhouder last year and is not any more.
    await loader.rol(gemeenten[3], "bronhouder", last_year, this_year)

    ketenpartners = []
    for naam, regio, plaats in POLITIE + VEILIG_THUIS:
        soort = "politie" if naam.startswith("Politie") else "veilig-thuis"
        partner = await loader.deelnemer(naam, soort, regio, plaats, (IdentificatieSoort.OIN,))
        for rol in ("deelnemende-organisatie", "bronhouder", "afnemer"):
            await loader.rol(partner, rol, start)
        ketenpartners.append(partner)

    organisaties = []
    for index, (naam, soort, regio, plaats) in enumerate(ORGANISATIES):
        soorten = (IdentificatieSoort.AGB, IdentificatieSoort.URA) if soort == "zorgaanbieder" else ()
        aangemeld_only = index in {2, 9}
        organisatie = await loader.deelnemer(naam, soort, regio, plaats, soorten, actief=not aangemeld_only)
        if not aangemeld_only:
            await loader.rol(organisatie, "deelnemende-organisatie", start)
            await loader.rol(organisatie, "bronhouder", start + timedelta(days=30))
        organisaties.append(organisatie)

    # The dienstverleners apply for their role; the verklaringen demo issues their verklaringen.
    aangemeld = today - timedelta(days=DIENSTVERLENERS_AANGEMELD)
    for dienstverlener in DIENSTVERLENERS:
        await loader.deelnemer(
            dienstverlener.naam, "softwareleverancier", "Landelijk", dienstverlener.plaats,
            (IdentificatieSoort.RSIN,), kvk=dienstverlener.kvk, actief=False, aangemeld=aangemeld,
        )  # fmt: skip

    # History: a zorgaanbieder is geschorst, a jeugdhulpaanbieder merged and was beëindigd, and one
    # role ends at the end of this year.
    await change_deelnemer_status(
        session, organisaties[5], "geschorst", "Beveiligingsincident: toegang ingetrokken tot herstel",
        actor=ACTOR, clock=clock, ingang=clock.now() - timedelta(days=12),
    )  # fmt: skip
    await change_deelnemer_status(
        session, organisaties[3], "beeindigd", "Gefuseerd met Stichting Kompasroute Jeugdhulp",
        actor=ACTOR, clock=clock, ingang=clock.now() - timedelta(days=40),
    )  # fmt: skip
    afnemer = await loader.rol(organisaties[6], "afnemer", start)
    await end_rolvervulling(
        session, afnemer, Beeindiging(einddatum=date(today.year + 1, 1, 1), reden="Contract loopt af"),
        actor=ACTOR, clock=clock,
    )  # fmt: skip
    total = len(gemeenten) + len(ketenpartners) + len(organisaties) + len(DIENSTVERLENERS)
    return [
        f"ledenadministratie: {total} deelnemers, of which {len(DIENSTVERLENERS)} dienstverleners "
        f"(KvK {DEMO_KVK}: {DIENSTVERLENERS[0].naam}) aangemeld for their verklaring"
    ]


async def ondersteun_deelnemers(
    session: AsyncSession, dienstverlener_id: uuid.UUID, *, vanaf: date, tot: date
) -> list[uuid.UUID]:
    """Record that a dienstverlener of the demo supports three to six deelnemers, each relation
    starting on a day in ``[vanaf, tot)`` (when the dienstverlener holds its role) and recorded that
    morning; returns their ids.

    The supported deelnemers are the register's actief or geschorst deelnemers other than
    dienstverleners, chosen from a seed of the dienstverlener's name, so every run chooses the same.
    """
    dienstverlener = await session.get(Deelnemer, dienstverlener_id)
    rol = await catalogus_rol(session, DIENSTVERLENER)
    if dienstverlener is None or rol is None:
        return []
    rng = random.Random(f"{SEED}:{dienstverlener.naam}")  # noqa: S311 — demo data, not secrets
    klanten = list(
        await session.scalars(
            select(Deelnemer.id)
            .where(
                Deelnemer.soort != "softwareleverancier",
                Deelnemer.status.in_((DeelnemerStatus.ACTIEF.value, DeelnemerStatus.GESCHORST.value)),
            )
            .order_by(Deelnemer.zoeknaam, Deelnemer.id)
        )
    )
    dagen = max((tot - vanaf).days, 1)
    relaties = []
    for klant in rng.sample(klanten, k=min(len(klanten), rng.randrange(3, 7))):
        taken = sorted(rng.sample(list(rol.taken), k=min(len(rol.taken), rng.randrange(2, 5))))
        begin = vanaf + timedelta(days=rng.randrange(dagen))
        # recorded that morning; the audit trail keeps its moments in UTC
        vastgelegd = datetime.combine(begin, time(10), tzinfo=AMSTERDAM).astimezone(UTC)
        relatie = await create_ondersteuningsrelatie(
            session,
            OndersteuningsrelatieCreate(
                dienstverlener_id=dienstverlener_id, deelnemer_id=klant, taken=taken, geldig_van=begin
            ),
            actor=ACTOR, clock=FixedClock(vastgelegd),
        )  # fmt: skip
        relaties.append(relatie.id)
    return relaties


async def demo_loader(context: DemoContext) -> list[str]:
    return await load_demo_register(context.session, context.clock)
