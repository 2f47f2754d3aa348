"""A beheerder ends a deelnemer: a running role ends the next day, a planned role that had not begun
vervalt (it never takes effect), the roles table and the timeline say the same about each, and the
deelnemer's details can no longer be edited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie import services
from registry.ledenadministratie.models import Rolvervulling
from registry.ledenadministratie.schemas import Beeindiging
from registry.ledenadministratie.services.rolvervullingen import rolstand
from tests.accounts.factories import post_form, text_of
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory

pytestmark = pytest.mark.usefixtures("catalogus")

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 4, 23, 16, tzinfo=UTC)


def _sections(html: str) -> tuple[str, str]:
    """The text of the roles table and of the "Rollen in de tijd" timeline."""
    text = text_of(html)
    table = text.split("Rolvervullingen", 1)[1].split("Rollen in de tijd", 1)[0]
    timeline = text.split("Rollen in de tijd", 1)[1].split("Ondersteuning", 1)[0]
    return table, timeline


async def test_ending_a_deelnemer_ends_the_running_role_and_lets_the_planned_one_vervallen(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    db: AsyncSession,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
) -> None:
    deelnemer_id = (await make_deelnemer("Gemeente Oldenzaal")).id
    running = await grant(deelnemer_id, "afnemer", date(2026, 1, 1), date(2027, 1, 1))
    planned = await grant(deelnemer_id, "afnemer", date(2027, 1, 1))
    await login_as("stelselbeheerder")
    path = f"/beheer/deelnemers/{deelnemer_id}"

    ended = await post_form(client, f"{path}/status", {"status": "beeindigd", "reden": "Opgeheven"})
    page = await client.get(path)

    assert ended.status_code == 303
    table, timeline = _sections(page.text)
    for section in (table, timeline):
        assert section.count("Beëindigd per 24 november 2026") == 1
        assert section.count("Vervallen, niet ingegaan") == 1
        assert "Gepland" not in section
        assert "Loopt af" not in section
    assert "Niet ingegaan" in table
    assert "Zou ingaan op 1 januari 2027; niet ingegaan" in timeline
    assert "1 januari 2027 – 1 januari 2027" not in timeline
    assert "1 januari 2026 – 24 november 2026" in timeline

    stored_running = await db.get(Rolvervulling, running.id, populate_existing=True)
    stored_planned = await db.get(Rolvervulling, planned.id, populate_existing=True)
    assert stored_running is not None
    assert stored_planned is not None
    assert (stored_running.geldig_tot, stored_running.wijzigingen[-1].soort) == (
        date(2026, 11, 24),
        "beeindigd",
    )
    # The planned role is closed at its own start: a period no peildatum falls in.
    assert (stored_planned.geldig_tot, stored_planned.wijzigingen[-1].soort) == (
        date(2027, 1, 1),
        "vervallen",
    )


async def test_ending_a_planned_role_on_its_first_day_lets_it_vervallen(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    planned = await grant(deelnemer_id, "afnemer", date(2027, 1, 1), date(2028, 1, 1))

    ended = await services.end_rolvervulling(
        db, planned.id, Beeindiging(einddatum=date(2027, 1, 1), reden="Gaat niet door"),
        actor=BEHEERDER, clock=clock,
    )  # fmt: skip

    assert (ended.status, ended.geldig_tot, ended.wijzigingen[-1].soort) == (
        "beeindigd",
        date(2027, 1, 1),
        "vervallen",
    )
    assert rolstand(ended, TODAY).code == "vervallen"
    assert rolstand(ended, date(2027, 6, 1)).code == "vervallen"


@pytest.mark.parametrize(
    ("van", "tot", "status", "code", "label"),
    [
        (date(2026, 1, 1), None, "actief", "actief", "Actief"),
        (date(2026, 1, 1), date(2027, 1, 1), "actief", "actief", "Actief"),
        (date(2027, 1, 1), None, "actief", "gepland", "Gepland"),
        (date(2025, 1, 1), date(2026, 1, 1), "actief", "afgelopen", "Afgelopen"),
        (date(2025, 1, 1), date(2026, 1, 1), "beeindigd", "beeindigd", "Beëindigd"),
        (date(2026, 1, 1), date(2026, 12, 1), "beeindigd", "loopt-af", "Beëindigd per 1 december 2026"),
        (date(2027, 1, 1), date(2027, 1, 1), "beeindigd", "vervallen", "Vervallen, niet ingegaan"),
    ],
)
def test_every_screen_names_a_rolvervulling_the_same_way(
    van: date, tot: date | None, status: str, code: str, label: str
) -> None:
    rolvervulling = Rolvervulling(geldig_van=van, geldig_tot=tot, status=status)

    stand = rolstand(rolvervulling, TODAY)

    assert (stand.code, stand.label) == (code, label)


async def test_a_beeindigde_deelnemer_offers_no_edit_form_and_refuses_a_change(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer("Gemeente Losser", status="beeindigd")).id
    await login_as("stelselbeheerder")
    path = f"/beheer/deelnemers/{deelnemer_id}"

    page = await client.get(path)
    form = await client.get(f"{path}/bewerken", follow_redirects=False)
    refused = await post_form(client, f"{path}/bewerken", {"naam": "Gemeente Losser Nieuw"})

    assert "Gegevens wijzigen" not in page.text
    assert f"{path}/bewerken" not in page.text
    for response in (form, refused):
        assert response.status_code == 303
        assert response.headers["location"] == path
    shown = text_of((await client.get(path)).text)
    assert "Gemeente Losser is beëindigd" in shown
    assert "Gemeente Losser Nieuw" not in shown


async def test_the_role_is_named_when_it_is_granted_and_ended(
    client: AsyncTestClient[Litestar], login_as: LoginAs, db: AsyncSession, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer("Gemeente Dinkelland")).id
    await login_as("stelselbeheerder")
    path = f"/beheer/deelnemers/{deelnemer_id}"

    granted = await post_form(
        client,
        f"{path}/rollen",
        {"rolCode": "afnemer", "geldigVan": "2026-01-01", "basisSoort": "besluit", "basisReferentie": "B-1"},
    )
    after_grant = text_of((await client.get(path)).text)
    [rolvervulling] = await services.all_rolvervullingen(db, deelnemer_id)
    ended = await post_form(
        client,
        f"/beheer/rolvervullingen/{rolvervulling.id}/beeindigen",
        {"einddatum": "2026-12-01", "reden": "Contract afgelopen"},
    )
    after_end = text_of((await client.get(path)).text)

    assert granted.status_code == ended.status_code == 303
    naam = rolvervulling.rol_naam
    assert naam
    assert naam != "afnemer"
    assert f"De rol {naam} is toegekend." in after_grant
    assert f"De rol {naam} is beëindigd." in after_end
