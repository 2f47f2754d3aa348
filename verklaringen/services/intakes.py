"""Step 2, *Intake*: the casemanager walks the role's duty list with the applicant and records per
duty whether it is supported (ja / nee / deels), a toelichting and the afspraken made.

- The intake starts from the duty list of the catalogue release in force, copied into the intake.
- A ``concept`` intake is saved as often as needed; duties not sent keep their answer.
- Completing needs an answer for every duty, ``ja`` for every mandatory (``verplicht``) duty, and
  the afspraken made for every duty supported in part (``deels``): the verklaring lists those duties
  as ``taken_deels``, "with afspraken recorded in the intake".
  The completed intake is frozen and its intakeformulier (PDF) is stored as a document of record.
- Only the assigned casemanager or a stelselbeheerder works on it (checked here, per aanmelding).
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Principal
from registry.audit.services import audited_write
from registry.clock import Clock
from registry.errors import InvalidParam, InvalidTransition, ValidationFailed
from verklaringen import schemas
from verklaringen.models import ONDERSTEUND, Aanmelding, Document, Intake, Intakeantwoord
from verklaringen.pdf import (
    INTAKEFORMULIER_TEMPLATE,
    PDF_MEDIA_TYPE,
    PdfRenderer,
    render_document,
    sha256_hex,
)
from verklaringen.services.queries import (
    find_aanmelding,
    find_intake,
    get_aanmelding,
    intake_of,
    intake_schema,
    missing_answers,
)
from verklaringen.services.rollen import verklaringsrol
from verklaringen.services.toegang import actor_of, require_handler, user_id_of

ENTITY = "intake"
MAX_TEKST = 5000
STELSEL_NAAM = "Stelselorganisatie afsprakenstelsel Jeugd, Zorg en Veiligheid"
INTAKE_STATUSES = ("in_behandeling",)


async def start_intake(
    session: AsyncSession, referentie: str, *, principal: Principal, clock: Clock
) -> schemas.Intake:
    """Start the intake of an aanmelding (or return the one already started)."""
    aanmelding = await find_aanmelding(session, referentie)
    require_handler(principal, aanmelding)
    existing = await intake_of(session, aanmelding)
    if existing is not None:
        return await intake_schema(session, existing)
    if aanmelding.status not in INTAKE_STATUSES:
        raise InvalidTransition(
            f"Aanmelding {aanmelding.referentie} is {aanmelding.status}; een intake begint als een "
            "casemanager is toegewezen."
        )
    rol = await verklaringsrol(session, aanmelding.rol_code)
    async with audited_write(session, actor_of(principal), clock) as tx:
        aanmelding = await find_aanmelding(session, referentie)
        if await intake_of(session, aanmelding) is not None:
            raise InvalidTransition(f"De intake van {aanmelding.referentie} is al begonnen.")
        intake = Intake(
            aanmelding_id=aanmelding.id,
            rol_code=rol.code,
            rol_naam=rol.naam,
            release=rol.release.versie,
            status="concept",
            gestart_op=tx.now,
            gewijzigd_op=tx.now,
        )
        intake.antwoorden = [
            Intakeantwoord(
                positie=duty.positie,
                duty_code=duty.code,
                soort=duty.soort,
                tekst=duty.tekst,
                verplicht=duty.verplicht,
                ondersteund=None,
                toelichting="",
                afspraken="",
            )
            for duty in rol.duties
        ]
        session.add(intake)
        await session.flush()
        tx.record(
            "intake.gestart",
            ENTITY,
            intake.id,
            {
                "aanmelding": {"before": None, "after": aanmelding.referentie},
                "release": {"before": None, "after": intake.release},
                "duties": {"before": None, "after": len(intake.antwoorden)},
            },
        )
    return await intake_schema(session, intake)


def _check_answers(intake: Intake, data: schemas.IntakeInvoer) -> list[InvalidParam]:
    known = {a.duty_code for a in intake.antwoorden}
    problems: list[InvalidParam] = []
    seen: set[str] = set()
    for index, antwoord in enumerate(data.antwoorden):
        field = f"antwoorden[{index}]"
        if antwoord.duty_code not in known:
            problems.append(
                InvalidParam(f"{field}.dutyCode", f"De rol kent geen taak '{antwoord.duty_code}'.")
            )
        elif antwoord.duty_code in seen:
            problems.append(InvalidParam(f"{field}.dutyCode", f"{antwoord.duty_code} staat er twee keer in."))
        seen.add(antwoord.duty_code)
        if antwoord.ondersteund not in (None, *ONDERSTEUND):
            problems.append(InvalidParam(f"{field}.ondersteund", "Kies ja, nee of deels."))
        for name in ("toelichting", "afspraken"):
            if len(getattr(antwoord, name)) > MAX_TEKST:
                problems.append(InvalidParam(f"{field}.{name}", f"Ten hoogste {MAX_TEKST} tekens."))
    return problems


async def _handled_intake(
    session: AsyncSession, intake_id: uuid.UUID, principal: Principal
) -> tuple[Intake, Aanmelding]:
    intake = await find_intake(session, intake_id)
    aanmelding = await session.get(Aanmelding, intake.aanmelding_id, populate_existing=True)
    assert aanmelding is not None
    require_handler(principal, aanmelding)
    if intake.status != "concept":
        raise InvalidTransition("Deze intake is afgerond en ligt vast; hij kan niet meer worden gewijzigd.")
    return intake, aanmelding


async def bewaar_intake(
    session: AsyncSession,
    intake_id: uuid.UUID,
    data: schemas.IntakeInvoer,
    *,
    principal: Principal,
    clock: Clock,
) -> schemas.Intake:
    """Save answers in a concept intake (a draft: it may stay incomplete)."""
    async with audited_write(session, actor_of(principal), clock) as tx:
        intake, _aanmelding = await _handled_intake(session, intake_id, principal)
        problems = _check_answers(intake, data)
        if problems:
            raise ValidationFailed(problems)
        by_code = {a.duty_code: a for a in intake.antwoorden}
        changes: dict[str, dict[str, object]] = {}
        for antwoord in data.antwoorden:
            row = by_code[antwoord.duty_code]
            new = (antwoord.ondersteund, antwoord.toelichting.strip(), antwoord.afspraken.strip())
            old = (row.ondersteund, row.toelichting, row.afspraken)
            if new != old:
                row.ondersteund, row.toelichting, row.afspraken = new
                changes[row.duty_code] = {"before": list(old), "after": list(new)}
        if changes:
            intake.gewijzigd_op = tx.now
            tx.record("intake.bewaard", ENTITY, intake.id, changes)
    return await intake_schema(session, intake)


def deels_zonder_afspraken(intake: Intake) -> list[str]:
    """Duties answered ``deels`` without the afspraken made about them."""
    return [a.duty_code for a in intake.antwoorden if a.ondersteund == "deels" and not a.afspraken.strip()]


async def rond_intake_af(
    session: AsyncSession,
    intake_id: uuid.UUID,
    *,
    principal: Principal,
    clock: Clock,
    renderer: PdfRenderer,
) -> schemas.Intake:
    """Complete the intake: every duty answered, every mandatory duty ``ja``, afspraken for every
    ``deels``; freeze it and store the intakeformulier PDF."""
    async with audited_write(session, actor_of(principal), clock) as tx:
        intake, aanmelding = await _handled_intake(session, intake_id, principal)
        if aanmelding.status != "in_behandeling":
            raise InvalidTransition(
                f"Aanmelding {aanmelding.referentie} is {aanmelding.status}; "
                "de intake kan niet meer worden afgerond."
            )
        ontbrekend, niet_voldaan = missing_answers(intake)
        problems = (
            [
                InvalidParam(f"antwoorden.{code}", f"Taak {code} heeft nog geen antwoord.", "required")
                for code in ontbrekend
            ]
            + [
                InvalidParam(
                    f"antwoorden.{code}",
                    f"Taak {code} is verplicht en moet volledig (ja) worden ondersteund.",
                    "verplicht",
                )
                for code in niet_voldaan
            ]
            + [
                InvalidParam(
                    f"antwoorden.{code}.afspraken",
                    f"Taak {code} wordt deels ondersteund: leg vast welke afspraken daarover zijn gemaakt.",
                    "required",
                )
                for code in deels_zonder_afspraken(intake)
            ]
        )
        if problems:
            raise ValidationFailed(problems, "De intake is nog niet compleet.")
        intake.status = "afgerond"
        intake.afgerond_op = tx.now
        intake.gewijzigd_op = tx.now
        intake.afgerond_door_id = user_id_of(principal)
        intake.afgerond_door_naam = principal.display_name
        context = {
            "intake": await intake_schema(session, intake),
            "aanmelding": await get_aanmelding(session, aanmelding.referentie),
            "stelsel_naam": STELSEL_NAAM,
        }
        pdf = await asyncio.to_thread(render_document, INTAKEFORMULIER_TEMPLATE, context, renderer)
        document = Document(
            soort="intakeformulier",
            bestandsnaam=f"intakeformulier-{aanmelding.referentie}.pdf",
            media_type=PDF_MEDIA_TYPE,
            inhoud=pdf,
            sha256=sha256_hex(pdf),
            grootte=len(pdf),
            vastgelegd_op=tx.now,
        )
        session.add(document)
        await session.flush()
        intake.document_id = document.id
        aanmelding.status = "intake_afgerond"
        tx.record(
            "intake.afgerond",
            ENTITY,
            intake.id,
            {
                "status": {"before": "concept", "after": "afgerond"},
                "intakeformulierSha256": {"before": None, "after": document.sha256},
            },
        )
        tx.record(
            "aanmelding.intake-afgerond",
            "aanmelding",
            aanmelding.referentie,
            {"status": {"before": "in_behandeling", "after": aanmelding.status}},
        )
    return await intake_schema(session, intake)
