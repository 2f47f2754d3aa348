"""A beheerder registers deelnemers, keeps their details right and moves them through their lifecycle."""

from __future__ import annotations

import itertools
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.errors import InvalidTransition, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.errors import ConflictingInput
from registry.ledenadministratie.models import Deelnemer, DeelnemerIdentificatie, Statusperiode
from registry.ledenadministratie.schemas import (
    AdresInvoer,
    ContactpersoonInvoer,
    DeelnemerCreate,
    DeelnemerUpdate,
    IdentificatieInvoer,
)
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory


def _names(error: ValidationFailed) -> set[str]:
    return {param.name for param in error.invalid_params}


async def _count(db: AsyncSession, model: type) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_deelnemer_is_aangemeld_with_its_identificaties_address_and_contacts(
    db: AsyncSession, clock: MovableClock
) -> None:
    data = DeelnemerCreate(
        naam="  Gemeente   Súdwest-Fryslân ",
        soort="gemeente",
        identificaties=[
            IdentificatieInvoer(soort="KvK", waarde="5020 5671"),
            IdentificatieInvoer(soort="oin", waarde="00000001823288444000"),
        ],
        adres=AdresInvoer(straat="Marktstraat", huisnummer="15", postcode="8601cg", plaats="Sneek"),
        regio="Jeugdzorgregio Fryslân",
        website="www.sudwestfryslan.nl",
        contactpersonen=[
            ContactpersoonInvoer(
                naam="Sjoukje Hoekstra", functie="Functionaris gegevensbescherming",
                email="FG@SudwestFryslan.nl", telefoon="0515 489 000",
            )
        ],
    )  # fmt: skip

    deelnemer = await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)

    assert deelnemer.naam == "Gemeente Súdwest-Fryslân"
    assert deelnemer.status == "aangemeld"
    assert sorted((i.soort, i.waarde) for i in deelnemer.identificaties) == [
        ("kvk", "50205671"),
        ("oin", "00000001823288444000"),
    ]
    assert (deelnemer.adres_postcode, deelnemer.website) == ("8601 CG", "https://www.sudwestfryslan.nl")
    assert deelnemer.contactpersonen[0].email == "fg@sudwestfryslan.nl"
    periode = await db.scalar(select(Statusperiode).where(Statusperiode.deelnemer_id == deelnemer.id))
    assert periode is not None
    assert (periode.status, periode.geldig_tot, periode.actor_naam) == ("aangemeld", None, "Bea Beheerder")
    event = await db.scalar(select(AuditEvent).where(AuditEvent.entity_id == str(deelnemer.id)))
    assert event is not None
    assert event.action == "deelnemer.aangemeld"


async def test_a_name_typed_decomposed_is_stored_composed(db: AsyncSession, clock: MovableClock) -> None:
    decomposed = unicodedata.normalize("NFD", "Stichting Jeugdzorg Noordóóst")
    data = DeelnemerCreate(
        naam=decomposed,
        soort="jeugdhulpaanbieder",
        identificaties=[IdentificatieInvoer(soort="kvk", waarde="41012345")],
    )

    deelnemer = await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)

    assert deelnemer.naam == unicodedata.normalize("NFC", decomposed)
    assert deelnemer.naam != decomposed


