"""What a beheerder reads when something is wrong: Dutch labels and dates instead of codes and field
names, each problem naming its field, and every missing field of a form reported at once. The API keeps
its field names in ``invalidParams``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.schemas import BasisInvoer, RolvervullingCreate
from tests.accounts.factories import post_form, text_of
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory
from tests.ledenadministratie.test_views import VALID_FORM

pytestmark = pytest.mark.usefixtures("catalogus")


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _reasons(exc: ValidationFailed) -> dict[str, str]:
    return {param.name: param.reason for param in exc.invalid_params}


async def test_the_deelnemer_form_names_fields_and_choices_in_dutch(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    response = await post_form(
        client,
        "/beheer/deelnemers",
        VALID_FORM | {"soort": "", "adresHuisnummer": "", "regio": "R" * 201, "contactFunctie": ""},
    )

    text = text_of(response.text)
    assert response.status_code == 400
    assert "Vul ook het huisnummer in, of laat het adres leeg." in text
    assert "Kies de soort organisatie:" in text
    assert "Veilig Thuis" in text
    assert "Gecertificeerde instelling" in text
    assert "veilig-thuis" not in text
    assert "gecertificeerde-instelling" not in text
    assert "De regio heeft ten hoogste 200 tekens." in text
    assert "Contactpersoon 1: Vul de functie of rol in" in text


async def test_a_status_change_names_the_statuses_by_their_labels(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id

    reasons = []
    for status in ("", "opgeheven"):
        with pytest.raises(ValidationFailed) as raised:
            await services.change_deelnemer_status(
                db, deelnemer_id, status, "Reden", actor=BEHEERDER, clock=clock
            )
        reasons.append(_reasons(raised.value)["status"])

    assert reasons == [
        "Kies de nieuwe status: aangemeld, actief, geschorst of beëindigd.",
        "Onbekende status 'opgeheven'; kies aangemeld, actief, geschorst of beëindigd.",
    ]


async def test_an_inverted_period_is_told_with_the_forms_labels_and_dutch_dates(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    db: AsyncSession,
    clock: MovableClock,
    make_deelnemer: DeelnemerFactory,
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    await login_as("stelselbeheerder")
    wanted = "Geldig tot (1 januari 2026) moet na geldig van (1 december 2026) liggen"

    page = await post_form(
        client,
        f"/beheer/deelnemers/{deelnemer_id}/rollen",
        {
            "rolCode": "afnemer", "geldigVan": "2026-12-01", "geldigTot": "2026-01-01",
            "basisSoort": "besluit", "basisReferentie": "K" * 201,
        },
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as raised:
        await services.create_rolvervulling(
            db,
            deelnemer_id,
            RolvervullingCreate(
                rol_code="afnemer", geldig_van=date(2026, 12, 1), geldig_tot=date(2026, 1, 1),
                basis=BasisInvoer(soort="besluit", referentie="B-1"),
            ),
            actor=BEHEERDER, clock=clock,
        )  # fmt: skip

    text = text_of(page.text)
    assert page.status_code == 400
    assert wanted in text
    assert "geldigTot" not in text
    assert "Het kenmerk of verklaringnummer heeft ten hoogste 200 tekens." in text
    # The API names the field as its schema does.
    assert _reasons(raised.value)["geldigTot"].startswith(wanted)


async def test_an_empty_role_form_reports_every_missing_field(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    await login_as("stelselbeheerder")

    response = await post_form(client, f"/beheer/deelnemers/{deelnemer_id}/rollen", {})

    text = text_of(response.text)
    assert response.status_code == 400
    summary = text.split("Controleer de volgende velden", 1)[1].split("Rol toekennen", 1)[0]
    assert "Kies de rol uit de catalogus." in summary
    assert "Vul de datum bij Geldig van in." in summary
    assert "Geef de referentie van de verklaring of het kenmerk van het besluit." in summary
    assert summary.index("Kies de rol") < summary.index("Geldig van") < summary.index("Geef de referentie")
