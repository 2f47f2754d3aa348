"""Changing an account role away from deelnemer-contact ends the link with the deelnemer; creating a
user without a role is refused at the role field, in Dutch, with the roles by name."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.accounts.permissions import AccountRole
from registry.audit.services import Actor
from registry.ledenadministratie import services as leden
from registry.ledenadministratie.schemas import ContactpersoonInvoer, DeelnemerCreate, IdentificatieInvoer
from tests.accounts.conftest import SignIn
from tests.accounts.factories import insert_user, post_form, text_of
from tests.conftest import MovableClock


async def _deelnemer(db: AsyncSession, clock: MovableClock) -> uuid.UUID:
    data = DeelnemerCreate(
        naam="Zorggroep Lindehof",
        soort="zorgaanbieder",
        identificaties=[IdentificatieInvoer(soort="kvk", waarde="50205671")],
        regio="Jeugdregio Voorbeeld",
        contactpersonen=[
            ContactpersoonInvoer(naam="Anna de Vries", functie="Privacy officer", email="a@x.nl")
        ],
    )
    return (await leden.create_deelnemer(db, data, actor=Actor.system("test"), clock=clock)).id


async def test_a_contact_made_stelselbeheerder_loses_the_deelnemer(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    deelnemer_id = await _deelnemer(db, clock)
    await sign_in("stelselbeheerder")
    contact = await insert_user(db, clock, "deelnemer-contact", deelnemer_id=deelnemer_id)
    page = await client.get(f"/beheer/gebruikers/{contact.id}")
    assert page.status_code == 200

    response = await post_form(
        client,
        f"/beheer/gebruikers/{contact.id}",
        {"displayName": contact.display_name, "role": "stelselbeheerder", "deelnemer": str(deelnemer_id)},
    )

    assert response.status_code == 303, text_of(response.text)
    changed = await db.get(User, contact.id, populate_existing=True)
    assert changed is not None
    assert changed.role == AccountRole.STELSELBEHEERDER
    assert changed.deelnemer_id is None
    detail = await client.get(f"/beheer/gebruikers/{contact.id}")
    assert f'href="/beheer/deelnemers/{deelnemer_id}"' not in detail.text


async def test_a_user_without_a_role_is_refused_at_the_role_field(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("stelselbeheerder")

    response = await post_form(
        client, "/beheer/gebruikers", {"email": "nieuw@example.nl", "displayName": "Nieuw", "role": ""}
    )

    assert response.status_code == 400
    text = text_of(response.text)
    assert "Kies een rol." in text
    assert "Onbekende rol" not in text
    assert 'href="#role"' in response.text


async def test_an_unknown_role_is_refused_with_the_roles_by_name(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("stelselbeheerder")

    response = await post_form(
        client, "/beheer/gebruikers", {"email": "nieuw@example.nl", "displayName": "Nieuw", "role": "koning"}
    )

    assert response.status_code == 400
    text = text_of(response.text)
    assert "Deze rol bestaat niet. Kies een rol: Stelselbeheerder, Casemanager, Auditor" in text
    assert "stelselbeheerder," not in text
