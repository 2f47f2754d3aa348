"""Who holds a role, everywhere the register answers it, agrees with the rolcheck: a deelnemer whose
verklaring is geschorst does not hold the role it rests on while the schorsing lasts. A filter "has
role X" leaves it out, a list of holders does not name it, a list of the deelnemer's own roles shows
the role as not toegekend with the rolcheck's reason, and so does the lookup answer about the
deelnemer (its ``verklaringbezwaar``); once the schorsing is lifted it holds again, and a question as
of a moment before or during the schorsing is answered as the verklaring stood then."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.directread import session_snapshot
from registry.ledenadministratie import services
from registry.ledenadministratie.catalogus import catalogusstand
from registry.ledenadministratie.models import Deelnemer
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import (
    Basis,
    BasisInvoer,
    DeelnemerCreate,
    IdentificatieInvoer,
    Rolvervulling,
    RolvervullingCreate,
)
from registry.ledenadministratie.services import directe_lookup
from registry.ledenadministratie.services.houders import geldige_houder_van
from registry.ledenadministratie.services.rolvervullingen import rolstand
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    verklaring_check_installed,
)
from registry.readcache import read_cache
from tests.accounts.factories import text_of
from tests.conftest import LoginAs, MovableClock, statements
from tests.ledenadministratie.conftest import BEHEERDER
from tests.verklaringen.conftest import Process
from verklaringen.services import levenscyclus
from verklaringen.services.queries import find_verklaring
from verklaringen.services.verklaringcheck import verklaring_check

ROL = "dienstverlener"
KOPPELPUNT, KETENLINK = "90000001", "90000002"


async def _afgegeven(process: Process, kvk: str, naam: str) -> str:
    """A verklaring for ``naam`` issued through the process: the deelnemer then holds the role on it."""
    referentie = (await process.aangemeld(kvk, naam=naam)).referentie
    nummer = await process.tot_toegekend(referentie)
    await process.onderteken_als_deelnemer(nummer)
    await process.geef_af(nummer)
    return nummer


async def _schors(process: Process, nummer: str) -> None:
    """Suspend the verklaring a minute from now (the clock moves on to that minute)."""
    assert isinstance(process.clock, MovableClock)
    process.clock.advance(minutes=1)
    await levenscyclus.schors(
        process.db,
        nummer,
        "Beveiligingsincident in onderzoek.",
        principal=process.people.beheerder,
        clock=process.clock,
        base_url=process.settings.base_url,
    )


async def _herstel(process: Process, nummer: str) -> None:
    """Lift the schorsing a minute from now (the clock moves on to that minute)."""
    assert isinstance(process.clock, MovableClock)
    process.clock.advance(minutes=1)
    await levenscyclus.herstel(
        process.db,
        nummer,
        "Incident opgelost.",
        principal=process.people.beheerder,
        clock=process.clock,
        base_url=process.settings.base_url,
    )


@pytest.fixture
async def twee(process: Process, clock: MovableClock) -> tuple[str, str]:
    """Two dienstverleners on their own verklaring, issued a minute ago: Koppelpunt's and Ketenlink's."""
    koppelpunt = await _afgegeven(process, KOPPELPUNT, "Koppelpunt BV")
    ketenlink = await _afgegeven(process, KETENLINK, "Ketenlink BV")
    clock.advance(minutes=1)
    return koppelpunt, ketenlink


async def _met_rol(client: AsyncTestClient[Litestar], peildatum: datetime | None = None) -> list[str]:
    params = {"rol": ROL} | ({} if peildatum is None else {"peildatum": peildatum.isoformat()})
    response = await client.get("/api/v1/deelnemers", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    names = [item["naam"] for item in body["items"]]
    assert body["total"] == len(names)
    return names


async def _rolcheck(client: AsyncTestClient[Litestar], kvk: str) -> dict[str, Any]:
    response = await client.get("/api/v1/rolcheck", params={"deelnemer": f"kvk:{kvk}", "rol": ROL})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_rol_filter_leaves_out_a_holder_while_its_verklaring_is_geschorst(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar], twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee
    voor_de_schorsing = clock.now()
    assert await _met_rol(client) == ["Ketenlink BV", "Koppelpunt BV"]

    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    tijdens = clock.now()

    rolcheck = await _rolcheck(client, KOPPELPUNT)
    assert (rolcheck["vervuld"], rolcheck["redenCode"]) == (False, "verklaring-niet-geldig")
    assert f"Verklaring {koppelpunt} is geschorst sinds" in rolcheck["reden"]
    assert (await _rolcheck(client, KETENLINK))["vervuld"] is True
    assert await _met_rol(client) == ["Ketenlink BV"]
    assert await _met_rol(client, voor_de_schorsing) == ["Ketenlink BV", "Koppelpunt BV"]

    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)

    assert (await _rolcheck(client, KOPPELPUNT))["vervuld"] is True
    assert await _met_rol(client) == ["Ketenlink BV", "Koppelpunt BV"]
    assert await _met_rol(client, tijdens) == ["Ketenlink BV"]  # as the verklaring stood then


async def _houders(db: AsyncSession, moment: datetime) -> list[str]:
    voorwaarde = await geldige_houder_van(db, [ROL], Peildatum.at(moment))
    return list(await db.scalars(select(Deelnemer.naam).where(voorwaarde).order_by(Deelnemer.naam)))


async def test_the_holder_condition_follows_the_schorsing_as_of_every_moment(
    process: Process, clock: MovableClock, db: AsyncSession, twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee
    voor_de_schorsing = clock.now()
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    tijdens = clock.now()

    with verklaring_check_installed(verklaring_check):
        assert await _houders(db, tijdens) == ["Ketenlink BV"]
        assert await _houders(db, voor_de_schorsing) == ["Ketenlink BV", "Koppelpunt BV"]
        await _herstel(process, koppelpunt)
        clock.advance(minutes=1)
        assert await _houders(db, clock.now()) == ["Ketenlink BV", "Koppelpunt BV"]
        assert await _houders(db, tijdens) == ["Ketenlink BV"]
    with verklaring_check_installed(None):  # no verklaringen domain: the grants stand, as in the rolcheck
        assert await _houders(db, tijdens) == ["Ketenlink BV", "Koppelpunt BV"]


async def test_the_holder_condition_judges_every_verklaring_at_once(
    process: Process, clock: MovableClock, db: AsyncSession, twee: tuple[str, str]
) -> None:
    await _schors(process, twee[0])
    peildatum = Peildatum.at(clock.now())
    with verklaring_check_installed(verklaring_check):
        with statements(db) as bij_twee:
            await geldige_houder_van(db, [ROL], peildatum)
        for kvk in ("90000003", "90000004", "90000005"):
            await _afgegeven(process, kvk, f"Dienstverlener {kvk}")
        with statements(db) as bij_vijf:
            await geldige_houder_van(db, [ROL], peildatum)

    # the rolvervullingen on a verklaring, then the verklaringen domain's statements for all of them
    assert len(bij_vijf) == len(bij_twee) <= 3, bij_vijf


def _vervuld_door_twee(text: str) -> bool:
    return text.startswith("Nu vervuld door 2 deelnemers: Ketenlink BV Koppelpunt BV")


async def test_the_role_page_of_the_catalogue_names_only_the_deelnemers_the_role_is_granted_to(
    process: Process, clock: MovableClock, client: AsyncTestClient[Litestar], twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee

    async def vervuld_door() -> str:
        page = text_of((await client.get(f"/catalogus/rollen/{ROL}")).text)
        return page[page.index("Nu vervuld door") :][:60]

    assert _vervuld_door_twee(await vervuld_door())
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    assert (await vervuld_door()).startswith("Nu vervuld door 1 deelnemer: Ketenlink BV")
    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)
    assert _vervuld_door_twee(await vervuld_door())


async def test_the_deelnemer_pages_show_the_role_as_not_toegekend_while_the_verklaring_is_geschorst(
    process: Process,
    clock: MovableClock,
    db: AsyncSession,
    client: AsyncTestClient[Litestar],
    login_as: LoginAs,
    twee: tuple[str, str],
) -> None:
    koppelpunt, _ = twee
    deelnemer_id = (await find_verklaring(db, koppelpunt)).deelnemer_id
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    rolcheck = await _rolcheck(client, KOPPELPUNT)
    reden = rolcheck["reden"].removeprefix("Niet toegekend: ")

    await login_as("stelselbeheerder")
    beheer = text_of((await client.get(f"/beheer/deelnemers/{deelnemer_id}")).text)
    await login_as("deelnemer-contact", deelnemer_id=deelnemer_id)
    eigen = text_of((await client.get("/mijn-organisatie")).text)

    assert reden.startswith(f"Verklaring {koppelpunt} is geschorst sinds")
    assert f"Niet toegekend {reden}" in beheer
    assert f"Niet toegekend {reden}" in eigen

    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)
    await login_as("stelselbeheerder")
    beheer = text_of((await client.get(f"/beheer/deelnemers/{deelnemer_id}")).text)
    assert "Niet toegekend" not in beheer
    assert f"verklaring {koppelpunt} 1.2.0 Actief" in beheer


def test_a_verklaringbezwaar_marks_only_a_running_role() -> None:
    vandaag = date(2026, 11, 23)

    def rol(van: date, tot: date | None = None) -> Rolvervulling:
        return Rolvervulling(
            id=uuid.uuid4(), rol_code=ROL, rol_naam="Dienstverlener", geldig_van=van, geldig_tot=tot,
            status="actief", basis=Basis(soort="verklaring", referentie="VKL-2026-000001"),
            release="1.2.0", geregistreerd_op=datetime(2026, 1, 1),
        )  # fmt: skip

    bezwaar = "Verklaring VKL-2026-000001 is geschorst sinds 2026-11-20T09:00:00Z."
    lopend = rolstand(rol(date(2026, 1, 1)), vandaag, bezwaar)
    assert (lopend.code, lopend.label, lopend.toelichting) == ("niet-toegekend", "Niet toegekend", bezwaar)
    assert rolstand(rol(date(2026, 1, 1)), vandaag).code == "actief"
    assert rolstand(rol(vandaag + timedelta(days=1)), vandaag, bezwaar).code == "gepland"
    assert rolstand(rol(date(2025, 1, 1), date(2026, 1, 1)), vandaag, bezwaar).code == "afgelopen"


# --- the lookup answers about a deelnemer ----------------------------------------------------------------

TokenFactory = Callable[..., Awaitable[str]]


async def _op_besluit(process: Process, deelnemer_id: uuid.UUID, rol_code: str = "afnemer") -> None:
    """Grant the deelnemer ``rol_code`` on a besluit (a role that rests on no verklaring), from today."""
    await services.create_rolvervulling(
        process.db,
        deelnemer_id,
        RolvervullingCreate(
            rol_code=rol_code,
            geldig_van=Peildatum.at(process.clock.now()).datum,
            basis=BasisInvoer(soort="besluit", referentie="BESLUIT-2026-001"),
        ),
        actor=BEHEERDER,
        clock=process.clock,
    )


async def _bezwaren(
    client: AsyncTestClient[Litestar], path: str, token: str | None = None, **params: str
) -> dict[str, str | None]:
    """The ``verklaringbezwaar`` of each role of the (first) deelnemer in the answer, by role code."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    if params:
        path += ("&" if "?" in path else "?") + urlencode(params)
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    deelnemer = body["items"][0] if "items" in body else body
    return {rol["rolCode"]: rol["verklaringbezwaar"] for rol in deelnemer["rollen"]}


