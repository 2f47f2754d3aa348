"""A deelnemer's contact opens /mijn-organisatie: its own deelnemer's details, roles, the verklaringen
they rest on and its ondersteuningsrelaties, and keeps its contactgegevens up to date — its own only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.errors import PermissionDenied
from registry.ledenadministratie import services
from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.schemas import (
    Contactgegevens,
    ContactpersoonInvoer,
    OndersteuningsrelatieCreate,
)
from registry.ledenadministratie.services.deelnemers import update_eigen_contactgegevens
from registry.settings import Settings
from tests.accounts.factories import post_form, text_of
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus")

CONTACT = {
    "website": "https://koppelpunt.example",
    "adresStraat": "Stationsplein",
    "adresHuisnummer": "1",
    "adresPostcode": "3511ed",
    "adresPlaats": "Utrecht",
    "contactNaam": "Mila Jansen",
    "contactFunctie": "Servicedesk",
    "contactEmail": "servicedesk@koppelpunt.example",
}


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def test_the_contact_sees_its_organisation_roles_verklaringen_and_relations(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    db: AsyncSession,
    clock: MovableClock,
    settings: Settings,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    verklaringen: VerklaringenStandIn,
) -> None:
    koppelpunt = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(koppelpunt.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")
    gemeente = await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    await services.create_ondersteuningsrelatie(
        db,
        OndersteuningsrelatieCreate(
            dienstverlener_id=koppelpunt.id, deelnemer_id=gemeente.id,
            taken=["dienstverlener-t01"], geldig_van=date(2026, 2, 1),
        ),
        actor=BEHEERDER, clock=clock,
    )  # fmt: skip
    await login_as("deelnemer-contact", deelnemer_id=koppelpunt.id)

    page = await client.get("/mijn-organisatie")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "Koppelpunt BV" in text
    assert "kvk:90000001" in text
    assert "Dienstverlener" in text
    assert f'href="{settings.base_url}/verifieer/VK-2026-0001"' in page.text
    assert "VK-2026-0001 verifiëren Dienstverlener Geldig" in text
    assert "Uw organisatie ondersteunt" in text
    assert "Gemeente Hengelo" in text
    assert 'value="Anna de Vries"' in page.text  # the current contactpersoon, in the form


async def test_the_contact_updates_its_own_contactgegevens(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession, make_deelnemer: DeelnemerFactory
) -> None:
    koppelpunt = await make_deelnemer("Koppelpunt BV", kvk="90000001")
    await login_as("deelnemer-contact", deelnemer_id=koppelpunt.id)

    bad = await post_form(
        client,
        "/mijn-organisatie/contactgegevens",
        CONTACT | {"deelnemerId": str(koppelpunt.id), "contactEmail": "x"},
    )
    script = await post_form(
        client,
        "/mijn-organisatie/contactgegevens",
        CONTACT | {"deelnemerId": str(koppelpunt.id), "website": "javascript:window.__xss=1"},
    )
    saved = await post_form(
        client, "/mijn-organisatie/contactgegevens", CONTACT | {"deelnemerId": str(koppelpunt.id)}
    )

    assert bad.status_code == 400
    assert "Vul een geldig e-mailadres in" in text_of(bad.text)
    assert script.status_code == 400
    assert "alleen een adres met http:// of https:// kan" in text_of(script.text)
    assert saved.status_code == 303
    stored = await db.get(Deelnemer, koppelpunt.id, populate_existing=True)
    assert stored is not None
    assert (stored.adres_postcode, stored.website) == ("3511 ED", "https://koppelpunt.example")
    assert [c.naam for c in stored.contactpersonen] == ["Mila Jansen"]
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "deelnemer.gewijzigd"))
    assert event is not None
    assert event.actor_kind == "user"


async def test_the_contact_cannot_change_another_deelnemer(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    db: AsyncSession,
    clock: MovableClock,
    make_deelnemer: DeelnemerFactory,
) -> None:
    eigen = await make_deelnemer("Koppelpunt BV", kvk="90000001")
    ander = await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    await login_as("deelnemer-contact", deelnemer_id=eigen.id)

    refused = await post_form(
        client, "/mijn-organisatie/contactgegevens", CONTACT | {"deelnemerId": str(ander.id)}
    )
    nonsense = await post_form(client, "/mijn-organisatie/contactgegevens", CONTACT | {"deelnemerId": "x"})

    assert (refused.status_code, nonsense.status_code) == (403, 403)
    stored = await db.get(Deelnemer, ander.id, populate_existing=True)
    assert stored is not None
    assert [c.naam for c in stored.contactpersonen] == ["Anna de Vries"]
    gegevens = Contactgegevens(contactpersonen=[ContactpersoonInvoer(naam="X", functie="Y", email="x@y.nl")])
    with pytest.raises(PermissionDenied):
        await update_eigen_contactgegevens(
            db, ander.id, gegevens, eigen_deelnemer_id=eigen.id, actor=BEHEERDER, clock=clock
        )
    with pytest.raises(PermissionDenied):
        await update_eigen_contactgegevens(
            db, ander.id, gegevens, eigen_deelnemer_id=None, actor=BEHEERDER, clock=clock
        )


async def test_other_account_roles_have_no_own_organisation(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    assert (await client.get("/mijn-organisatie")).status_code == 403
    assert (await post_form(client, "/mijn-organisatie/contactgegevens", CONTACT)).status_code == 403
