"""A system reads the catalogue through the public API: releases, roles, functions, grondslagen,
the differences between releases, with ETags for cheap re-reads and problem+json for bad input."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor
from registry.clock import Clock
from roles import editing, services
from roles.schemas import DutyInvoer

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")

Client = AsyncTestClient[Litestar]


async def test_releases_are_listed_with_status_and_paging(client: Client) -> None:
    response = await client.get("/api/v1/releases")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    [release] = body["items"]
    assert release["versie"] == "1.2.0"
    assert release["status"] == "definitief"
    assert release["ingangsdatum"] == "2026-01-01"
    assert "gepubliceerdOp" in release
    assert "gebaseerdOp" in release
    assert body["_links"]["self"]["href"].endswith("page=1&pageSize=20")


async def test_a_release_with_its_process_and_patterns(client: Client) -> None:
    body = (await client.get("/api/v1/releases/1.2.0")).json()
    assert body["release"]["versie"] == "1.2.0"
    assert body["aantallen"]["samenwerkfuncties"] == 15
    assert body["aantallen"]["grondslagen"] == 7
    assert [stap["naam"] for stap in body["samenwerkingsproces"]] == [
        "Verbinding aangaan",
        "Samen onderzoeken",
        "Samen Beslissen",
        "Doen wat werkt",
        "Samen leren",
    ]
    assert [p["code"] for p in body["samenwerkpatronen"]] == ["opdracht", "inzage", "gebeurtenissen"]


async def test_roles_filtered_by_roltype_say_which_release(client: Client) -> None:
    response = await client.get("/api/v1/rollen", params={"roltype": "technisch", "pageSize": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["release"] == {"versie": "1.2.0", "status": "definitief"}
    codes = [rol["code"] for rol in body["items"]]
    assert codes[:2] == ["bronhouder", "afnemer"]
    assert "stelselbeheerder" in codes
    assert {rol["roltype"] for rol in body["items"]} == {"technisch"}
    assert "verklaringVereist" in body["items"][0]


async def test_a_role_with_its_ordered_duties(client: Client) -> None:
    body = (await client.get("/api/v1/rollen/dienstverlener")).json()
    assert body["release"] == {"versie": "1.2.0", "status": "definitief"}
    assert body["naam"] == "Dienstverlener"
    assert body["verklaringVereist"] is True
    assert body["dutiesAfgeleid"] is True
    assert body["duties"][0]["positie"] == 1
    assert {d["soort"] for d in body["duties"]} <= {"taak", "verantwoordelijkheid", "bevoegdheid"}
    assert any(d["verplicht"] for d in body["duties"])
    regisseur = (await client.get("/api/v1/rollen/tien-in-twente-regisseur")).json()
    assert regisseur["relaties"] == [{"soort": "specialiseert", "rol": "procesregisseur"}]


async def test_samenwerkfuncties_and_grondslagen(client: Client) -> None:
    functies = (await client.get("/api/v1/samenwerkfuncties", params={"pageSize": 100})).json()
    assert functies["total"] == 15
    assert functies["release"]["versie"] == "1.2.0"
    melding = functies["items"][0]
    assert melding["naam"] == "Uitwisselen Melding"
    assert melding["huidigeVoorbeelden"].startswith("VT Melding, Niet Acuut Melding")
    detail = (await client.get("/api/v1/samenwerkfuncties/vaststellen-identiteit-en-relaties")).json()
    assert detail["release"]["versie"] == "1.2.0"
    assert detail["samenwerkfunctie"]["gebruikersverhaal"].startswith("Als verzoeker wil ik eenvoudig")
    grondslagen = (await client.get("/api/v1/grondslagen")).json()
    assert [g["code"] for g in grondslagen["items"]][:3] == ["evrm", "ivrk", "jeugdwet-2015"]


async def test_etag_and_cache_control_allow_a_cheap_re_read(client: Client) -> None:
    first = await client.get("/api/v1/rollen/gtk-beheerder")
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert "max-age" in first.headers["cache-control"]
    again = await client.get("/api/v1/rollen/gtk-beheerder", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get("/api/v1/rollen/casemanager", headers={"If-None-Match": etag})
    assert other.status_code == 200
    listed = await client.get("/api/v1/releases")
    assert (
        await client.get("/api/v1/releases", headers={"If-None-Match": listed.headers["etag"]})
    ).status_code == 304


async def test_unknown_role_or_release_is_a_404_problem(client: Client) -> None:
    for path, params in (
        ("/api/v1/rollen/bestaat-niet", {}),
        ("/api/v1/rollen/dienstverlener", {"release": "9.9.9"}),
        ("/api/v1/releases/9.9.9", {}),
    ):
        response = await client.get(path, params=params)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]


async def test_an_unknown_roltype_is_a_400_naming_the_field(client: Client) -> None:
    response = await client.get("/api/v1/rollen", params={"roltype": "bestuurlijk"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in response.json()["invalidParams"]] == ["roltype"]


async def test_the_differences_between_two_releases(
    client: Client, db: AsyncSession, clock: Clock, beheerder: Actor
) -> None:
    await services.create_release(db, "1.3.0", actor=beheerder, clock=clock)
    await editing.add_duty(
        db,
        "1.3.0",
        DutyInvoer(
            rol="melder", soort="taak", tekst="Meldt zorgen via het meldpunt van de regio.", verplicht=True
        ),
        actor=beheerder,
        clock=clock,
    )
    # a concept is not public: not listed, not found, not even its differences
    assert (await client.get("/api/v1/releases")).json()["total"] == 1
    assert (await client.get("/api/v1/releases/1.3.0")).status_code == 404
    assert (await client.get("/api/v1/releases/1.3.0/verschillen")).status_code == 404
    await services.start_consultatie(db, "1.3.0", actor=beheerder, clock=clock)
    response = await client.get("/api/v1/releases/1.3.0/verschillen", params={"tenOpzichteVan": "1.2.0"})
    assert response.status_code == 200
    body = response.json()
    assert body["van"] == {"versie": "1.2.0", "status": "definitief"}
    assert body["naar"] == {"versie": "1.3.0", "status": "consultatie"}
    [melder] = body["rollen"]["gewijzigd"]
    assert melder["code"] == "melder"
    assert melder["duties"]["toegevoegd"] == [
        {
            "code": "melder-t01",
            "soort": "taak",
            "tekst": "Meldt zorgen via het meldpunt van de regio.",
            "verplicht": True,
        }
    ]
    # without tenOpzichteVan: the release before
    assert (await client.get("/api/v1/releases/1.3.0/verschillen")).json()["van"]["versie"] == "1.2.0"
    nothing_before = await client.get("/api/v1/releases/1.2.0/verschillen")
    assert nothing_before.status_code == 400
    assert nothing_before.json()["invalidParams"][0]["name"] == "tenOpzichteVan"


async def test_the_api_shows_the_new_release_after_publication_and_keeps_the_old_one(
    client: Client, db: AsyncSession, clock: Clock, beheerder: Actor
) -> None:
    await services.create_release(db, "1.3.0", actor=beheerder, clock=clock)
    await services.start_consultatie(db, "1.3.0", actor=beheerder, clock=clock)
    await services.publish_release(db, "1.3.0", actor=beheerder, clock=clock)
    current = (await client.get("/api/v1/rollen/melder")).json()
    assert current["release"] == {"versie": "1.3.0", "status": "definitief"}
    old = (await client.get("/api/v1/rollen/melder", params={"release": "1.2.0"})).json()
    assert old["release"] == {"versie": "1.2.0", "status": "vervallen"}
    versies = [r["versie"] for r in (await client.get("/api/v1/releases")).json()["items"]]
    assert versies == ["1.3.0", "1.2.0"]


async def test_the_catalogue_endpoints_are_documented(client: Client) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    for path in (
        "/releases",
        "/releases/{versie}",
        "/releases/{versie}/verschillen",
        "/rollen",
        "/rollen/{code}",
        "/samenwerkfuncties",
        "/grondslagen",
    ):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/releases/{versie}/verschillen"]["get"]["parameters"]}
    assert "tenOpzichteVan" in parameters