async def test_every_invalid_field_is_named_at_once_and_nothing_is_written(
    db: AsyncSession, clock: MovableClock
) -> None:
    data = DeelnemerCreate(
        naam=" ",
        soort="ziekenhuis",
        identificaties=[
            IdentificatieInvoer(soort="kvk", waarde="1234567"),
            IdentificatieInvoer(soort="rsin", waarde="123456789"),
            IdentificatieInvoer(soort="bsn", waarde="123"),
            IdentificatieInvoer(soort="agb", waarde="01234567"),
            IdentificatieInvoer(soort="AGB", waarde="0123 4567"),
        ],
        adres=AdresInvoer(straat="Dorpsstraat", huisnummer="", postcode="0123 AB", plaats="Ergens"),
        website="niet een adres",
        contactpersonen=[ContactpersoonInvoer(naam="Piet", functie="", email="piet@", telefoon="12")],
    )

    with pytest.raises(ValidationFailed) as raised:
        await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)

    assert _names(raised.value) == {
        "naam",
        "soort",
        "identificaties[0].waarde",
        "identificaties[1].waarde",
        "identificaties[2].soort",
        "identificaties[4].waarde",
        "adres.huisnummer",
        "adres.postcode",
        "website",
        "contactpersonen[0].functie",
        "contactpersonen[0].email",
        "contactpersonen[0].telefoon",
    }
    reasons = {param.name: param.reason for param in raised.value.invalid_params}
    assert "8 cijfers" in reasons["identificaties[0].waarde"]
    assert "elfproef" in reasons["identificaties[1].waarde"]
    assert "regel 4" in reasons["identificaties[4].waarde"]
    assert await _count(db, Deelnemer) == 0


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JavaScript:window.__xss=1",
        "javascript://www.voorbeeld.nl/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1).nl",
        "ftp://ftp.voorbeeld.nl",
        "mailto:info@voorbeeld.nl",
        "https:www.voorbeeld.nl",
        "https://localhost",
        "https://127.0.0.1",
        "https://<script>.nl",
        "https://gebruiker:geheim@voorbeeld.nl",
        "https://voorbeeld.nl:99999",
        "//voorbeeld.nl",
        "https://voorbeeld.nl/een pad",
    ],
)
async def test_a_website_that_is_no_http_address_of_a_real_host_is_refused(
    db: AsyncSession, clock: MovableClock, website: str
) -> None:
    data = DeelnemerCreate(
        naam="Koppelpunt B.V.",
        soort="softwareleverancier",
        identificaties=[IdentificatieInvoer(soort="kvk", waarde="90000001")],
        website=website,
    )

    with pytest.raises(ValidationFailed) as raised:
        await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)

    [problem] = raised.value.invalid_params
    assert problem.name == "website"
    assert "https://www.voorbeeld.nl" in problem.reason
    assert await _count(db, Deelnemer) == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("www.voorbeeld.nl", "https://www.voorbeeld.nl"),
        ("voorbeeld.nl:8443/over-ons", "https://voorbeeld.nl:8443/over-ons"),
        ("http://www.voorbeeld.nl/pad?vraag=1", "http://www.voorbeeld.nl/pad?vraag=1"),
        (" https://jeugdzorg-fryslân.example ", "https://jeugdzorg-fryslân.example"),
    ],
)
async def test_a_website_is_stored_as_an_http_address(
    db: AsyncSession, clock: MovableClock, typed: str, stored: str
) -> None:
    data = DeelnemerCreate(
        naam="Koppelpunt B.V.",
        soort="softwareleverancier",
        identificaties=[IdentificatieInvoer(soort="kvk", waarde="90000001")],
        website=typed,
    )

    deelnemer = await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)

    assert deelnemer.website == stored


async def test_an_identificatie_of_another_deelnemer_is_a_conflict_naming_the_field(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    first_id = (await make_deelnemer("Gemeente Utrecht", kvk="30280353")).id
    events_before = await _count(db, AuditEvent)
    data = DeelnemerCreate(
        naam="Gemeente Utrecht (dubbel)",
        soort="gemeente",
        identificaties=[
            IdentificatieInvoer(soort="oin", waarde="00000001002220647000"),
            IdentificatieInvoer(soort="kvk", waarde="3028 0353"),
        ],
    )

    with pytest.raises(ConflictingInput) as raised:
        await services.create_deelnemer(db, data, actor=BEHEERDER, clock=clock)

    assert raised.value.status == 409
    [param] = raised.value.invalid_params
    assert param.name == "identificaties[1].waarde"
    assert "Gemeente Utrecht" in param.reason
    assert str(first_id) in param.reason
    assert await _count(db, Deelnemer) == 1
    assert await _count(db, DeelnemerIdentificatie) == 1
    assert await _count(db, AuditEvent) == events_before


async def test_the_lifecycle_records_every_step_with_reason_and_actor(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer = await make_deelnemer(status="aangemeld")
    for status, reden in [
        ("actief", "Aansluiting afgerond"),
        ("geschorst", "Beveiligingsincident"),
        ("actief", "Incident opgelost"),
        ("beëindigd", "Opgeheven na fusie"),
    ]:
        clock.advance(days=1)
        await services.change_deelnemer_status(db, deelnemer.id, status, reden, actor=BEHEERDER, clock=clock)

    periodes = list(
        await db.scalars(
            select(Statusperiode)
            .where(Statusperiode.deelnemer_id == deelnemer.id)
            .order_by(Statusperiode.geldig_van)
        )
    )
    assert [(p.status, p.vorige_status) for p in periodes] == [
        ("aangemeld", None),
        ("actief", "aangemeld"),
        ("geschorst", "actief"),
        ("actief", "geschorst"),
        ("beeindigd", "actief"),
    ]
    assert all(p.geldig_tot == n.geldig_van for p, n in itertools.pairwise(periodes))
    assert periodes[-1].geldig_tot is None
    assert periodes[2].reden == "Beveiligingsincident"
    # the record stays, with its identificaties
    await db.refresh(deelnemer)
    assert deelnemer.status == "beeindigd"
    assert deelnemer.identificaties


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "geschorst"),
        (["actief"], "aangemeld"),
        (["actief", "geschorst"], "geschorst"),
        (["beeindigd"], "actief"),
        (["actief", "beeindigd"], "geschorst"),
    ],
)
async def test_an_illegal_transition_says_what_is_allowed(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, path: list[str], target: str
) -> None:
    deelnemer = await make_deelnemer("Veilig Thuis Voorbeeld", soort="veilig-thuis", status="aangemeld")
    for step in path:
        await services.change_deelnemer_status(db, deelnemer.id, step, "stap", actor=BEHEERDER, clock=clock)
    periodes_before = await _count(db, Statusperiode)

    with pytest.raises(InvalidTransition) as raised:
        await services.change_deelnemer_status(db, deelnemer.id, target, "fout", actor=BEHEERDER, clock=clock)

    assert "Veilig Thuis Voorbeeld" in raised.value.detail
    assert ("kan alleen" in raised.value.detail) or ("definitief" in raised.value.detail)
    assert await _count(db, Statusperiode) == periodes_before