async def test_every_lookup_answer_about_the_deelnemer_names_the_rolchecks_reason_for_its_verklaring(
    process: Process,
    clock: MovableClock,
    db: AsyncSession,
    client: AsyncTestClient[Litestar],
    api_token: TokenFactory,
    twee: tuple[str, str],
) -> None:
    koppelpunt, _ = twee
    deelnemer_id = (await find_verklaring(db, koppelpunt)).deelnemer_id
    await _op_besluit(process, deelnemer_id)
    token = await api_token("lookup:read")
    answers = [
        f"/api/v1/deelnemers/{deelnemer_id}",  # anonymous: read directly; with the token: through the ORM
        f"/api/v1/deelnemers/kvk:{KOPPELPUNT}",
        f"/api/v1/deelnemers?identificatie=kvk:{KOPPELPUNT}",
        "/api/v1/deelnemers?zoek=koppelpunt",
        "/api/v1/deelnemers?zoek=koppelpunt&soort=softwareleverancier",  # through the ORM, also anonymous
    ]

    async def everywhere(**params: str) -> list[dict[str, str | None]]:
        return [await _bezwaren(client, path, who, **params) for path in answers for who in (None, token)]

    async def rolcheck_reden(**params: str) -> str:
        response = await client.get(
            "/api/v1/rolcheck", params={"deelnemer": f"kvk:{KOPPELPUNT}", "rol": ROL, **params}
        )
        answer: dict[str, Any] = response.json()
        assert (answer["vervuld"], answer["redenCode"]) == (False, "verklaring-niet-geldig"), answer
        return str(answer["reden"]).removeprefix("Niet toegekend: ")

    geldig = {"afnemer": None, ROL: None}
    assert await everywhere() == [geldig] * len(answers) * 2

    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    tijdens = clock.now().isoformat()
    reden = await rolcheck_reden()

    assert reden.startswith(f"Verklaring {koppelpunt} is geschorst sinds")
    assert await everywhere() == [{"afnemer": None, ROL: reden}] * len(answers) * 2
    rollen = (await client.get(f"/api/v1/deelnemers/{deelnemer_id}/rollen")).json()
    assert [rol["rolCode"] for rol in rollen["items"]] == ["afnemer"]  # the roles that hold

    await _herstel(process, koppelpunt)
    clock.advance(minutes=1)

    assert await everywhere() == [geldig] * len(answers) * 2
    destijds = await rolcheck_reden(peildatum=tijdens)  # as the verklaring stood during the schorsing
    assert destijds.startswith(f"Verklaring {koppelpunt} was geschorst van")
    assert await everywhere(peildatum=tijdens) == [{"afnemer": None, ROL: destijds}] * len(answers) * 2
    rollen = (await client.get(f"/api/v1/deelnemers/{deelnemer_id}/rollen")).json()
    assert [rol["rolCode"] for rol in rollen["items"]] == ["afnemer", ROL]


