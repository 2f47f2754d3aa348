"""A beheerder grants and ends roles; the register answers "does this deelnemer hold this role?"
for any peildatum, and refuses every grant the stelsel's rules do not allow."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import audited_write
from registry.database import create_engine, create_session_factory
from registry.errors import Conflict, InvalidTransition, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.errors import ConflictingInput
from registry.ledenadministratie.models import Rolvervulling
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import BasisInvoer, Beeindiging, RolvervullingCreate
from registry.ledenadministratie.verklaringcheck import verklaring_check_installed
from registry.settings import Settings
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = NOW


def _names(error: ValidationFailed) -> set[str]:
    return {param.name for param in error.invalid_params}


async def _rolvervullingen(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Rolvervulling)) or 0)


def _besluit(rol_code: str, van: date, tot: date | None = None) -> RolvervullingCreate:
    return RolvervullingCreate(
        rol_code=rol_code,
        geldig_van=van,
        geldig_tot=tot,
        basis=BasisInvoer(soort="besluit", referentie="B-2026-7"),
    )


async def test_a_granted_role_records_its_period_basis_release_and_history(
    db: AsyncSession, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer = await make_deelnemer("GGD Twente", soort="overig")

    rolvervulling = await grant(deelnemer.id, "afnemer", date(2026, 2, 1), date(2027, 2, 1))

    assert (rolvervulling.rol_code, rolvervulling.release, rolvervulling.status) == (
        "afnemer",
        "1.2.0",
        "actief",
    )
    assert (rolvervulling.basis_soort, rolvervulling.basis_referentie) == ("besluit", "BESLUIT-2026-001")
    assert [w.soort for w in rolvervulling.wijzigingen] == ["toegekend"]
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "rolvervulling.toegekend"))
    assert event is not None
    assert event.changes["rolCode"]["after"] == "afnemer"


async def test_an_unknown_role_code_is_refused_naming_the_field(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer = await make_deelnemer()

    with pytest.raises(ValidationFailed) as raised:
        await services.create_rolvervulling(
            db, deelnemer.id, _besluit("hoofdrolspeler", date(2026, 1, 1)), actor=BEHEERDER, clock=clock
        )

    assert _names(raised.value) == {"rolCode"}
    assert "hoofdrolspeler" in raised.value.invalid_params[0].reason
    assert await _rolvervullingen(db) == 0


@pytest.mark.parametrize("tot", [date(2026, 1, 1), date(2025, 12, 31)])
async def test_an_inverted_or_empty_period_is_refused(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, tot: date
) -> None:
    deelnemer = await make_deelnemer()

    with pytest.raises(ValidationFailed) as raised:
        await services.create_rolvervulling(
            db, deelnemer.id, _besluit("bronhouder", date(2026, 1, 1), tot), actor=BEHEERDER, clock=clock
        )

    assert _names(raised.value) == {"geldigTot"}
    assert await _rolvervullingen(db) == 0


@pytest.mark.parametrize(
    ("van", "tot"),
    [
        (date(2026, 6, 1), None),  # inside the open-ended one
        (date(2025, 1, 1), date(2026, 1, 2)),  # overlapping its first day
        (date(2025, 1, 1), None),  # around it
    ],
)
async def test_overlapping_periods_of_the_same_role_are_refused(
    db: AsyncSession,
    clock: MovableClock,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
    van: date,
    tot: date | None,
) -> None:
    deelnemer_id = (await make_deelnemer("Gemeente Almelo")).id
    await grant(deelnemer_id, "bronhouder", date(2026, 1, 1))

    with pytest.raises(ConflictingInput) as raised:
        await services.create_rolvervulling(
            db, deelnemer_id, _besluit("bronhouder", van, tot), actor=BEHEERDER, clock=clock
        )

    assert raised.value.status == 409
    assert _names(raised.value) == {"geldigVan"}
    assert "overlapt" in raised.value.invalid_params[0].reason
    assert await _rolvervullingen(db) == 1


async def test_adjacent_periods_and_other_roles_do_not_overlap(
    make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    await grant(deelnemer_id, "bronhouder", date(2025, 1, 1), date(2026, 1, 1))
    await grant(deelnemer_id, "bronhouder", date(2026, 1, 1))
    await grant(deelnemer_id, "afnemer", date(2025, 6, 1))


async def test_two_concurrent_grants_of_the_same_role_cannot_both_succeed(
    settings: Settings, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    engine = create_engine(settings)
    factory = create_session_factory(engine)

    async def attempt(van: date) -> str:
        async with factory() as session:
            try:
                await services.create_rolvervulling(
                    session, deelnemer_id, _besluit("afnemer", van), actor=BEHEERDER, clock=clock
                )
            except ConflictingInput:
                return "refused"
            return "granted"

    try:
        outcomes = await asyncio.gather(*(attempt(date(2026, 1, day)) for day in range(1, 6)))
    finally:
        await engine.dispose()

    assert sorted(outcomes) == ["granted"] + ["refused"] * 4


async def test_a_role_that_needs_a_verklaring_cannot_be_granted_by_besluit(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, verklaringen: VerklaringenStandIn
) -> None:
    deelnemer_id = (await make_deelnemer("Koppelpunt BV", soort="softwareleverancier")).id

    with pytest.raises(ValidationFailed) as raised:
        await services.create_rolvervulling(
            db, deelnemer_id, _besluit("dienstverlener", date(2026, 1, 1)), actor=BEHEERDER, clock=clock
        )

    assert _names(raised.value) == {"basis.soort"}
    assert "vereist een verklaring" in raised.value.invalid_params[0].reason
    assert verklaringen.vragen == []


async def test_a_verklaring_basis_is_checked_by_the_registered_check(
    make_deelnemer: DeelnemerFactory, verklaringen: VerklaringenStandIn, grant: RolFactory
) -> None:
    deelnemer = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    deelnemer_id = deelnemer.id

    rolvervulling = await grant(
        deelnemer_id, "dienstverlener", date(2026, 1, 1), date(2028, 1, 1), verklaring="VK-2026-0001"
    )

    assert rolvervulling.basis_soort == "verklaring"
    [vraag] = verklaringen.vragen
    assert (vraag.referentie, vraag.rol_code, vraag.deelnemer_id) == (
        "VK-2026-0001",
        "dienstverlener",
        deelnemer_id,
    )
    assert "kvk:90000001" in vraag.identificaties

    with pytest.raises(ValidationFailed) as raised:
        await grant(deelnemer_id, "dienstverlener", date(2028, 1, 1), verklaring="VK-INGETROKKEN")
    assert _names(raised.value) == {"basis.referentie"}
    assert "ingetrokken" in raised.value.invalid_params[0].reason


async def test_without_a_registered_check_a_verklaring_basis_is_refused(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer_id = (await make_deelnemer("Koppelpunt BV", soort="softwareleverancier")).id

    with verklaring_check_installed(None), pytest.raises(Conflict) as raised:
        await grant(deelnemer_id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")

    assert "niet worden gecontroleerd" in raised.value.detail
    assert await _rolvervullingen(db) == 0


async def test_a_role_is_granted_inside_another_domains_transaction(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, verklaringen: VerklaringenStandIn
) -> None:
    deelnemer_id = (await make_deelnemer("Koppelpunt BV", soort="softwareleverancier")).id
    data = RolvervullingCreate(
        rol_code="dienstverlener", geldig_van=date(2026, 12, 1), geldig_tot=date(2028, 12, 1),
        basis=BasisInvoer(soort="verklaring", referentie="VK-2026-0042"),
    )  # fmt: skip

    async with audited_write(db, BEHEERDER, clock) as tx:
        tx.record("verklaring.afgegeven", "verklaring", "VK-2026-0042", {})
        rolvervulling = await services.grant_rolvervulling(tx, deelnemer_id, data)

    actions = list(await db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(2)))
    assert actions == ["rolvervulling.toegekend", "verklaring.afgegeven"]
    assert rolvervulling.geldig_tot == date(2028, 12, 1)

    async with audited_write(db, BEHEERDER, clock) as tx:
        ended = await services.end_rolvervullingen_for_verklaring(
            tx, "VK-2026-0042", date(2026, 12, 1), "Ingetrokken"
        )
    assert [r.id for r in ended] == [rolvervulling.id]
    assert (ended[0].status, ended[0].geldig_tot) == ("beeindigd", date(2026, 12, 1))


async def test_a_role_held_last_year_is_found_as_of_last_year_and_not_now(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    clock.moment = datetime(2025, 1, 2, 9, tzinfo=UTC)
    deelnemer = await make_deelnemer("Zorggroep Oost", soort="zorgaanbieder", kvk="41035678")
    rolvervulling = await grant(deelnemer.id, "bronhouder", date(2025, 1, 1))
    clock.moment = datetime(2025, 12, 15, 9, tzinfo=UTC)
    await services.end_rolvervulling(
        db, rolvervulling.id, Beeindiging(einddatum=date(2026, 1, 1), reden="Bron overgedragen"),
        actor=BEHEERDER, clock=clock,
    )  # fmt: skip
    clock.moment = NOW

    last_year = await services.check_rol(db, "kvk:41035678", "bronhouder", Peildatum.on(date(2025, 6, 1)))
    now = await services.check_rol(db, "kvk:41035678", "bronhouder", Peildatum.at(NOW))
    last_day = await services.check_rol(db, "kvk:41035678", "bronhouder", Peildatum.on(date(2025, 12, 31)))
    first_day_after = await services.check_rol(
        db, "kvk:41035678", "bronhouder", Peildatum.on(date(2026, 1, 1))
    )

    assert last_year.vervuld
    assert (last_year.geldig_van, last_year.geldig_tot, last_year.release) == (
        date(2025, 1, 1),
        date(2026, 1, 1),
        "1.2.0",
    )
    assert last_year.basis is not None
    assert last_year.basis.soort == "besluit"
    assert not now.vervuld
    assert now.reden_code == "geen-rolvervulling"
    assert now.reden is not None
    assert "eindigde op 1 januari 2026" in now.reden
    assert last_day.vervuld
    assert not first_day_after.vervuld


async def test_suspension_grants_nothing_but_leaves_the_rolvervulling_history_alone(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    clock.moment = datetime(2026, 11, 1, 9, tzinfo=UTC)
    deelnemer = await make_deelnemer(
        "Jeugdbescherming Noord", soort="gecertificeerde-instelling", kvk="02085467"
    )
    deelnemer_id = deelnemer.id
    rolvervulling = await grant(deelnemer_id, "afnemer", date(2026, 1, 1))
    history_before = [(w.soort, w.moment) for w in rolvervulling.wijzigingen]
    clock.moment = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    await services.change_deelnemer_status(
        db, deelnemer_id, "geschorst", "Audit niet gehaald", actor=BEHEERDER, clock=clock
    )
    clock.moment = datetime(2026, 11, 24, 9, tzinfo=UTC)

    before = await services.check_rol(db, "kvk:02085467", "afnemer", Peildatum.on(date(2026, 11, 23)))
    during = await services.check_rol(db, "kvk:02085467", "afnemer", Peildatum.at(clock.moment))

    assert before.vervuld
    assert not during.vervuld
    assert during.reden_code == "deelnemer-geschorst"
    assert during.reden is not None
    assert during.reden.startswith("Niet toegekend: deelnemer geschorst")
    assert (during.geldig_van, during.basis) == (date(2026, 1, 1), before.basis)
    stored = await db.get(Rolvervulling, rolvervulling.id, populate_existing=True)
    assert stored is not None
    assert (stored.status, stored.geldig_tot) == ("actief", None)
    assert [(w.soort, w.moment) for w in stored.wijzigingen] == history_before

    await services.change_deelnemer_status(
        db, deelnemer_id, "actief", "Audit herhaald", actor=BEHEERDER, clock=clock
    )
    clock.advance(hours=1)
    assert (await services.check_rol(db, str(deelnemer_id), "afnemer", Peildatum.at(clock.moment))).vervuld


async def test_an_aangemelde_deelnemer_holds_its_roles_only_once_actief(
    db: AsyncSession, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer = await make_deelnemer(status="aangemeld", kvk="12000003")
    await grant(deelnemer.id, "afnemer", date(2026, 1, 1))

    answer = await services.check_rol(db, "kvk:12000003", "afnemer", Peildatum.at(NOW))

    assert not answer.vervuld
    assert answer.reden_code == "deelnemer-niet-actief"


async def test_ending_a_deelnemer_ends_its_open_roles_from_the_next_day(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer_id = (await make_deelnemer(kvk="12000004")).id
    open_role = await grant(deelnemer_id, "afnemer", date(2026, 1, 1))
    future_role = await grant(deelnemer_id, "bronhouder", date(2027, 1, 1))

    await services.change_deelnemer_status(
        db, deelnemer_id, "beeindigd", "Opgeheven", actor=BEHEERDER, clock=clock
    )

    for rolvervulling, tot in ((open_role, date(2026, 11, 24)), (future_role, date(2027, 1, 1))):
        stored = await db.get(Rolvervulling, rolvervulling.id, populate_existing=True)
        assert stored is not None
        assert (stored.status, stored.geldig_tot) == ("beeindigd", tot)
        assert stored.wijzigingen[-1].reden == "Deelnemer beëindigd: Opgeheven"
    clock.advance(hours=1)
    answer = await services.check_rol(db, "kvk:12000004", "afnemer", Peildatum.at(clock.moment))
    assert answer.reden_code == "deelnemer-beeindigd"


async def test_ending_a_role_is_checked_and_happens_once(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory, grant: RolFactory
) -> None:
    deelnemer_id = (await make_deelnemer()).id
    rolvervulling_id = (await grant(deelnemer_id, "afnemer", date(2026, 1, 1), date(2027, 1, 1))).id

    for einddatum, reden, field in [
        (date(2026, 11, 22), "Terugwerkend", "einddatum"),
        (date(2027, 6, 1), "Verlengen", "einddatum"),
        (date(2026, 12, 1), " ", "reden"),
    ]:
        with pytest.raises(ValidationFailed) as raised:
            await services.end_rolvervulling(
                db,
                rolvervulling_id,
                Beeindiging(einddatum=einddatum, reden=reden),
                actor=BEHEERDER,
                clock=clock,
            )
        assert _names(raised.value) == {field}

    ended = await services.end_rolvervulling(
        db,
        rolvervulling_id,
        Beeindiging(einddatum=date(2026, 12, 1), reden="Contract beëindigd"),
        actor=BEHEERDER,
        clock=clock,
    )
    assert (ended.status, ended.geldig_tot) == ("beeindigd", date(2026, 12, 1))
    assert [w.soort for w in ended.wijzigingen] == ["toegekend", "beeindigd"]

    with pytest.raises(InvalidTransition):
        await services.end_rolvervulling(
            db,
            rolvervulling_id,
            Beeindiging(einddatum=date(2026, 12, 1), reden="Nogmaals"),
            actor=BEHEERDER,
            clock=clock,
        )


async def test_a_beeindigde_deelnemer_gets_no_new_roles(
    db: AsyncSession, clock: MovableClock, make_deelnemer: DeelnemerFactory
) -> None:
    deelnemer_id = (await make_deelnemer(status="beeindigd")).id

    with pytest.raises(InvalidTransition):
        await services.create_rolvervulling(
            db, deelnemer_id, _besluit("afnemer", date(2027, 1, 1)), actor=BEHEERDER, clock=clock
        )