async def test_a_status_change_needs_a_known_status_and_a_reason(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer = await make_deelnemer(status="aangemeld")

    with pytest.raises(ValidationFailed) as raised:
        await services.change_deelnemer_status(
            db, deelnemer.id, "opgeschort", " ", actor=BEHEERDER, clock=clock
        )

    assert _names(raised.value) == {"status", "reden"}


async def test_a_status_change_can_be_registered_from_an_earlier_moment_but_not_before_the_current_one(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    clock.moment = datetime(2026, 3, 1, 9, tzinfo=UTC)
    deelnemer_id = (await make_deelnemer(status="aangemeld")).id
    clock.moment = datetime(2026, 3, 10, 9, tzinfo=UTC)

    periode = await services.change_deelnemer_status(
        db,
        deelnemer_id,
        "actief",
        "Aansluiting",
        actor=BEHEERDER,
        clock=clock,
        ingang=datetime(2026, 3, 5, tzinfo=UTC),
    )
    assert periode.geldig_van == datetime(2026, 3, 5, tzinfo=UTC)
    assert periode.geregistreerd_op == clock.moment

    with pytest.raises(ValidationFailed) as raised:
        await services.change_deelnemer_status(
            db, deelnemer_id, "geschorst", "Te vroeg", actor=BEHEERDER, clock=clock,
            ingang=datetime(2026, 3, 4, tzinfo=UTC),
        )  # fmt: skip
    assert _names(raised.value) == {"ingang"}

    with pytest.raises(ValidationFailed) as raised:
        await services.change_deelnemer_status(
            db,
            deelnemer_id,
            "geschorst",
            "Toekomst",
            actor=BEHEERDER,
            clock=clock,
            ingang=clock.moment + timedelta(days=1),
        )
    assert _names(raised.value) == {"ingang"}


async def test_details_change_and_identificaties_are_replaced_without_touching_others(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    other = await make_deelnemer("Politie Eenheid Oost-Nederland", soort="politie", kvk="27370232")
    deelnemer = await make_deelnemer("Gemeente Enschede", kvk="08193435")

    await services.update_deelnemer(
        db,
        deelnemer.id,
        DeelnemerUpdate(
            naam="Gemeente Enschede (Twente)",
            identificaties=[
                IdentificatieInvoer(soort="kvk", waarde="08193435"),
                IdentificatieInvoer(soort="oin", waarde="00000003081934350000"),
            ],
            regio="Regio Twente",
        ),
        actor=BEHEERDER,
        clock=clock,
    )
    await db.refresh(deelnemer)
    assert deelnemer.naam == "Gemeente Enschede (Twente)"
    assert {i.soort for i in deelnemer.identificaties} == {"kvk", "oin"}

    with pytest.raises(ConflictingInput) as raised:
        await services.update_deelnemer(
            db,
            deelnemer.id,
            DeelnemerUpdate(identificaties=[IdentificatieInvoer(soort="kvk", waarde="27370232")]),
            actor=BEHEERDER,
            clock=clock,
        )
    assert _names(raised.value) == {"identificaties[0].waarde"}
    assert "Politie Eenheid Oost-Nederland" in raised.value.invalid_params[0].reason
    await db.refresh(other)
    assert [i.waarde for i in other.identificaties] == ["27370232"]


async def test_a_beeindigde_deelnemer_can_no_longer_be_changed(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer = await make_deelnemer(status="beeindigd")

    with pytest.raises(InvalidTransition):
        await services.update_deelnemer(
            db, deelnemer.id, DeelnemerUpdate(naam="Nieuw"), actor=BEHEERDER, clock=clock
        )
