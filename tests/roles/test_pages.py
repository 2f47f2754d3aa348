"""A visitor reads the published catalogue: roles per roltype, a role's duties in three columns,
samenwerkfuncties, grondslagen and the samenwerkpatronen, for the current or an older release."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from roles import services
from tests.roles.html import section, text_of

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")

Client = AsyncTestClient[Litestar]


async def test_a_visitor_reads_the_roles_grouped_by_roltype(client: Client) -> None:
    response = await client.get("/catalogus")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Release 1.2.0 Definitief" in page
    for heading in (
        "Besturingsrollen",
        "Organisatorische en procesrollen",
        "Technische rollen",
        "Dienstverlening",
    ):
        assert heading in page
    besturing = text_of(section(response.text, "roltype-besturing"))
    assert "Stelselhouder" in besturing
    assert (
        "Eindverantwoordelijk voor het ontwikkelen en beheren van het stelsel. "
        "De houder stelt de scope en het doel" in besturing
    )
    assert "Invulling rol nog te bepalen" in besturing
    assert "Eindverantwoordelijk ntb, Per onderdeel ntb" in besturing  # Stelsel Technisch beheerder
    dienstverlening = text_of(section(response.text, "roltype-dienstverlening"))
    assert "GtK Beheerder" in dienstverlening
    assert "Verklaring vereist" in dienstverlening
    assert '<th scope="col"' in response.text
    assert "<caption" in response.text


async def test_a_visitor_opens_a_role_and_sees_its_duties_in_three_columns(client: Client) -> None:
    response = await client.get("/catalogus/rollen/tien-in-twente-regisseur")
    assert response.status_code == 200
    html = response.text
    assert "<h1" in html
    taken = text_of(section(html, "kolom-taak"))
    verantwoordelijkheden = text_of(section(html, "kolom-verantwoordelijkheid"))
    bevoegdheden = text_of(section(html, "kolom-bevoegdheid"))
    assert taken.startswith("Taken")
    assert "Draagt zorg voor goede afspraken over privacy, convenant en geheimhoudingsverklaring." in taken
    assert "Ziet toe op de afspraken en organiseert/verbetert afspraken waar nodig." in verantwoordelijkheden
    assert "Ziet toe op de afspraken" not in taken
    assert bevoegdheden.startswith("Bevoegdheden")
    assert "Verplicht" in taken
    relaties = text_of(section(html, "relaties"))
    assert "Is een uitwerking van: Procesregisseur" in relaties


async def test_a_derived_duty_list_says_so(client: Client) -> None:
    page = text_of((await client.get("/catalogus/rollen/dienstverlener")).text)
    assert "Deze lijst is door het stelsel opgesteld" in page
    assert "Ja: deze rol mag pas worden vervuld na afgifte van een verklaring" in page
    plain = text_of((await client.get("/catalogus/rollen/tien-in-twente-regisseur")).text)
    assert "Deze lijst is door het stelsel opgesteld" not in plain


async def test_samenwerkfuncties_with_the_worked_out_example(client: Client) -> None:
    overview = await client.get("/catalogus/samenwerkfuncties")
    page = text_of(overview.text)
    assert "De 15 samenwerkfuncties in release 1.2.0" in page
    assert "Uitwisselen Melding" in page
    assert "Monitoring kwaliteit en effectiviteit" in page
    detail = text_of((await client.get("/catalogus/samenwerkfuncties/uitwisselen-melding")).text)
    assert "1. Uitwisselen Melding" in detail
    assert "VT Melding, Niet Acuut Melding, ZVH Melding, Comensha Melding." in detail
    assert "Als verzoeker van een melding wil ik eenvoudig en uniform mijn zorgen" in detail
    assert "O.a. Politie meldt bij zorgen rond personen aan diverse organisaties" in detail
    later = text_of((await client.get("/catalogus/samenwerkfuncties/werken-aan-preventie")).text)
    assert "nog niet verder uitgewerkt" in later


async def test_grondslagen_and_samenwerkpatronen(client: Client) -> None:
    grondslagen = await client.get("/catalogus/grondslagen")
    page = text_of(grondslagen.text)
    assert "Jeugdwet 2015" in page
    assert "De Jeugdwet regelt de jeugdzorg, de jeugdbescherming en de jeugdreclassering." in page
    assert '<th scope="row"' in grondslagen.text
    patronen = text_of((await client.get("/catalogus/samenwerkpatronen")).text)
    assert "Verbinding aangaan: Verbinding aangaan is het inzien en verwerken van informatie" in patronen
    assert "c. Gebeurtenissen" in patronen
    assert "Inzage daarentegen is een synchroon patroon." in patronen


async def test_unknown_role_or_release_is_a_404_page(client: Client) -> None:
    response = await client.get("/catalogus/rollen/bestaat-niet")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert (await client.get("/catalogus", params={"release": "9.9.9"})).status_code == 404


async def test_a_concept_release_is_not_public(
    client: Client, db: AsyncSession, clock: Clock, beheerder: Actor
) -> None:
    await services.create_release(db, "1.3.0", actor=beheerder, clock=clock)
    assert (await client.get("/catalogus", params={"release": "1.3.0"})).status_code == 404
    switcher = (await client.get("/catalogus")).text
    assert 'value="1.3.0"' not in switcher
