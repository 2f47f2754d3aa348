"""A beheerder works with the deelnemer list and a deelnemer's page: sorts and filters the list, reads
the roles on a timeline and the deelnemer's audit trail, and records and ends ondersteuningsrelaties
from either party's page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.ledenadministratie.models import Ondersteuningsrelatie
from tests.accounts.factories import post_form, text_of
from tests.conftest import LoginAs, MovableClock
from tests.ledenadministratie.conftest import DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus")


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _order(html: str, *names: str) -> list[str]:
    text = text_of(html)
    return [name for _, name in sorted((text.find(name), name) for name in names if name in text)]


async def test_the_list_sorts_and_filters_on_status_soort_regio_and_rol(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    enschede = await make_deelnemer("Gemeente Enschede", regio="Twente")
    await make_deelnemer("Gemeente Almere", regio="Flevoland")
    await make_deelnemer("Veilig Thuis Twente", soort="veilig-thuis", regio="Twente", status="geschorst")
    await grant(enschede.id, "afnemer", date(2026, 1, 1))
    await login_as("casemanager")
    names = ("Gemeente Almere", "Gemeente Enschede", "Veilig Thuis Twente")

    by_name = await client.get("/beheer/deelnemers")
    by_regio_desc = await client.get("/beheer/deelnemers", params={"sort": "regio", "order": "desc"})
    twente = await client.get("/beheer/deelnemers", params={"regio": "Twente", "soort": "gemeente"})
    afnemers = await client.get("/beheer/deelnemers", params={"rol": "afnemer"})
    bad_sort = await client.get("/beheer/deelnemers", params={"sort": "wachtwoord"})

    assert _order(by_name.text, *names) == list(names)
    assert _order(by_regio_desc.text, *names) == [
        "Gemeente Enschede",
        "Veilig Thuis Twente",
        "Gemeente Almere",
    ]
    assert 'aria-sort="descending"' in by_regio_desc.text
    assert _order(twente.text, *names) == ["Gemeente Enschede"]
    assert _order(afnemers.text, *names) == ["Gemeente Enschede"]
    assert '<option value="Flevoland">' in by_name.text  # the regio filter offers the known regios
    assert bad_sort.status_code == 200


async def test_the_roles_are_shown_on_a_timeline_in_the_order_they_began(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer = await make_deelnemer("Gemeente Borne")
    await grant(deelnemer.id, "bronhouder", date(2025, 1, 1), date(2026, 1, 1))
    await grant(deelnemer.id, "afnemer", date(2026, 3, 1))
    await grant(deelnemer.id, "deelnemende-organisatie", date(2027, 1, 1))
    await login_as("casemanager")

    page = await client.get(f"/beheer/deelnemers/{deelnemer.id}")

    timeline = page.text[page.text.index('class="stelsel-tijdlijn"') :]
    items = re.findall(r"stelsel-tijdlijn__item--(\w+)", timeline)
    assert items == ["afgelopen", "lopend", "gepland"]
    text = text_of(timeline)
    assert text.index("Bronhouder") < text.index("Afnemer") < text.index("Deelnemende organisatie")
    assert "1 januari 2025 – 1 januari 2026" in text
    assert " style=" not in page.text


async def test_a_relation_recorded_on_one_page_shows_on_both_and_ends_from_either(
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    verklaringen: VerklaringenStandIn,
    db: AsyncSession,
) -> None:
    koppelpunt = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(koppelpunt.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")
    gemeente = await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    borne = await make_deelnemer("Gemeente Borne", kvk="50205671")
    await login_as("stelselbeheerder")
    relatie = {"taken": ["dienstverlener-t01", "dienstverlener-t03"], "geldigVan": "2026-12-01"}

    form = await client.get(f"/beheer/deelnemers/{gemeente.id}")
    from_deelnemer = await post_form(
        client, f"/beheer/deelnemers/{gemeente.id}/ondersteuning",
        relatie | {"kant": "ondersteund-door", "partij": "kvk:90000001"},
    )  # fmt: skip
    from_dienstverlener = await post_form(
        client, f"/beheer/deelnemers/{koppelpunt.id}/ondersteuning",
        relatie | {"kant": "ondersteunt", "partij": str(borne.id)},
    )  # fmt: skip
    unknown = await post_form(
        client, f"/beheer/deelnemers/{gemeente.id}/ondersteuning",
        relatie | {"kant": "ondersteund-door", "partij": "kvk:12345678"},
    )  # fmt: skip
    no_duties = await post_form(
        client, f"/beheer/deelnemers/{borne.id}/ondersteuning",
        {"kant": "ondersteund-door", "partij": "kvk:08193430", "geldigVan": "2026-12-01"},
    )  # fmt: skip

    assert '<option value="kvk:90000001">Koppelpunt BV</option>' in form.text
    assert (from_deelnemer.status_code, from_dienstverlener.status_code) == (303, 303)
    assert unknown.status_code == 400
    assert "Er is geen deelnemer met KvK-nummer 12345678" in text_of(unknown.text)
    assert no_duties.status_code == 400
    assert "Kies ten minste één taak" in text_of(no_duties.text)
    dienstverlener_page = text_of((await client.get(f"/beheer/deelnemers/{koppelpunt.id}")).text)
    gemeente_page = text_of((await client.get(f"/beheer/deelnemers/{gemeente.id}")).text)
    assert "Ondersteunt als dienstverlener" in dienstverlener_page
    assert "Gemeente Hengelo" in dienstverlener_page
    assert "Gemeente Borne" in dienstverlener_page
    assert "Ondersteund door dienstverleners" in gemeente_page
    assert "Koppelpunt BV" in gemeente_page

    hengelo = await db.scalar(
        select(Ondersteuningsrelatie).where(Ondersteuningsrelatie.deelnemer_id == gemeente.id)
    )
    assert hengelo is not None
    end_path = f"/beheer/ondersteuningsrelaties/{hengelo.id}/beeindigen?terug={koppelpunt.id}"
    end_form = await client.get(end_path)
    too_early = await post_form(client, end_path, {"einddatum": "2026-01-01", "reden": "Terug in de tijd"})
    ended = await post_form(client, end_path, {"einddatum": "2027-01-01", "reden": "Contract afgelopen"})

    assert end_form.status_code == 200
    assert too_early.status_code == 400
    assert ended.status_code == 303
    assert ended.headers["location"] == f"/beheer/deelnemers/{koppelpunt.id}"
    await db.refresh(hengelo)
    assert (hengelo.status, hengelo.geldig_tot) == ("beeindigd", date(2027, 1, 1))


async def test_the_page_shows_the_deelnemers_audit_trail_to_those_who_may_read_it(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer = await make_deelnemer("Gemeente Borne")
    await grant(deelnemer.id, "afnemer", date(2026, 1, 1))
    path = f"/beheer/deelnemers/{deelnemer.id}"

    await login_as("auditor")
    auditor = await client.get(path)
    await login_as("casemanager")
    casemanager = await client.get(path)

    text = text_of(auditor.text)
    assert "Audittrail" in text
    assert text.index("rolvervulling.toegekend") < text.index("deelnemer.status-gewijzigd")  # newest first
    assert "deelnemer.aangemeld" in text
    assert f'href="/beheer/audit?entiteit={deelnemer.id}"' in auditor.text
    assert "Audittrail" not in text_of(casemanager.text)


async def test_readers_see_no_relation_forms(
    client: AsyncTestClient[Litestar], login_as: LoginAs, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer = await make_deelnemer("Gemeente Borne")
    await login_as("casemanager")

    page = await client.get(f"/beheer/deelnemers/{deelnemer.id}")
    refused = await post_form(client, f"/beheer/deelnemers/{deelnemer.id}/ondersteuning", {"partij": "x"})

    assert "Ondersteuningsrelatie vastleggen" not in page.text
    assert refused.status_code == 403
