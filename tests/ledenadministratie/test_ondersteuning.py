"""A dienstverlener supports deelnemers with some of its role's duties; both sides see the relation."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import InvalidTransition, ValidationFailed
from registry.ledenadministratie import services
from registry.ledenadministratie.errors import ConflictingInput
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.schemas import Beeindiging, OndersteuningsrelatieCreate
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus", "verklaringen")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TAKEN = ["dienstverlener-t01", "dienstverlener-t02"]


@pytest.fixture(autouse=True)
def _today(clock: MovableClock) -> None:
    clock.moment = datetime(2026, 1, 2, 9, tzinfo=UTC)


@pytest.fixture
async def partijen(
    make_deelnemer: DeelnemerFactory, grant: RolFactory, clock: MovableClock
) -> tuple[uuid.UUID, uuid.UUID]:
    dienstverlener = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(dienstverlener.id, "dienstverlener", date(2026, 1, 1), verklaring="VK-2026-0001")
    gemeente = await make_deelnemer("Gemeente Hengelo", kvk="08193430")
    clock.moment = NOW
    return dienstverlener.id, gemeente.id


def _relatie(
    dienstverlener: uuid.UUID,
    deelnemer: uuid.UUID,
    van: date = date(2026, 2, 1),
    taken: list[str] | None = None,
) -> OndersteuningsrelatieCreate:
    return OndersteuningsrelatieCreate(
        dienstverlener_id=dienstverlener, deelnemer_id=deelnemer, taken=taken or TAKEN, geldig_van=van
    )


async def test_both_sides_see_the_relation_as_of_its_period(
    db: AsyncSession, clock: MovableClock, partijen: tuple[uuid.UUID, uuid.UUID]
) -> None:
    dienstverlener_id, gemeente_id = partijen
    await services.create_ondersteuningsrelatie(
        db, _relatie(dienstverlener_id, gemeente_id), actor=BEHEERDER, clock=clock
    )

    gemeente = await services.get_deelnemer(db, "kvk:08193430", Peildatum.at(NOW))
    dienstverlener = await services.get_deelnemer(db, "kvk:90000001", Peildatum.at(NOW))
    before = await services.get_deelnemer(db, "kvk:08193430", Peildatum.on(date(2026, 1, 15)))

    [ondersteund] = gemeente.ondersteund_door
    assert (ondersteund.dienstverlener.naam, ondersteund.taken) == ("Koppelpunt BV", TAKEN)
    [ondersteunt] = dienstverlener.ondersteunt
    assert ondersteunt.deelnemer.naam == "Gemeente Hengelo"
    assert before.ondersteund_door == []


async def test_only_a_dienstverlener_supports_and_only_with_its_duties(
    db: AsyncSession, clock: MovableClock, partijen: tuple[uuid.UUID, uuid.UUID]
) -> None:
    dienstverlener_id, gemeente_id = partijen

    with pytest.raises(ValidationFailed) as raised:
        await services.create_ondersteuningsrelatie(
            db, _relatie(gemeente_id, dienstverlener_id), actor=BEHEERDER, clock=clock
        )
    assert [p.name for p in raised.value.invalid_params] == ["dienstverlenerId"]
    assert "niet de rol dienstverlener" in raised.value.invalid_params[0].reason

    with pytest.raises(ValidationFailed) as raised:
        await services.create_ondersteuningsrelatie(
            db,
            _relatie(dienstverlener_id, gemeente_id, taken=["dienstverlener-t01", "casemanager-t01"]),
            actor=BEHEERDER,
            clock=clock,
        )
    assert [p.name for p in raised.value.invalid_params] == ["taken[1]"]

    with pytest.raises(ValidationFailed) as raised:
        await services.create_ondersteuningsrelatie(
            db, _relatie(dienstverlener_id, dienstverlener_id, taken=[" "]), actor=BEHEERDER, clock=clock
        )
    assert {p.name for p in raised.value.invalid_params} == {"taken", "deelnemerId"}

    with pytest.raises(ValidationFailed) as raised:
        await services.create_ondersteuningsrelatie(
            db, _relatie(dienstverlener_id, gemeente_id, van=date(2025, 12, 1)), actor=BEHEERDER, clock=clock
        )
    assert "op 1 december 2025 niet de rol dienstverlener" in raised.value.invalid_params[0].reason


async def test_overlapping_relations_between_the_same_parties_are_refused_and_ending_is_once(
    db: AsyncSession, clock: MovableClock, partijen: tuple[uuid.UUID, uuid.UUID]
) -> None:
    dienstverlener_id, gemeente_id = partijen
    relatie = await services.create_ondersteuningsrelatie(
        db, _relatie(dienstverlener_id, gemeente_id), actor=BEHEERDER, clock=clock
    )
    relatie_id = relatie.id

    with pytest.raises(ConflictingInput) as raised:
        await services.create_ondersteuningsrelatie(
            db, _relatie(dienstverlener_id, gemeente_id, van=date(2026, 6, 1)), actor=BEHEERDER, clock=clock
        )
    assert [p.name for p in raised.value.invalid_params] == ["geldigVan"]

    ended = await services.end_ondersteuningsrelatie(
        db,
        relatie_id,
        Beeindiging(einddatum=date(2026, 12, 1), reden="Contract afgelopen"),
        actor=BEHEERDER,
        clock=clock,
    )
    assert (ended.status, ended.geldig_tot) == ("beeindigd", date(2026, 12, 1))
    with pytest.raises(InvalidTransition):
        await services.end_ondersteuningsrelatie(
            db,
            relatie_id,
            Beeindiging(einddatum=date(2026, 12, 1), reden="Nogmaals"),
            actor=BEHEERDER,
            clock=clock,
        )


async def test_the_dienstverleners_list_shows_duties_and_whom_they_support(
    db: AsyncSession,
    clock: MovableClock,
    partijen: tuple[uuid.UUID, uuid.UUID],
    make_deelnemer: DeelnemerFactory,
    verklaringen: VerklaringenStandIn,
) -> None:
    dienstverlener_id, gemeente_id = partijen
    await services.create_ondersteuningsrelatie(
        db, _relatie(dienstverlener_id, gemeente_id), actor=BEHEERDER, clock=clock
    )
    borne = await make_deelnemer("Gemeente Borne", kvk="08193431")
    await services.create_ondersteuningsrelatie(
        db,
        _relatie(dienstverlener_id, borne.id, van=date(2026, 11, 1), taken=["dienstverlener-t03"]),
        actor=BEHEERDER,
        clock=clock,
    )

    from registry.api import PageRequest

    [item], total = await services.list_dienstverleners(db, Peildatum.at(NOW), PageRequest(1, 20))

    assert total == 1
    assert (item.naam, item.dienstverlener_sinds) == ("Koppelpunt BV", date(2026, 1, 1))
    assert item.taken == ["dienstverlener-t01", "dienstverlener-t02", "dienstverlener-t03"]
    assert sorted(o.deelnemer.naam for o in item.ondersteunt) == ["Gemeente Borne", "Gemeente Hengelo"]
