"""Fixtures of the ledenadministratie tests: the catalogue loaded through its own service, factories for
deelnemers and rolvervullingen, and a stand-in for the verklaringen domain's check."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from registry.ledenadministratie import services
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.ledenadministratie.models import Deelnemer, Rolvervulling
from registry.ledenadministratie.schemas import (
    BasisInvoer,
    ContactpersoonInvoer,
    DeelnemerCreate,
    IdentificatieInvoer,
    RolvervullingCreate,
)
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    verklaring_check_installed,
)
from registry.plugin import domain_modules
from roles.catalogue_file import CATALOGUS_DIR
from roles.services import load_catalogue_file

BEHEERDER = Actor(kind="user", id="beheerder-1", name="Bea Beheerder")


@pytest.fixture
async def catalogus(db: AsyncSession, clock: Clock) -> None:
    """The stelsel catalogue, release 1.2.0 (definitief), as the catalogue domain loads it."""
    await load_catalogue_file(db, CATALOGUS_DIR / "1.2.0.toml", actor=Actor.system("test"), clock=clock)


@dataclass
class VerklaringenStandIn:
    """Plays the verklaringen domain: verklaringen whose reference starts with ``VK-`` are valid,
    ``VK-INGETROKKEN`` is not. Remembers every question."""

    vragen: list[Verklaringvraag] = field(default_factory=list)

    async def __call__(self, session: AsyncSession, vraag: Verklaringvraag) -> Verklaringoordeel:
        self.vragen.append(vraag)
        if vraag.referentie == "VK-INGETROKKEN":
            return Verklaringoordeel.nee("Verklaring VK-INGETROKKEN is ingetrokken.")
        if vraag.referentie.startswith("VK-"):
            return Verklaringoordeel.ja()
        return Verklaringoordeel.nee(f"Er is geen verklaring {vraag.referentie}.")


@pytest.fixture
def verklaringen() -> Iterator[VerklaringenStandIn]:
    """A registered verklaring check for the duration of the test.

    The domains are imported first, as the app does, so that the verklaringen domain's own check
    (registered on import) cannot replace the stand-in halfway through a test."""
    domain_modules()
    stand_in = VerklaringenStandIn()
    with verklaring_check_installed(stand_in):
        yield stand_in


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261123)


DeelnemerFactory = Callable[..., Awaitable[Deelnemer]]


@pytest.fixture
def make_deelnemer(db: AsyncSession, clock: Clock, rng: random.Random) -> DeelnemerFactory:
    """Register a deelnemer (valid defaults; a fresh KvK-nummer unless ``kvk`` is given); ``status``
    walks it through the lifecycle."""

    async def make(
        naam: str = "Gemeente Voorbeeld",
        *,
        soort: str = "gemeente",
        kvk: str | None = None,
        extra: list[IdentificatieInvoer] | None = None,
        status: str = "actief",
        regio: str = "Jeugdregio Voorbeeld",
        **fields: Any,
    ) -> Deelnemer:
        data = DeelnemerCreate(
            naam=naam,
            soort=soort,
            identificaties=[
                IdentificatieInvoer(
                    soort="kvk", waarde=kvk or generate_valid(IdentificatieSoort.KVK, rng).waarde
                ),
                *(extra or []),
            ],
            regio=regio,
            contactpersonen=[
                ContactpersoonInvoer(
                    naam="Anna de Vries", functie="Privacy officer", email="anna@voorbeeld.nl"
                )
            ],
            **fields,
        )
        deelnemer = await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)
        path = {
            "aangemeld": [],
            "actief": ["actief"],
            "geschorst": ["actief", "geschorst"],
            "beeindigd": ["beeindigd"],
        }
        for stap in path[status]:
            await services.change_deelnemer_status(
                db, deelnemer.id, stap, "Test", actor=BEHEERDER, clock=clock
            )
        return deelnemer

    return make


RolFactory = Callable[..., Awaitable[Rolvervulling]]


@pytest.fixture
def grant(db: AsyncSession, clock: Clock) -> RolFactory:
    """Grant a role on basis besluit (or ``verklaring=`` a reference)."""

    async def make(
        deelnemer_id: uuid.UUID,
        rol_code: str = "bronhouder",
        van: date | None = None,
        tot: date | None = None,
        *,
        verklaring: str | None = None,
    ) -> Rolvervulling:
        basis = (
            BasisInvoer(soort="verklaring", referentie=verklaring)
            if verklaring
            else BasisInvoer(soort="besluit", referentie="BESLUIT-2026-001")
        )
        data = RolvervullingCreate(
            rol_code=rol_code, geldig_van=van or date(2026, 1, 1), geldig_tot=tot, basis=basis
        )
        return await services.create_rolvervulling(db, deelnemer_id, data, actor=BEHEERDER, clock=clock)

    return make
