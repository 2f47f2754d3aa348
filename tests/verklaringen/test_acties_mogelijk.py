"""The verklaring page only offers the actions possible for its status, and the confirmation page of
an action that is not possible now says why and offers no button (also when confirmed anyway).
Page and service follow one rule (levenscyclus.waarom_niet): what the page does not offer, the
service refuses with the reason the page gives. Renewing is not offered while a renewal runs."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.errors import Conflict, DomainError, InvalidTransition
from tests.accounts.factories import post_form
from tests.conftest import LoginAs
from tests.verklaringen.conftest import Process
from verklaringen.services import levenscyclus, queries

Client = AsyncTestClient[Litestar]
ACTIES = ("schorsen", "herstellen", "intrekken", "vernieuwen")


def _aangeboden(html: str, nummer: str) -> set[str]:
    return {actie for actie in ACTIES if f"/beheer/verklaringen/{nummer}/acties/{actie}" in html}


def _heeft_bevestigknop(html: str, nummer: str, actie: str) -> bool:
    return bool(re.search(rf'<form[^>]*action="/beheer/verklaringen/{nummer}/acties/{actie}"', html))


async def _in_status(process: Process, status: str) -> str:
    if status == "ter_ondertekening":
        return await process.toegekend()
    nummer = (await process.afgegeven()).nummer
    arguments = {
        "principal": process.people.beheerder,
        "clock": process.clock,
        "base_url": process.settings.base_url,
    }
    if status == "geschorst":
        await levenscyclus.schors(process.db, nummer, "Incident in onderzoek.", **arguments)  # type: ignore[arg-type]
    elif status == "ingetrokken":
        await levenscyclus.trek_in(process.db, nummer, "Voldoet niet meer.", **arguments)  # type: ignore[arg-type]
    return nummer


@pytest.mark.parametrize(
    ("status", "mogelijk", "waarom_niet"),
    [
        ("geldig", {"schorsen", "intrekken", "vernieuwen"}, {"herstellen": "is niet geschorst"}),
        ("geschorst", {"herstellen", "intrekken", "vernieuwen"}, {"schorsen": "is al geschorst"}),
        ("ingetrokken", set(), dict.fromkeys(("schorsen", "herstellen", "intrekken"), "dat is definitief")),
        (
            "ter_ondertekening",
            set(),
            dict.fromkeys(("schorsen", "herstellen", "intrekken"), "is nog niet afgegeven"),
        ),
    ],
)
async def test_only_possible_actions_are_offered_and_confirmable(
    process: Process,
    client: Client,
    login_as: LoginAs,
    status: str,
    mogelijk: set[str],
    waarom_niet: dict[str, str],
) -> None:
    nummer = await _in_status(process, status)
    await login_as("stelselbeheerder")

    detail = await client.get(f"/beheer/verklaringen/{nummer}")

    assert detail.status_code == 200
    assert _aangeboden(detail.text, nummer) == mogelijk
    for actie in {"schorsen", "herstellen", "intrekken"} & mogelijk:
        page = await client.get(f"/beheer/verklaringen/{nummer}/acties/{actie}")
        assert page.status_code == 200
        assert _heeft_bevestigknop(page.text, nummer, actie)
        assert "Dit is nu niet mogelijk" not in page.text
    for actie, reden in waarom_niet.items():
        page = await client.get(f"/beheer/verklaringen/{nummer}/acties/{actie}")
        assert page.status_code == 200
        assert "Dit is nu niet mogelijk" in page.text
        assert reden in page.text
        assert not _heeft_bevestigknop(page.text, nummer, actie)
        assert "Bevestigen" not in page.text
        assert f'href="/beheer/verklaringen/{nummer}"' in page.text


async def test_confirming_an_impossible_action_shows_why_instead_of_an_error_page(
    process: Process, client: Client, login_as: LoginAs
) -> None:
    nummer = (await process.afgegeven()).nummer
    await login_as("stelselbeheerder")

    refused = await post_form(client, f"/beheer/verklaringen/{nummer}/acties/herstellen", {"reden": "Toch."})

    assert refused.status_code == 409
    assert "Dit is nu niet mogelijk" in refused.text
    assert "is niet geschorst" in refused.text
    assert not _heeft_bevestigknop(refused.text, nummer, "herstellen")


async def test_a_second_renewal_goes_back_to_the_verklaring_with_the_reason(
    process: Process, client: Client, login_as: LoginAs
) -> None:
    nummer = (await process.afgegeven()).nummer
    await login_as("stelselbeheerder")
    first = await post_form(client, f"/beheer/verklaringen/{nummer}/acties/vernieuwen")
    assert first.status_code == 303

    second = await post_form(client, f"/beheer/verklaringen/{nummer}/acties/vernieuwen")

    assert second.status_code == 303
    assert second.headers["location"] == f"/beheer/verklaringen/{nummer}"
    assert "loopt al aanmelding" in (await client.get(second.headers["location"])).text


@pytest.mark.parametrize("stap", ["ingediend", "toegekend"])
async def test_renewing_is_not_offered_while_a_renewal_runs_and_the_page_says_why(
    process: Process, client: Client, login_as: LoginAs, stap: str
) -> None:
    nummer = (await process.afgegeven()).nummer
    vernieuwing = await levenscyclus.vernieuw(
        process.db, nummer, principal=process.people.beheerder, clock=process.clock
    )
    if stap == "toegekend":
        nieuw = await process.tot_toegekend(vernieuwing.referentie)
        assert (await queries.find_verklaring(process.db, nieuw)).fase == "ter_ondertekening"
    await login_as("stelselbeheerder")

    detail = await client.get(f"/beheer/verklaringen/{nummer}")

    assert detail.status_code == 200
    assert _aangeboden(detail.text, nummer) == {"schorsen", "intrekken"}
    assert not _heeft_bevestigknop(detail.text, nummer, "vernieuwen")
    assert "Vernieuwen is nu niet mogelijk" in detail.text
    assert f"Voor deze organisatie en rol loopt al aanmelding {vernieuwing.referentie}." in detail.text
    assert f'href="/beheer/aanmeldingen/{vernieuwing.referentie}"' in detail.text


async def test_a_verklaring_in_force_without_a_renewal_says_nothing_about_one(
    process: Process, client: Client, login_as: LoginAs
) -> None:
    nummer = (await process.afgegeven()).nummer
    await login_as("stelselbeheerder")

    detail = await client.get(f"/beheer/verklaringen/{nummer}")

    assert _heeft_bevestigknop(detail.text, nummer, "vernieuwen")
    assert "Vernieuwen is nu niet mogelijk" not in detail.text


async def _weigering(process: Process, nummer: str, actie: str) -> DomainError:
    """What the service answers when ``actie`` is taken anyway."""
    arguments: dict[str, Any] = {"principal": process.people.beheerder, "clock": process.clock}
    if actie == "vernieuwen":
        attempt = levenscyclus.vernieuw(process.db, nummer, **arguments)
    else:
        operation = {
            "intrekken": levenscyclus.trek_in,
            "schorsen": levenscyclus.schors,
            "herstellen": levenscyclus.herstel,
        }[actie]
        attempt = operation(process.db, nummer, "Toch.", base_url=process.settings.base_url, **arguments)
    with pytest.raises(DomainError) as refused:
        await attempt
    return refused.value


@pytest.mark.parametrize("status", ["geldig", "geschorst", "ingetrokken", "vernieuwing_loopt"])
async def test_the_service_refuses_what_the_page_does_not_offer_with_the_reason_the_page_gives(
    process: Process, client: Client, login_as: LoginAs, status: str
) -> None:
    nummer = await _in_status(process, "geldig" if status == "vernieuwing_loopt" else status)
    if status == "vernieuwing_loopt":
        await levenscyclus.vernieuw(
            process.db, nummer, principal=process.people.beheerder, clock=process.clock
        )
    await login_as("stelselbeheerder")
    aangeboden = _aangeboden((await client.get(f"/beheer/verklaringen/{nummer}")).text, nummer)

    for actie in set(ACTIES) - aangeboden:
        belemmering = levenscyclus.waarom_niet(
            await queries.find_verklaring(process.db, nummer),
            actie,
            lopende_aanmelding=await _lopend(process, nummer),
        )
        assert belemmering is not None, actie
        refused = await _weigering(process, nummer, actie)
        assert refused.detail == belemmering.reden
        assert isinstance(refused, Conflict if belemmering.lopende_aanmelding else InvalidTransition)
        shown = (
            (await client.get(f"/beheer/verklaringen/{nummer}")).text
            if actie == "vernieuwen"
            else (await client.get(f"/beheer/verklaringen/{nummer}/acties/{actie}")).text
        )
        if status != "ingetrokken" or actie != "vernieuwen":
            assert html.escape(belemmering.reden, quote=False) in shown


async def _lopend(process: Process, nummer: str) -> str | None:
    verklaring = await queries.find_verklaring(process.db, nummer)
    return await levenscyclus.lopende_aanmelding(process.db, verklaring.deelnemer_id, verklaring.rol_code)
