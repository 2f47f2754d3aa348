"""Fixtures of the verklaring process: the catalogue in force, a signing key, people in their
account roles, and a helper that walks an organisation through the process up to any step."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from random import Random

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import passwords
from registry.accounts.permissions import Principal
from registry.accounts.services import principal_for_user
from registry.audit.services import Actor
from registry.clock import Clock
from registry.settings import Settings
from registry.signing import KeyRing, Signer
from roles.services import load_catalogue_file
from tests.conftest import UserFactory
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import schemas
from verklaringen.pdf import PdfRenderer
from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes
from verklaringen.services.queries import find_verklaring

CATALOGUS = Path(__file__).resolve().parents[2] / "roles" / "catalogus" / "1.2.0.toml"
ROL = "dienstverlener"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests create many users and never test passwords: hash them cheaply."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
async def catalogus(db: AsyncSession, clock: Clock) -> None:
    await load_catalogue_file(db, CATALOGUS, actor=Actor.system("test"), clock=clock)


@pytest.fixture
def keyring(settings: Settings) -> KeyRing:
    ring = KeyRing(settings.keys_dir)
    if not ring.list():
        ring.generate()
    return ring


@pytest.fixture
def signer(keyring: KeyRing) -> Signer:
    return keyring.active_signer()


@pytest.fixture
def renderer() -> FakePdfRenderer:
    return FakePdfRenderer()


@dataclass
class People:
    beheerder: Principal
    casemanager: Principal
    andere_casemanager: Principal


@pytest.fixture
async def people(make_user: UserFactory) -> People:
    beheerder = await make_user("stelselbeheerder", display_name="Anne Beheer")
    casemanager = await make_user("casemanager", display_name="Carla Casemanager")
    andere = await make_user("casemanager", display_name="Cor Andere")
    return People(principal_for_user(beheerder), principal_for_user(casemanager), principal_for_user(andere))


def aanmelding_invoer(
    kvk: str = "90000001", naam: str = "Zorgdienst Twente B.V.", rol: str = ROL, **overrides: object
) -> schemas.AanmeldingInvoer:
    data: dict[str, object] = {
        "organisatie": naam,
        "identificaties": [schemas.IdentificatieInvoer(soort="kvk", waarde=kvk)],
        "rol": rol,
        "contactpersoon": schemas.ContactpersoonInvoer(
            naam="Jan de Vries", email="jan@zorgdienst.example", telefoon="053 123 4567"
        ),
        "soort": "softwareleverancier",
        "motivatie": "Wij ondersteunen gemeenten in Twente bij hun aansluiting.",
    }
    data.update(overrides)
    return schemas.AanmeldingInvoer(**data)  # type: ignore[arg-type]


def all_ja(intake: schemas.Intake) -> schemas.IntakeInvoer:
    return schemas.IntakeInvoer(
        antwoorden=[
            schemas.IntakeantwoordInvoer(duty_code=a.duty_code, ondersteund="ja", toelichting="Besproken.")
            for a in intake.antwoorden
        ]
    )


@dataclass
class Process:
    """Walks one organisation through the process with the services, step by step."""

    db: AsyncSession
    clock: Clock
    settings: Settings
    people: People
    signer: Signer
    renderer: FakePdfRenderer
    make_user: UserFactory

    async def aangemeld(self, kvk: str = "90000001", **overrides: object) -> schemas.AanmeldingOntvangen:
        return await aanmeldingen.dien_in(
            self.db,
            aanmelding_invoer(kvk, **overrides),  # type: ignore[arg-type]
            actor=Actor.anonymous("aanmeldformulier"),
            clock=self.clock,
            secret=self.settings.secret_key,
        )

    async def toegewezen(self, kvk: str = "90000001") -> str:
        return await self.wijs_toe((await self.aangemeld(kvk)).referentie)

    async def intake_afgerond(self, kvk: str = "90000001") -> str:
        return await self.rond_intake_af(await self.toegewezen(kvk))

    async def toegekend(self, kvk: str = "90000001") -> str:
        """The verklaring number, prepared and awaiting signatures."""
        return await self.ken_toe(await self.intake_afgerond(kvk))

    async def tot_toegekend(self, referentie: str) -> str:
        """Carry an aanmelding that was just submitted on to its besluit: the number of its
        verklaring, prepared and awaiting signatures."""
        return await self.ken_toe(await self.rond_intake_af(await self.wijs_toe(referentie)))

    async def wijs_toe(self, referentie: str) -> str:
        await aanmeldingen.wijs_toe(
            self.db,
            referentie,
            uuid.UUID(self.people.casemanager.id),
            actor=Actor.system("test"),
            clock=self.clock,
        )
        return referentie

    async def rond_intake_af(self, referentie: str) -> str:
        cm = self.people.casemanager
        intake = await intakes.start_intake(self.db, referentie, principal=cm, clock=self.clock)
        await intakes.bewaar_intake(self.db, intake.id, all_ja(intake), principal=cm, clock=self.clock)
        await intakes.rond_intake_af(
            self.db, intake.id, principal=cm, clock=self.clock, renderer=self.renderer
        )
        return referentie

    async def ken_toe(self, referentie: str) -> str:
        await besluiten.stel_voor(
            self.db,
            referentie,
            schemas.VoorstelInvoer(voorstel="toekennen", motivering="Alles ondersteund."),
            principal=self.people.casemanager,
            clock=self.clock,
        )
        besluit = await besluiten.besluit(
            self.db,
            referentie,
            schemas.BesluitInvoer(uitkomst="toekennen"),
            principal=self.people.beheerder,
            clock=self.clock,
        )
        assert besluit.verklaring is not None
        return besluit.verklaring

    async def contact_of(self, nummer: str) -> Principal:
        verklaring = await find_verklaring(self.db, nummer)
        user = await self.make_user(
            "deelnemer-contact", deelnemer_id=verklaring.deelnemer_id, display_name="Jan de Vries"
        )
        return principal_for_user(user)

    async def ondertekend_door_deelnemer(self, kvk: str = "90000001") -> str:
        nummer = await self.toegekend(kvk)
        await self.onderteken_als_deelnemer(nummer)
        return nummer

    async def onderteken_als_deelnemer(self, nummer: str) -> None:
        """The deelnemer's contact agrees to verklaring ``nummer`` as its document stands."""
        verklaring = await find_verklaring(self.db, nummer)
        await afgifte.onderteken_als_deelnemer(
            self.db,
            nummer,
            akkoord=True,
            document_hash=verklaring.inhoud_hash,
            principal=await self.contact_of(nummer),
            clock=self.clock,
        )

    async def afgegeven(self, kvk: str = "90000001") -> schemas.Verklaring:
        return await self.geef_af(await self.ondertekend_door_deelnemer(kvk))

    async def geef_af(
        self,
        nummer: str,
        *,
        session: AsyncSession | None = None,
        renderer: PdfRenderer | None = None,
        rng: Random | None = None,
    ) -> schemas.Verklaring:
        """The beheerder issues verklaring ``nummer`` as its document stands, in ``session`` (the
        process's own unless another is given) with ``renderer`` (the process's unless given)."""
        session = session or self.db
        verklaring = await find_verklaring(session, nummer)
        return await afgifte.geef_af(
            session,
            nummer,
            document_hash=verklaring.inhoud_hash,
            principal=self.people.beheerder,
            clock=self.clock,
            signer=self.signer,
            base_url=self.settings.base_url,
            renderer=renderer or self.renderer,
            rng=rng,
        )


@pytest.fixture
def process(
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
    people: People,
    signer: Signer,
    renderer: FakePdfRenderer,
    make_user: UserFactory,
    catalogus: None,
) -> Process:
    return Process(db, clock, settings, people, signer, renderer, make_user)
