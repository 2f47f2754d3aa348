"""A stelselbeheerder maintains the catalogue in the admin screens: creates release 1.3.0, changes
a duty, reads the differences, publishes; bad input is refused in the form and nothing is saved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import Actor, verify_chain
from registry.clock import Clock
from roles import services
from tests.assertions import assert_sent_to_login
from tests.conftest import LoginAs
from tests.roles.html import section, text_of

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")

Client = AsyncTestClient[Litestar]
BASE = "/beheer/catalogus"


async def submit(client: Client, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
    """POST a form the way a browser does: with the CSRF token from the cookie set on a page view."""
    if "stelsel_csrf" not in client.cookies:
        await client.get(BASE)
    return await client.post(
        path, data={**(data or {}), "_csrf_token": client.cookies["stelsel_csrf"]}, follow_redirects=False
    )


async def follow(client: Client, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 303, response.text
    return await client.get(response.headers["location"])


@pytest.fixture
async def stelselbeheerder(login_as: LoginAs) -> None:
    await login_as("stelselbeheerder", display_name="Sanne Stelselbeheer")


@pytest.mark.usefixtures("stelselbeheerder")
async def test_a_stelselbeheerder_creates_edits_compares_and_publishes_a_release(
    client: Client, db: AsyncSession
) -> None:
    overview = await client.get(BASE)
    assert overview.status_code == 200
    assert "1.2.0" in text_of(overview.text)

    # a new release: a concept copy of 1.2.0
    created = await follow(client, await submit(client, f"{BASE}/releases", {"versie": "1.3.0", "titel": ""}))
    assert "Release 1.3.0 is aangemaakt als concept." in text_of(created.text)
    assert "Dienstverlener" in created.text

    # change a duty of the Dienstverlener
    rol = await services.get_rol(db, "dienstverlener", "1.3.0", include_concept=True)
    duty = rol.duties[0]
    edit_page = await client.get(f"{BASE}/1.3.0/duties/{duty.code}")
    assert edit_page.status_code == 200
    new_text = duty.tekst + " Het stelsel toetst dit jaarlijks."
    saved = await follow(
        client,
        await submit(
            client,
            f"{BASE}/1.3.0/duties/{duty.code}",
            {"rol": "dienstverlener", "soort": duty.soort, "tekst": new_text, "verplicht": "1"},
        ),
    )
    assert f"De {duty.soort} {duty.code} is opgeslagen." in text_of(saved.text)
    assert new_text in text_of(saved.text)

    # move the second duty up, without JavaScript: a form with a button
    second = rol.duties[1]
    moved = await follow(
        client, await submit(client, f"{BASE}/1.3.0/duties/{second.code}/verplaatsen", {"richting": "omhoog"})
    )
    assert "een plaats omhoog gezet" in text_of(moved.text)
    rol = await services.get_rol(db, "dienstverlener", "1.3.0", include_concept=True)
    assert [d.code for d in rol.duties[:2]] == [second.code, duty.code]

    # the differences with 1.2.0
    diff = text_of((await client.get(f"{BASE}/1.3.0/verschillen")).text)
    assert "Gewijzigd: Dienstverlener (dienstverlener)" in diff
    assert "Het stelsel toetst dit jaarlijks." in diff
    assert "De volgorde van de taken, verantwoordelijkheden en bevoegdheden is gewijzigd." in diff

    # consultatie, then the publish confirmation shows the differences
    await follow(client, await submit(client, f"{BASE}/1.3.0/consultatie"))
    confirmation = await client.get(f"{BASE}/1.3.0/publiceren")
    confirmation_text = text_of(confirmation.text)
    assert "Release 1.2.0 vervalt" in confirmation_text
    assert "Het stelsel toetst dit jaarlijks." in confirmation_text
    unconfirmed = await submit(client, f"{BASE}/1.3.0/publiceren")
    assert unconfirmed.headers["location"] == f"{BASE}/1.3.0/publiceren"  # back to the confirmation
    published = await follow(client, await submit(client, f"{BASE}/1.3.0/publiceren", {"bevestigd": "ja"}))
    assert "Release 1.3.0 is gepubliceerd" in text_of(published.text)

    # the public pages and the API now show 1.3.0; 1.2.0 stays retrievable
    public = text_of((await client.get("/catalogus/rollen/dienstverlener")).text)
    assert "Release 1.3.0 Definitief" in public
    assert "Het stelsel toetst dit jaarlijks." in public
    old = text_of((await client.get("/catalogus/rollen/dienstverlener", params={"release": "1.2.0"})).text)
    assert "Release 1.2.0 Vervallen" in old
    assert "Het stelsel toetst dit jaarlijks." not in old
    assert (await client.get("/api/v1/rollen/dienstverlener")).json()["release"]["versie"] == "1.3.0"

    # every change is in the audit trail, by name
    events = (await db.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all()
    ours = [
        e.action for e in events if e.actor_name == "Sanne Stelselbeheer" and e.entity_type != "gebruiker"
    ]
    assert ours == [
        "release.aangemaakt",
        "duty.gewijzigd",
        "duty.verplaatst",
        "release.in-consultatie",
        "release.vervallen",
        "release.gepubliceerd",
    ]
    assert (await verify_chain(db)).ok


@pytest.mark.usefixtures("stelselbeheerder")
async def test_a_role_is_added_and_bad_input_is_shown_in_the_form(client: Client, db: AsyncSession) -> None:
    await follow(client, await submit(client, f"{BASE}/releases", {"versie": "1.3.0"}))
    refused = await submit(
        client,
        f"{BASE}/1.3.0/rollen",
        {"code": "melder", "naam": "", "roltype": "bestuurlijk", "toelichting": "", "bron": "Werkgroep 2026"},
    )
    assert refused.status_code == 400
    page = refused.text
    assert 'aria-invalid="true"' in page
    assert "Controleer de volgende velden" in text_of(page)
    for message in (
        "De code 'melder' is in deze release al in gebruik.",
        "Vul een naam in.",
        "'bestuurlijk' is geen geldige keuze. Kies het roltype: besturing, organisatorisch, technisch of "
        "dienstverlening.",
    ):
        assert message in text_of(page)
    assert 'value="Werkgroep 2026"' in page  # what was typed stays
    _, rollen = await services.list_rollen(db, "1.3.0", include_concept=True)
    assert len(rollen) == len((await services.list_rollen(db, "1.2.0"))[1])

    added = await follow(
        client,
        await submit(
            client,
            f"{BASE}/1.3.0/rollen",
            {
                "code": "wijkcoach",
                "naam": "Wijkcoach",
                "roltype": "organisatorisch",
                "toelichting": "Medewerker van het wijkteam die dicht bij het gezin de regie voert.",
                "bron": "Werkgroep 2026",
            },
        ),
    )
    assert "De rol Wijkcoach is toegevoegd." in text_of(added.text)
    with_duty = await follow(
        client,
        await submit(
            client,
            f"{BASE}/1.3.0/rollen/wijkcoach/duties",
            {"soort": "taak", "tekst": "Voert regie.", "verplicht": "1"},
        ),
    )
    assert "wijkcoach-t01" in with_duty.text
    bad_duty = await submit(
        client, f"{BASE}/1.3.0/rollen/wijkcoach/duties", {"soort": "plicht", "tekst": " "}
    )
    assert bad_duty.status_code == 400
    duty_form = text_of(section(bad_duty.text, "duties"))
    assert (
        "'plicht' is geen geldige keuze. Kies de soort: taak, verantwoordelijkheid of bevoegdheid."
        in duty_form
    )
    assert "Vul de tekst in." in duty_form


@pytest.mark.usefixtures("stelselbeheerder")
async def test_a_published_release_cannot_be_edited(client: Client, db: AsyncSession) -> None:
    rol = await services.get_rol(db, "gtk-beheerder")
    duty = rol.duties[0]
    refused = await submit(
        client,
        f"{BASE}/1.2.0/duties/{duty.code}",
        {"rol": "gtk-beheerder", "soort": duty.soort, "tekst": "Anders.", "verplicht": "1"},
    )
    assert refused.status_code == 409
    assert "Release 1.2.0 is definitief en kan niet meer worden gewijzigd" in text_of(refused.text)
    assert (await services.get_rol(db, "gtk-beheerder")).duties[0].tekst == duty.tekst
    page = await client.get(f"{BASE}/1.2.0/rollen/gtk-beheerder")
    assert "Omhoog" not in page.text  # no edit buttons on a published release
    assert "Rol opslaan" not in page.text


@pytest.mark.usefixtures("stelselbeheerder")
async def test_a_new_release_needs_a_higher_version_and_a_lower_one_is_not_published(
    client: Client, db: AsyncSession, clock: Clock
) -> None:
    refused = await submit(client, f"{BASE}/releases", {"versie": "1.1.0"})
    assert refused.status_code == 400
    assert "Versie 1.1.0 moet hoger zijn dan elke bestaande release" in text_of(refused.text)

    for versie in ("1.3.0", "1.4.0"):
        await follow(client, await submit(client, f"{BASE}/releases", {"versie": versie}))
        await follow(client, await submit(client, f"{BASE}/{versie}/consultatie"))
    await follow(client, await submit(client, f"{BASE}/1.4.0/publiceren", {"bevestigd": "ja"}))
    lower = await submit(client, f"{BASE}/1.3.0/publiceren", {"bevestigd": "ja"})
    assert lower.status_code == 409
    assert "lagere of gelijke versie" in text_of(lower.text)
    current = await services.current_release(db)
    assert current is not None
    assert current.versie == "1.4.0"


async def test_reading_needs_catalogus_lezen_and_changing_needs_catalogus_beheren(
    client: Client, login_as: LoginAs
) -> None:
    assert_sent_to_login(await client.get(BASE, follow_redirects=False), BASE)
    await login_as("casemanager")
    assert (await client.get(BASE)).status_code == 200
    assert (await client.get(f"{BASE}/1.2.0/rollen/dienstverlener")).status_code == 200
    refused = await submit(client, f"{BASE}/releases", {"versie": "1.3.0"})
    assert refused.status_code == 403


@pytest.mark.usefixtures("stelselbeheerder")
async def test_a_form_without_csrf_token_is_refused(client: Client) -> None:
    response = await client.post(f"{BASE}/releases", data={"versie": "1.3.0"})
    assert response.status_code == 403


@pytest.mark.usefixtures("stelselbeheerder")
async def test_a_beheerder_sees_concepts_on_the_public_pages(
    client: Client, db: AsyncSession, clock: Clock
) -> None:
    await services.create_release(db, "1.3.0", actor=Actor.cli("test"), clock=clock)
    page = await client.get("/catalogus", params={"release": "1.3.0"})
    assert page.status_code == 200
    assert "is een concept en alleen zichtbaar voor beheerders" in text_of(page.text)
    export = await client.get(f"{BASE}/1.3.0/export")
    assert export.status_code == 200
    assert 'versie = "1.3.0"' in export.text


@pytest.mark.usefixtures("stelselbeheerder")
async def test_removing_a_role_asks_for_confirmation_first(client: Client, db: AsyncSession) -> None:
    await follow(client, await submit(client, f"{BASE}/releases", {"versie": "1.3.0"}))
    confirmation = await client.get(f"{BASE}/1.3.0/rollen/stelsel-expert/verwijderen")
    assert "Wat er gebeurt als u bevestigt" in text_of(confirmation.text)
    unconfirmed = await submit(client, f"{BASE}/1.3.0/rollen/stelsel-expert/verwijderen")
    assert unconfirmed.headers["location"] == f"{BASE}/1.3.0/rollen/stelsel-expert/verwijderen"
    assert await services.rol_exists(db, "stelsel-expert", "1.3.0")
    removed = await follow(
        client, await submit(client, f"{BASE}/1.3.0/rollen/stelsel-expert/verwijderen", {"bevestigd": "ja"})
    )
    assert "De rol stelsel-expert is verwijderd uit release 1.3.0." in text_of(removed.text)
    assert not await services.rol_exists(db, "stelsel-expert", "1.3.0")
    assert await services.rol_exists(db, "stelsel-expert", "1.2.0")
    refused = await submit(client, f"{BASE}/1.3.0/rollen/procesregisseur/verwijderen", {"bevestigd": "ja"})
    assert refused.status_code == 409
    assert "andere rollen verwijzen ernaar" in text_of(refused.text)
