"""After afgifte: schorsen and herstellen, intrekken, verlopen, vernieuwen, and the status list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from registry.errors import Conflict, InvalidTransition
from registry.ledenadministratie.models import Rolvervulling
from registry.signing import KeyRing
from tests.conftest import MovableClock
from tests.verklaringen.conftest import Process
from verklaringen.services import afgifte, levenscyclus, queries
from verklaringen.services.queries import find_verklaring
from verklaringen.services.statuslijsten import statuslijst_uri
from verklaringen.statuslist import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, read_status_list_token


async def _status_in_list(client: AsyncTestClient[Litestar], process: Process, nummer: str) -> int:
    answer = await client.get("/api/v1/statuslijsten/1")
    assert answer.status_code == 200
    base = process.settings.base_url
    ring = KeyRing(process.settings.keys_dir)
    token = read_status_list_token(
        answer.text,
        ring.public_jwks(),
        uri=statuslijst_uri(base),
        issuer=base,
        now=process.clock.now(),
        revoked_kids=ring.revoked_kids(),
    )
    verklaring = await find_verklaring(process.db, nummer)
    assert verklaring.statuslijst_index is not None
    return token.status_list.get(verklaring.statuslijst_index)


async def test_suspending_and_reinstating_flip_the_status_list_at_once(
    process: Process, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await process.afgegeven()).nummer
    assert await _status_in_list(client, process, nummer) == STATUS_VALID
    arguments = {
        "principal": process.people.beheerder,
        "clock": process.clock,
        "base_url": process.settings.base_url,
    }

    geschorst = await levenscyclus.schors(process.db, nummer, "Incident in onderzoek.", **arguments)  # type: ignore[arg-type]

    assert geschorst.status == "geschorst"
    assert await _status_in_list(client, process, nummer) == STATUS_SUSPENDED
    with pytest.raises(InvalidTransition):
        await levenscyclus.schors(process.db, nummer, "Nog eens.", **arguments)  # type: ignore[arg-type]
    hersteld = await levenscyclus.herstel(process.db, nummer, "Incident opgelost.", **arguments)  # type: ignore[arg-type]
    assert hersteld.status == "geldig"
    assert await _status_in_list(client, process, nummer) == STATUS_VALID


async def test_withdrawing_is_final_and_ends_the_rolvervulling_today(
    process: Process, client: AsyncTestClient[Litestar]
) -> None:
    nummer = (await process.afgegeven()).nummer
    arguments = {
        "principal": process.people.beheerder,
        "clock": process.clock,
        "base_url": process.settings.base_url,
    }

    ingetrokken = await levenscyclus.trek_in(process.db, nummer, "Voldoet niet meer.", **arguments)  # type: ignore[arg-type]

    assert ingetrokken.status == "ingetrokken"
    assert await _status_in_list(client, process, nummer) == STATUS_INVALID
    rolvervulling = await process.db.scalar(
        select(Rolvervulling)
        .where(Rolvervulling.basis_referentie == nummer)
        .execution_options(populate_existing=True)
    )
    assert rolvervulling is not None
    assert rolvervulling.geldig_tot == queries.today_of(process.clock.now())
    with pytest.raises(InvalidTransition):
        await levenscyclus.herstel(process.db, nummer, "Toch niet.", **arguments)  # type: ignore[arg-type]
    summary = await client.get(f"/api/v1/verklaringen/{nummer}")
    assert summary.json()["status"] == "ingetrokken"
    assert summary.json()["intrekkingsreden"] == "Voldoet niet meer."


async def test_a_verklaring_expires_at_its_end_date(
    process: Process, client: AsyncTestClient[Litestar], clock: MovableClock
) -> None:
    verklaring = await process.afgegeven()

    clock.moment += timedelta(days=(verklaring.geldig_tot - verklaring.geldig_van).days + 1)

    summary = await client.get(f"/api/v1/verklaringen/{verklaring.nummer}")
    assert summary.json()["status"] == "verlopen"
    listed = await client.get("/api/v1/verklaringen", params={"status": "verlopen"})
    assert [v["nummer"] for v in listed.json()["items"]] == [verklaring.nummer]
    assert (await client.get("/api/v1/verklaringen", params={"status": "geldig"})).json()["total"] == 0


async def test_a_renewal_is_a_new_intake_and_starts_when_the_old_verklaring_ends(process: Process) -> None:
    oud = await process.afgegeven()
    beheerder, clock = process.people.beheerder, process.clock

    vernieuwing = await levenscyclus.vernieuw(process.db, oud.nummer, principal=beheerder, clock=clock)

    assert (vernieuwing.soort, vernieuwing.vernieuwt, vernieuwing.status) == (
        "vernieuwing",
        oud.nummer,
        "ingediend",
    )
    with pytest.raises(Conflict):
        await levenscyclus.vernieuw(process.db, oud.nummer, principal=beheerder, clock=clock)
    nieuw = await find_verklaring(process.db, await process.tot_toegekend(vernieuwing.referentie))
    assert nieuw.vernieuwt == oud.nummer
    assert nieuw.geldig_van == oud.geldig_tot
    await afgifte.onderteken_als_deelnemer(
        process.db,
        nieuw.nummer,
        akkoord=True,
        document_hash=nieuw.inhoud_hash,
        principal=await process.contact_of(nieuw.nummer),
        clock=clock,
    )
    issued = await afgifte.geef_af(
        process.db,
        nieuw.nummer,
        document_hash=nieuw.inhoud_hash,
        principal=beheerder,
        clock=clock,
        signer=process.signer,
        base_url=process.settings.base_url,
        renderer=process.renderer,
    )
    assert issued.status == "nog_niet_geldig"


async def test_the_status_list_has_an_etag_and_answers_304(
    process: Process, client: AsyncTestClient[Litestar]
) -> None:
    await process.afgegeven()

    first = await client.get("/api/v1/statuslijsten/1")
    again = await client.get("/api/v1/statuslijsten/1", headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["content-type"].startswith("application/statuslist+jwt")
    assert "max-age=300" in first.headers["cache-control"]
    assert again.status_code == 304
    assert (await client.get("/api/v1/statuslijsten/2")).status_code == 404
