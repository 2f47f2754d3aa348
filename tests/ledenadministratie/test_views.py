"""A beheerder keeps the ledenadministratie in the portal: finds deelnemers, registers and edits them,
and moves them through their lifecycle; readers may look but not change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie import services
from registry.ledenadministratie.models import Deelnemer, Rolvervulling
from registry.ledenadministratie.schemas import OndersteuningsrelatieCreate
from tests.accounts.factories import post_form, text_of
from tests.assertions import assert_sent_to_login
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus")


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


VALID_FORM = {
    "naam": "Gemeente Súdwest-Fryslân",
    "soort": "gemeente",
    "identificaties": "kvk:50205671\noin:00000001823288444000",
    "regio": "Jeugdzorgregio Fryslân",
    "website": "www.sudwestfryslan.nl",
    "adresStraat": "Marktstraat",
    "adresHuisnummer": "15",
    "adresPostcode": "8601cg",
    "adresPlaats": "Sneek",
    "contactNaam": "Sjoukje Hoekstra",
    "contactFunctie": "Privacy officer",
    "contactEmail": "fg@sudwestfryslan.nl",
    "contactTelefoon": "0515 489 000",
}


async def test_a_beheerder_registers_a_deelnemer_and_sees_its_page(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder")

    form = await client.get("/beheer/deelnemers/nieuw")
    created = await post_form(client, "/beheer/deelnemers", VALID_FORM)

    assert form.status_code == 200
    assert created.status_code == 303
    detail = await client.get(created.headers["location"])
    text = text_of(detail.text)
    assert "Gemeente Súdwest-Fryslân" in text
    assert "is aangemeld" in text
    assert "kvk:50205671" in text
    assert "Marktstraat 15, 8601 CG Sneek" in text
    assert "Sjoukje Hoekstra" in text
    assert "Aangemeld" in text
    deelnemer = await db.scalar(select(Deelnemer))
    assert deelnemer is not None
    assert deelnemer.contactpersonen[0].telefoon == "0515 489 000"


async def test_every_problem_shows_next_to_its_field_and_nothing_is_stored(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder")
    data = VALID_FORM | {
        "naam": "",
        "identificaties": "kvk:50205671\nrsin:123456789",
        "adresPostcode": "0123 AB",
        "contactEmail": "geen-adres",
    }

    response = await post_form(client, "/beheer/deelnemers", data)

    assert response.status_code == 400
    text = text_of(response.text)
    assert "Vul de naam van de organisatie in." in text
    assert "Regel 2: RSIN voldoet niet aan de elfproef" in text
    assert "begint met 0" in text
    assert "Vul een geldig e-mailadres in" in text
    assert 'href="#contactEmail-0"' in response.text
    assert 'href="#adresPostcode"' in response.text
    assert 'value="Marktstraat"' in response.text
    assert await db.scalar(select(Deelnemer.id)) is None


async def test_a_javascript_website_is_refused_next_to_its_field(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession
) -> None:
    await login_as("stelselbeheerder")

    response = await post_form(client, "/beheer/deelnemers", VALID_FORM | {"website": "javascript:alert(1)"})

    assert response.status_code == 400
    assert "alleen een adres met http:// of https:// kan" in text_of(response.text)
    assert 'href="#website"' in response.text
    assert 'href="javascript:' not in response.text
    assert await db.scalar(select(Deelnemer.id)) is None


async def test_a_duplicate_identificatie_is_refused_with_the_other_deelnemer_named(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    await make_deelnemer("Gemeente Sneek (oud)", kvk="50205671")
    await login_as("stelselbeheerder")

    response = await post_form(client, "/beheer/deelnemers", VALID_FORM)

    assert response.status_code == 409
    assert "Regel 1: KvK-nummer 50205671 hoort al bij deelnemer Gemeente Sneek (oud)" in text_of(
        response.text
    )


async def test_the_list_searches_and_filters(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    await make_deelnemer("Gemeente Enschede")
    await make_deelnemer("Politie Eenheid Oost-Nederland", soort="politie")
    await make_deelnemer("Veilig Thuis Twente", soort="veilig-thuis", status="geschorst")
    await login_as("casemanager")

    everyone = text_of((await client.get("/beheer/deelnemers")).text)
    found = text_of((await client.get("/beheer/deelnemers", params={"zoek": "oost"})).text)
    suspended = text_of((await client.get("/beheer/deelnemers", params={"status": "geschorst"})).text)
    wrong = await client.get("/beheer/deelnemers", params={"soort": "ziekenhuis"})

    assert all(name in everyone for name in ("Gemeente Enschede", "Politie Eenheid", "Veilig Thuis Twente"))
    assert "Deelnemer aanmelden" not in everyone
    assert "Politie Eenheid Oost-Nederland" in found
    assert "Gemeente Enschede" not in found
    assert "Veilig Thuis Twente" in suspended
    assert "Gemeente Enschede" not in suspended
    assert wrong.status_code == 400
    assert "Onbekende soort" in text_of(wrong.text)


async def test_a_beheerder_changes_the_status_and_sees_the_history(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
) -> None:
    deelnemer = await make_deelnemer("Zorggroep Lindehof", soort="zorgaanbieder")
    await grant(deelnemer.id, "bronhouder", date(2026, 1, 1))
    await login_as("stelselbeheerder")
    path = f"/beheer/deelnemers/{deelnemer.id}"

    missing_reason = await post_form(client, f"{path}/status", {"status": "geschorst", "reden": ""})
    suspended = await post_form(
        client, f"{path}/status", {"status": "geschorst", "reden": "Beveiligingsincident"}
    )
    illegal = await post_form(client, f"{path}/status", {"status": "aangemeld", "reden": "Terug"})

    assert missing_reason.status_code == 400
    assert "Geef de reden van de statuswijziging." in text_of(missing_reason.text)
    assert suspended.status_code == 303
    assert illegal.status_code == 409
    assert "kan niet naar aangemeld" in text_of(illegal.text)
    page = text_of((await client.get(path)).text)
    assert "Beveiligingsincident" in page
    assert "Bronhouder" in page
    assert "besluit BESLUIT-2026-001" in page


async def test_a_beheerder_edits_a_deelnemer(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory, db: AsyncSession
) -> None:
    deelnemer = await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    deelnemer_id = deelnemer.id
    await login_as("stelselbeheerder")
    path = f"/beheer/deelnemers/{deelnemer_id}/bewerken"

    form = await client.get(path)
    saved = await post_form(
        client,
        path,
        {
            "naam": "Gemeente Hengelo (Ov)",
            "soort": "gemeente",
            "identificaties": "kvk:08193430",
            "regio": "Jeugdzorgregio Twente",
            "contactNaam": "Anna de Vries",
            "contactFunctie": "Privacy officer",
            "contactEmail": "anna@voorbeeld.nl",
        },
    )

    assert "kvk:08193430" in form.text
    assert saved.status_code == 303
    stored = await db.get(Deelnemer, deelnemer_id, populate_existing=True)
    assert stored is not None
    assert (stored.naam, stored.regio) == ("Gemeente Hengelo (Ov)", "Jeugdzorgregio Twente")


@pytest.mark.parametrize("role", ["casemanager", "auditor"])
async def test_readers_may_look_but_not_change(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory, role: str
) -> None:
    deelnemer = await make_deelnemer()
    await login_as(role)

    detail = await client.get(f"/beheer/deelnemers/{deelnemer.id}")
    new = await client.get("/beheer/deelnemers/nieuw")
    status = await post_form(
        client, f"/beheer/deelnemers/{deelnemer.id}/status", {"status": "geschorst", "reden": "x"}
    )

    assert detail.status_code == 200
    assert "Status wijzigen" not in detail.text
    assert "Anna de Vries" in detail.text
    assert (new.status_code, status.status_code) == (403, 403)


async def test_a_deelnemer_contact_and_an_anonymous_visitor_see_no_beheer_screens(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer = await make_deelnemer()

    anonymous = await client.get(
        "/beheer/deelnemers", headers={"Accept": "text/html"}, follow_redirects=False
    )
    await login_as("deelnemer-contact", deelnemer_id=deelnemer.id)
    contact = await client.get(f"/beheer/deelnemers/{deelnemer.id}", headers={"Accept": "text/html"})

    assert_sent_to_login(anonymous, "/beheer/deelnemers")
    assert contact.status_code == 403


async def test_anyone_reads_the_public_dienstverleners_list(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    clock: MovableClock,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    verklaringen: VerklaringenStandIn,
) -> None:
    dienstverlener = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(dienstverlener.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")
    gemeente = await make_deelnemer("Gemeente Hengelo")
    await services.create_ondersteuningsrelatie(
        db,
        OndersteuningsrelatieCreate(
            dienstverlener_id=dienstverlener.id, deelnemer_id=gemeente.id,
            taken=["dienstverlener-t01"], geldig_van=date(2026, 2, 1),
        ),
        actor=BEHEERDER, clock=clock,
    )  # fmt: skip

    response = await client.get("/dienstverleners")

    assert response.status_code == 200
    text = text_of(response.text)
    assert "Koppelpunt BV" in text
    assert "Gemeente Hengelo" in text
    assert "dienstverlener-t01" not in text  # the duty is shown by its text


async def test_a_beheerder_grants_and_ends_a_role_in_the_portal(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory, db: AsyncSession
) -> None:
    deelnemer_id = (await make_deelnemer("Gemeente Borne")).id
    await login_as("stelselbeheerder")
    path = f"/beheer/deelnemers/{deelnemer_id}"
    role = {
        "rolCode": "afnemer",
        "geldigVan": "2026-01-01",
        "basisSoort": "besluit",
        "basisReferentie": "STB-2026-4",
    }

    page = await client.get(path)
    bad_date = await post_form(client, f"{path}/rollen", role | {"geldigVan": "1 januari"})
    needs_verklaring = await post_form(client, f"{path}/rollen", role | {"rolCode": "dienstverlener"})
    granted = await post_form(client, f"{path}/rollen", role)
    overlap = await post_form(client, f"{path}/rollen", role | {"geldigVan": "2026-06-01"})

    assert "Rol toekennen" in page.text
    assert bad_date.status_code == 400
    assert "is geen datum zoals 2026-01-01" in text_of(bad_date.text)
    assert needs_verklaring.status_code == 400
    assert "vereist een verklaring" in text_of(needs_verklaring.text)
    assert granted.status_code == 303
    assert overlap.status_code == 409
    assert "overlapt" in text_of(overlap.text)

    [rolvervulling] = (await db.scalars(select(Rolvervulling))).all()
    end_path = f"/beheer/rolvervullingen/{rolvervulling.id}/beeindigen"
    form = await client.get(end_path)
    too_early = await post_form(client, end_path, {"einddatum": "2026-11-01", "reden": "Terugwerkend"})
    ended = await post_form(client, end_path, {"einddatum": "2026-12-01", "reden": "Contract afgelopen"})

    assert form.status_code == 200
    assert too_early.status_code == 400
    assert "terugwerkende kracht" in text_of(too_early.text)
    assert ended.status_code == 303
    stored = await db.get(Rolvervulling, rolvervulling.id, populate_existing=True)
    assert stored is not None
    assert (stored.status, stored.geldig_tot) == ("beeindigd", date(2026, 12, 1))


async def test_a_casemanager_cannot_grant_roles(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    await login_as("casemanager")

    page = await client.get(f"/beheer/deelnemers/{deelnemer_id}")
    refused = await post_form(client, f"/beheer/deelnemers/{deelnemer_id}/rollen", {"rolCode": "afnemer"})

    assert "Rol toekennen" not in page.text
    assert refused.status_code == 403
