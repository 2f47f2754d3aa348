"""The verklaring process through its services: aanmelden, toewijzen, intake, besluit, afgifte."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.services import principal_for_user
from registry.audit.models import AuditEvent
from registry.audit.services import Actor, verify_chain
from registry.errors import InvalidTransition, PermissionDenied, ValidationFailed
from registry.ledenadministratie.models import Deelnemer, Rolvervulling
from tests.verklaringen.conftest import Process, aanmelding_invoer, all_ja
from verklaringen import schemas
from verklaringen.embedded_files import extract_attestation
from verklaringen.pdf import render_html
from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes, queries
from verklaringen.services.queries import find_verklaring


async def test_an_organisation_goes_from_aanmelding_to_an_issued_verklaring(
    process: Process, db: AsyncSession
) -> None:
    verklaring = await process.afgegeven("90000001")

    assert verklaring.nummer.startswith("VKL-")
    assert verklaring.status == "geldig"
    assert verklaring.fase == "afgegeven"
    assert [o.partij for o in verklaring.ondertekeningen] == ["deelnemer", "stelsel"]
    assert {o.document_hash for o in verklaring.ondertekeningen} == {verklaring.inhoud_hash}
    assert verklaring.subject == "kvk:90000001"
    row = await find_verklaring(db, verklaring.nummer)
    assert row.statuslijst_index is not None
    assert row.attestatie is not None
    document = await queries.verklaring_document(db, verklaring.nummer)
    assert extract_attestation(document.inhoud) == row.attestatie
    rolvervulling = await db.scalar(
        select(Rolvervulling).where(Rolvervulling.basis_referentie == verklaring.nummer)
    )
    assert rolvervulling is not None
    assert (rolvervulling.rol_code, rolvervulling.geldig_van, rolvervulling.geldig_tot) == (
        "dienstverlener",
        verklaring.geldig_van,
        verklaring.geldig_tot,
    )
    assert (await verify_chain(db)).ok


async def test_an_unknown_organisation_becomes_an_aangemelde_deelnemer(
    process: Process, db: AsyncSession
) -> None:
    ontvangen = await process.aangemeld("90000002", naam="Nieuwe Dienst B.V.")

    assert ontvangen.referentie.startswith("AAN-")
    assert ontvangen.status_url is not None
    deelnemer = await db.scalar(select(Deelnemer).where(Deelnemer.naam == "Nieuwe Dienst B.V."))
    assert deelnemer is not None
    assert deelnemer.status == "aangemeld"


async def test_applying_twice_for_the_same_role_gives_the_open_aanmelding(process: Process) -> None:
    first = await process.aangemeld("90000001")

    second = await process.aangemeld("90000001", naam="Zorgdienst Twente")

    assert second.referentie == first.referentie
    assert second.bestaand is True
    assert second.status_url is None


async def test_an_aanmelding_with_invalid_input_names_every_problem(process: Process) -> None:
    data = aanmelding_invoer(
        "1234",
        naam="",
        rol="casemanager",
        soort="bakkerij",
        contactpersoon=schemas.ContactpersoonInvoer(naam="", email="geen-adres"),
    )

    with pytest.raises(ValidationFailed) as caught:
        await aanmeldingen.dien_in(
            process.db, data, actor=Actor.anonymous(), clock=process.clock, secret=process.settings.secret_key
        )

    assert {p.name for p in caught.value.invalid_params} == {
        "organisatie",
        "soort",
        "identificaties[0].waarde",
        "rol",
        "contactpersoon.naam",
        "contactpersoon.email",
    }


async def test_only_the_assigned_casemanager_works_on_the_intake(process: Process) -> None:
    referentie = await process.toegewezen()

    with pytest.raises(PermissionDenied):
        await intakes.start_intake(
            process.db, referentie, principal=process.people.andere_casemanager, clock=process.clock
        )
    intake = await intakes.start_intake(
        process.db, referentie, principal=process.people.beheerder, clock=process.clock
    )
    assert intake.release == "1.2.0"
    assert intake.antwoorden


async def test_an_intake_is_complete_only_with_every_answer_and_every_mandatory_duty_supported(
    process: Process,
) -> None:
    referentie = await process.toegewezen()
    cm = process.people.casemanager
    intake = await intakes.start_intake(process.db, referentie, principal=cm, clock=process.clock)
    verplicht = next(a for a in intake.antwoorden if a.verplicht)
    answers = all_ja(intake)
    answers.antwoorden[0].ondersteund = None
    for answer in answers.antwoorden:
        if answer.duty_code == verplicht.duty_code and answer is not answers.antwoorden[0]:
            answer.ondersteund = "deels"
    saved = await intakes.bewaar_intake(process.db, intake.id, answers, principal=cm, clock=process.clock)

    assert saved.ontbrekend == [intake.antwoorden[0].duty_code]
    with pytest.raises(ValidationFailed) as caught:
        await intakes.rond_intake_af(
            process.db, intake.id, principal=cm, clock=process.clock, renderer=process.renderer
        )
    assert caught.value.invalid_params


async def test_a_completed_intake_is_frozen(process: Process) -> None:
    referentie = await process.intake_afgerond()
    aanmelding = await queries.get_aanmelding(process.db, referentie)
    assert aanmelding.intake_id is not None

    with pytest.raises(InvalidTransition):
        await intakes.bewaar_intake(
            process.db,
            aanmelding.intake_id,
            schemas.IntakeInvoer(antwoorden=[]),
            principal=process.people.casemanager,
            clock=process.clock,
        )
    document = await queries.intake_document(process.db, aanmelding.intake_id)
    assert document.inhoud.startswith(b"%PDF")


async def test_a_rejection_is_kept_and_shown_on_the_status_page(process: Process) -> None:
    ontvangen = await process.aangemeld("90000003")
    referentie = ontvangen.referentie
    await aanmeldingen.wijs_toe(
        process.db,
        referentie,
        uuid.UUID(process.people.casemanager.id),
        actor=Actor.system("t"),
        clock=process.clock,
    )
    await besluiten.stel_voor(
        process.db,
        referentie,
        schemas.VoorstelInvoer(voorstel="afwijzen", motivering="Geen ondersteuning van deelnemers."),
        principal=process.people.casemanager,
        clock=process.clock,
    )
    await besluiten.besluit(
        process.db,
        referentie,
        schemas.BesluitInvoer(uitkomst="afwijzen", reden="De organisatie ondersteunt geen deelnemers."),
        principal=process.people.beheerder,
        clock=process.clock,
    )
    token = ontvangen.status_url.split("token=")[1] if ontvangen.status_url else ""

    status = await aanmeldingen.aanmelding_status(
        process.db, referentie, token, secret=process.settings.secret_key
    )

    assert status.status == "afgewezen"
    assert status.afwijzingsreden == "De organisatie ondersteunt geen deelnemers."


async def test_only_a_contact_of_the_deelnemer_signs_for_it(process: Process) -> None:
    nummer = await process.toegekend()
    verklaring = await find_verklaring(process.db, nummer)
    other = await process.make_user("deelnemer-contact", deelnemer_id=uuid.uuid4())

    with pytest.raises(PermissionDenied):
        await afgifte.onderteken_als_deelnemer(
            process.db,
            nummer,
            akkoord=True,
            document_hash=verklaring.inhoud_hash,
            principal=principal_for_user(other),
            clock=process.clock,
        )


async def test_the_stelsel_cannot_sign_before_the_deelnemer(process: Process) -> None:
    nummer = await process.toegekend()

    with pytest.raises(InvalidTransition):
        await process.geef_af(nummer)
    events = await process.db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == nummer))
    assert "verklaring.afgegeven" not in list(events)


async def test_the_deelnemer_page_can_show_its_verklaringen_and_their_history(process: Process) -> None:
    verklaring = await process.afgegeven()
    today = queries.today_of(process.clock.now())

    own = await queries.verklaringen_van_deelnemer(
        process.db, verklaring.deelnemer.id, today=today, base_url=process.settings.base_url
    )
    history = await queries.gebeurtenissen_van_deelnemer(process.db, verklaring.deelnemer.id)

    assert [v.nummer for v in own] == [verklaring.nummer]
    assert history[0].actie == "Aanmelding ingediend"
    assert "Ondertekend door de stelselorganisatie en afgegeven" in [g.actie for g in history]
    html = render_html(
        "verklaringen/_deelnemer_verklaringen.html",
        {"verklaringen": own, "gebeurtenissen": history, "beheer": True},
    )
    assert f"/beheer/verklaringen/{verklaring.nummer}" in html