async def test_a_kept_lookup_answer_gives_way_to_the_schorsing_in_the_very_next_lookup(
    process: Process,
    clock: MovableClock,
    app: Litestar,
    client: AsyncTestClient[Litestar],
    twee: tuple[str, str],
) -> None:
    koppelpunt, _ = twee
    path = f"/api/v1/deelnemers/kvk:{KOPPELPUNT}"
    first = await client.get(path)
    kept = [key for key in read_cache(app.state).entries if key[0] == path]
    assert len(kept) == 1, "the answer is kept"
    assert (await client.get(path)).json() == first.json()
    assert first.json()["rollen"][0]["verklaringbezwaar"] is None

    await _schors(process, koppelpunt)
    clock.advance(minutes=1)

    [rol] = (await client.get(path)).json()["rollen"]
    assert rol["verklaringbezwaar"].startswith(f"Verklaring {koppelpunt} is geschorst sinds")


async def _deelnemer_op_besluit(process: Process) -> Deelnemer:
    """An actieve deelnemer whose only role, afnemer, rests on a besluit."""
    deelnemer = await services.create_deelnemer(
        process.db,
        DeelnemerCreate(
            naam="Gemeente Besluitstad",
            soort="gemeente",
            identificaties=[IdentificatieInvoer(soort="kvk", waarde="90000009")],
        ),
        actor=BEHEERDER,
        clock=process.clock,
    )
    await services.change_deelnemer_status(
        process.db, deelnemer.id, "actief", "Test", actor=BEHEERDER, clock=process.clock
    )
    await _op_besluit(process, deelnemer.id)
    return deelnemer


