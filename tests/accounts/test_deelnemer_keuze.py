"""Choosing the deelnemer of a deelnemer-contact account by name or identificatie, not by its id."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.audit.services import Actor
from registry.clock import Clock
from registry.ledenadministratie import services as leden
from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.schemas import ContactpersoonInvoer, DeelnemerCreate, IdentificatieInvoer
from tests.accounts.conftest import SignIn
from tests.accounts.factories import insert_user, post_form, text_of

BEHEERDER = Actor(kind="user", id="beheerder-1", name="Bea Beheerder")


async def _deelnemer(db: AsyncSession, clock: Clock, naam: str, kvk: str) -> Deelnemer:
    data = DeelnemerCreate(
        naam=naam,
        soort="gemeente",
        identificaties=[IdentificatieInvoer(soort="kvk", waarde=kvk)],
        regio="Jeugdregio Voorbeeld",
        contactpersonen=[
            ContactpersoonInvoer(naam="Anna de Vries", functie="Privacy officer", email="a@b.nl")
        ],
    )
    return await leden.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)


def _contact(email: str, deelnemer: str) -> dict[str, str]:
    return {"email": email, "displayName": "Cor Contact", "role": "deelnemer-contact", "deelnemer": deelnemer}


async def _deelnemer_of(db: AsyncSession, email: str) -> object:
    return await db.scalar(select(User.deelnemer_id).where(User.email == email))


async def test_the_form_suggests_deelnemers_by_name_with_their_identificatie(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: Clock
) -> None:
    await sign_in("stelselbeheerder")
    await _deelnemer(db, clock, "Gemeente Súdwest-Fryslân", "90000001")

    response = await client.get("/beheer/gebruikers/nieuw")

    assert 'list="deelnemer-keuzes"' in response.text
    assert '<option value="Gemeente Súdwest-Fryslân (kvk:90000001)">' in response.text
    assert '<label class="utrecht-form-label" for="deelnemer">' in response.text
    assert "Het id van de deelnemer" not in text_of(response.text)


async def test_a_chosen_suggestion_an_identificatie_a_name_or_an_id_each_name_the_deelnemer(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: Clock
) -> None:
    await sign_in("stelselbeheerder")
    deelnemer = await _deelnemer(db, clock, "Gemeente Súdwest-Fryslân", "90000001")
    ingevuld = {
        "keuze@voorbeeld.nl": "Gemeente Súdwest-Fryslân (kvk:90000001)",
        "kvk@voorbeeld.nl": " kvk:90000001 ",
        "naam@voorbeeld.nl": "gemeente sudwest fryslan",
        "id@voorbeeld.nl": str(deelnemer.id),
    }
    for email, invoer in ingevuld.items():
        response = await post_form(client, "/beheer/gebruikers", _contact(email, invoer))
        assert response.status_code == 201, text_of(response.text)
        assert await _deelnemer_of(db, email) == deelnemer.id


async def test_an_unknown_or_ambiguous_deelnemer_is_a_field_error_with_fitting_suggestions(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: Clock
) -> None:
    await sign_in("stelselbeheerder")
    await _deelnemer(db, clock, "Gemeente Voorbeeld", "90000001")
    await _deelnemer(db, clock, "Gemeente Voorbeeld", "90000002")
    await _deelnemer(db, clock, "Zorgaanbieder Elders", "90000003")

    dubbel = await post_form(client, "/beheer/gebruikers", _contact("a@voorbeeld.nl", "Gemeente Voorbeeld"))
    onbekend = await post_form(client, "/beheer/gebruikers", _contact("b@voorbeeld.nl", "Gemeente Nergens"))
    geen_nummer = await post_form(client, "/beheer/gebruikers", _contact("c@voorbeeld.nl", "kvk:90000009"))

    assert dubbel.status_code == 400
    assert "Er zijn meer deelnemers met de naam Gemeente Voorbeeld" in text_of(dubbel.text)
    assert 'href="#deelnemer"' in dubbel.text  # the error summary leads to the field
    assert 'aria-describedby="deelnemer-beschrijving deelnemer-fout"' in dubbel.text
    assert "(kvk:90000001)" in dubbel.text
    assert "(kvk:90000002)" in dubbel.text
    assert "Zorgaanbieder Elders" not in dubbel.text  # suggestions narrowed to what was typed
    assert onbekend.status_code == 400
    assert "Er is geen deelnemer met de naam Gemeente Nergens" in text_of(onbekend.text)
    assert geen_nummer.status_code == 400
    assert "Er is geen deelnemer met" in text_of(geen_nummer.text)
    assert await db.scalar(select(User).where(User.email.in_(["a@voorbeeld.nl", "b@voorbeeld.nl"]))) is None


async def test_the_edit_form_shows_the_current_deelnemer_by_name_and_changes_it_by_name(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: Clock
) -> None:
    await sign_in("stelselbeheerder")
    eerste = await _deelnemer(db, clock, "Gemeente Eerste", "90000001")
    tweede = await _deelnemer(db, clock, "Gemeente Tweede", "90000002")
    contact = await insert_user(db, clock, "deelnemer-contact", deelnemer_id=eerste.id)

    detail = await client.get(f"/beheer/gebruikers/{contact.id}")
    assert 'value="Gemeente Eerste (kvk:90000001)"' in detail.text
    assert f'href="/beheer/deelnemers/{eerste.id}">Gemeente Eerste (kvk:90000001)</a>' in detail.text

    response = await post_form(
        client,
        f"/beheer/gebruikers/{contact.id}",
        {"displayName": contact.display_name, "role": "deelnemer-contact", "deelnemer": "Gemeente Tweede"},
    )

    assert response.status_code == 303
    await db.refresh(contact)
    assert contact.deelnemer_id == tweede.id