async def _ook_voor_gtk_beheer(process: Process, deelnemer_id: uuid.UUID, nummer: str) -> None:
    """A second rolvervulling on the deelnemer's verklaring, of a role it was not issued for (granted
    past the check): a lookup then asks about two verklaringen of one deelnemer."""

    async def ja(_session: AsyncSession, _vraag: Verklaringvraag) -> Verklaringoordeel:
        return Verklaringoordeel.ja()

    await services.create_rolvervulling(
        process.db,
        deelnemer_id,
        RolvervullingCreate(
            rol_code="gtk-beheerder",
            geldig_van=Peildatum.at(process.clock.now()).datum,
            basis=BasisInvoer(soort="verklaring", referentie=nummer),
        ),
        actor=BEHEERDER,
        clock=process.clock,
        verklaring_check=ja,
    )


def _verklaringen(seen: list[str]) -> list[str]:
    """The statements the verklaringen domain's check sent (those reading its tables)."""
    return [statement for statement in seen if "FROM verklaring" in statement]


async def test_a_lookup_judges_all_verklaringen_of_its_answer_at_once_and_without_one_sends_nothing_more(
    process: Process, clock: MovableClock, db: AsyncSession, twee: tuple[str, str]
) -> None:
    koppelpunt, _ = twee
    koppelpunt_id = (await find_verklaring(db, koppelpunt)).deelnemer_id
    await _ook_voor_gtk_beheer(process, koppelpunt_id, koppelpunt)
    besluitstad = await _deelnemer_op_besluit(process)
    await _schors(process, koppelpunt)
    clock.advance(minutes=1)
    peildatum = Peildatum.at(clock.now())
    catalogus = await catalogusstand(db)
    paging = PageRequest(page=1, page_size=20)

    async def direct(ref: str) -> Any:
        verwijzing = directe_lookup.Verwijzing.lees(ref, "id")
        return await directe_lookup.deelnemer(session_snapshot(db), verwijzing, peildatum, catalogus)

    async def direct_gezocht() -> Any:
        return await directe_lookup.gezocht(session_snapshot(db), "bv", peildatum, catalogus, paging)

    async def orm_gezocht() -> Any:
        return await services.search_deelnemers(db, services.Zoekvraag(zoek="bv"), peildatum, paging)

    async def rollen() -> Any:
        return await services.rollen_van(db, f"kvk:{KOPPELPUNT}", peildatum, paging)

    async def sent(ask: Callable[[], Awaitable[Any]]) -> tuple[Any, list[str]]:
        await ask()  # the ORM's identity map filled, so that both counts are of the same work
        with statements(db) as seen:
            answer = await ask()
        return answer, seen

    with verklaring_check_installed(None):  # nothing judged: the statements a lookup sent before
        _, eerder_besluitstad = await sent(lambda: direct(str(besluitstad.id)))
        _, eerder_koppelpunt = await sent(lambda: direct(f"kvk:{KOPPELPUNT}"))
        _, eerder_gezocht = await sent(direct_gezocht)
        _, eerder_orm = await sent(orm_gezocht)
    with verklaring_check_installed(verklaring_check):
        op_besluit, besluitstad_nu = await sent(lambda: direct(str(besluitstad.id)))
        geschorst, koppelpunt_nu = await sent(lambda: direct(f"kvk:{KOPPELPUNT}"))
        gevonden, gezocht_nu = await sent(direct_gezocht)
        via_orm, orm_nu = await sent(orm_gezocht)
        (gelden, aantal), rollen_nu = await sent(rollen)
        assert geschorst == await services.get_deelnemer(db, f"kvk:{KOPPELPUNT}", peildatum)
        assert op_besluit == await services.get_deelnemer(db, str(besluitstad.id), peildatum)

    assert besluitstad_nu == eerder_besluitstad
    assert len(besluitstad_nu) == 4
    assert [rol.verklaringbezwaar for rol in op_besluit.rollen] == [None]
    # the verklaringen domain's statements come on top, once for all rolvervullingen on a verklaring:
    # the verklaringen, then their lifted schorsingen only when a verklaring itself does not decide
    # (both of Koppelpunt's do: geschorst, and not issued for gtk-beheerder; Ketenlink's holds)
    assert koppelpunt_nu == [*eerder_koppelpunt, *_verklaringen(koppelpunt_nu)]
    assert len(_verklaringen(koppelpunt_nu)) == 1
    assert gezocht_nu == [*eerder_gezocht, *_verklaringen(gezocht_nu)]
    assert len(_verklaringen(gezocht_nu)) == 2
    assert [s for s in orm_nu if s not in _verklaringen(orm_nu)] == eerder_orm
    assert len(_verklaringen(orm_nu)) == 2
    assert len(_verklaringen(rollen_nu)) == 1  # not one per rolvervulling
    assert gevonden == via_orm
    assert [d.naam for d in gevonden[0]] == ["Ketenlink BV", "Koppelpunt BV"]
    bezwaren = {rol.rol_code: rol.verklaringbezwaar for rol in geschorst.rollen}
    assert str(bezwaren[ROL]).startswith(f"Verklaring {koppelpunt} is geschorst")
    assert bezwaren["gtk-beheerder"] is not None
    assert {rol.rol_code: rol.verklaringbezwaar for rol in gevonden[0][1].rollen} == bezwaren
    assert [rol.verklaringbezwaar for rol in gevonden[0][0].rollen] == [None]  # Ketenlink's holds
    assert (aantal, [rol.rol_code for rol in gelden]) == (0, [])
