"""Reading verklaringen and their process, and turning rows into the read schemas.

The status of a verklaring is computed, never stored: from its ``fase``, its flags and the dates.
:func:`verklaring_status` does it for one row and :func:`status_condition` as a query filter, with
the same rules:

=================  ====================================================================
in_voorbereiding   not yet afgegeven (awaiting one or both signatures)
ingetrokken        afgegeven and withdrawn (final)
geschorst          afgegeven, suspended (reversible), not withdrawn
verlopen           afgegeven, neither withdrawn nor suspended, ``geldig_tot`` ≤ today
nog_niet_geldig    afgegeven, neither withdrawn nor suspended, today < ``geldig_van``
geldig             afgegeven, neither withdrawn nor suspended, within its period
=================  ====================================================================
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import API_PREFIX, PageRequest
from registry.audit.models import AuditEvent
from registry.errors import NotFound, ValidationFailed
from registry.ledenadministratie.identifiers import InvalidIdentificatie, parse_identificatie
from registry.ledenadministratie.models import DeelnemerIdentificatie
from verklaringen import schemas
from verklaringen.attestation import AMSTERDAM
from verklaringen.models import (
    AANMELDINGSTATUSSEN,
    OPEN_AANMELDINGSTATUSSEN,
    Aanmelding,
    Besluit,
    Document,
    Intake,
    Ondertekening,
    Verklaring,
)

VERKLARINGSTATUSSEN = (
    "in_voorbereiding",
    "nog_niet_geldig",
    "geldig",
    "verlopen",
    "geschorst",
    "ingetrokken",
)
AFGEGEVEN = "afgegeven"


def today_of(moment: datetime) -> date:
    """The date in the Netherlands at ``moment``: where the register's day boundaries fall."""
    return moment.astimezone(AMSTERDAM).date()


def verklaring_status(verklaring: Verklaring, today: date) -> str:
    if verklaring.fase != AFGEGEVEN:
        return "in_voorbereiding"
    if verklaring.ingetrokken_op is not None:
        return "ingetrokken"
    if verklaring.geschorst_op is not None:
        return "geschorst"
    if verklaring.geldig_tot <= today:
        return "verlopen"
    if today < verklaring.geldig_van:
        return "nog_niet_geldig"
    return "geldig"


def status_condition(status: str, today: date) -> ColumnElement[bool]:
    """The query filter for one computed status (see the module docstring)."""
    afgegeven = Verklaring.fase == AFGEGEVEN
    levend = and_(afgegeven, Verklaring.ingetrokken_op.is_(None), Verklaring.geschorst_op.is_(None))
    conditions: dict[str, ColumnElement[bool]] = {
        "in_voorbereiding": Verklaring.fase != AFGEGEVEN,
        "ingetrokken": and_(afgegeven, Verklaring.ingetrokken_op.is_not(None)),
        "geschorst": and_(
            afgegeven, Verklaring.ingetrokken_op.is_(None), Verklaring.geschorst_op.is_not(None)
        ),
        "verlopen": and_(levend, Verklaring.geldig_tot <= today),
        "nog_niet_geldig": and_(levend, Verklaring.geldig_van > today),
        "geldig": and_(levend, Verklaring.geldig_van <= today, Verklaring.geldig_tot > today),
    }
    if status not in conditions:
        keuzes = ", ".join(VERKLARINGSTATUSSEN)
        raise ValidationFailed.single("status", f"Onbekende status '{status}'; kies uit {keuzes}.")
    return conditions[status]


# --- verklaringen -----------------------------------------------------------------------------------


def verklaring_links(base_url: str, verklaring: Verklaring) -> schemas.VerklaringLinks:
    afgegeven = verklaring.fase == AFGEGEVEN
    api = f"{base_url}{API_PREFIX}/verklaringen/{verklaring.nummer}"
    return schemas.VerklaringLinks(
        verificatie=f"{base_url}/verifieer/{verklaring.nummer}",
        attestatie=f"{api}/attestatie" if afgegeven else None,
        pdf=f"{api}/pdf" if afgegeven else None,
    )


def ondertekening_schema(ondertekening: Ondertekening) -> schemas.Ondertekening:
    return schemas.Ondertekening(
        partij=ondertekening.partij,
        naam=ondertekening.ondertekenaar_naam,
        rol=ondertekening.ondertekenaar_rol,
        organisatie=ondertekening.organisatie,
        ondertekend_op=ondertekening.ondertekend_op,
        methode=ondertekening.methode,
        document_hash=ondertekening.document_hash,
        sleutel_kid=ondertekening.sleutel_kid,
    )


def verklaring_schema(verklaring: Verklaring, today: date, base_url: str) -> schemas.Verklaring:
    return schemas.Verklaring(
        nummer=verklaring.nummer,
        status=verklaring_status(verklaring, today),
        fase=verklaring.fase,
        deelnemer=schemas.DeelnemerRef(
            id=verklaring.deelnemer_id,
            naam=verklaring.deelnemer_naam,
            identificaties=list(verklaring.identificaties),
        ),
        subject=verklaring.subject,
        rol=schemas.RolRef(code=verklaring.rol_code, naam=verklaring.rol_naam),
        release=verklaring.release,
        taken=list(verklaring.taken),
        taken_deels=list(verklaring.taken_deels),
        geldig_van=verklaring.geldig_van,
        geldig_tot=verklaring.geldig_tot,
        afgegeven_op=verklaring.afgegeven_op,
        vernieuwt=verklaring.vernieuwt,
        ingetrokken_op=verklaring.ingetrokken_op,
        intrekkingsreden=verklaring.intrekking_reden,
        geschorst_op=verklaring.geschorst_op,
        schorsingsreden=verklaring.schorsing_reden,
        inhoud_hash=verklaring.inhoud_hash,
        pdf_sha256=verklaring.pdf_sha256,
        ondertekeningen=[ondertekening_schema(o) for o in verklaring.ondertekeningen],
        links=verklaring_links(base_url, verklaring),
    )


async def find_verklaring(session: AsyncSession, nummer: str, *, lock: bool = False) -> Verklaring:
    """The verklaring with this number (read afresh); :class:`NotFound` otherwise."""
    statement = select(Verklaring).where(Verklaring.nummer == nummer.strip().upper())
    if lock:
        statement = statement.execution_options(populate_existing=True)
    verklaring = await session.scalar(statement)
    if verklaring is None:
        raise NotFound(f"Er is geen verklaring met nummer {nummer}.")
    return verklaring


async def find_issued_verklaring(session: AsyncSession, nummer: str) -> Verklaring:
    """A verklaring that has been afgegeven; one still being prepared is not public."""
    verklaring = await find_verklaring(session, nummer)
    if verklaring.fase != AFGEGEVEN:
        raise NotFound(f"Er is geen afgegeven verklaring met nummer {nummer}.")
    return verklaring


async def get_verklaring(
    session: AsyncSession, nummer: str, *, today: date, base_url: str, include_voorbereiding: bool = False
) -> schemas.Verklaring:
    verklaring = (
        await find_verklaring(session, nummer)
        if include_voorbereiding
        else await find_issued_verklaring(session, nummer)
    )
    return verklaring_schema(verklaring, today, base_url)


async def taken_van(session: AsyncSession, verklaring: Verklaring) -> list[schemas.Taak]:
    """The duties the verklaring covers, as the intake recorded them (ja, then deels, in list order)."""
    intake = await session.scalar(select(Intake).where(Intake.aanmelding_id == verklaring.aanmelding_id))
    if intake is None:
        return []
    covered = set(verklaring.taken) | set(verklaring.taken_deels)
    return [
        schemas.Taak(
            code=antwoord.duty_code,
            soort=antwoord.soort,
            tekst=antwoord.tekst,
            verplicht=antwoord.verplicht,
            ondersteund=antwoord.ondersteund or "",
            afspraken=antwoord.afspraken,
        )
        for antwoord in intake.antwoorden
        if antwoord.duty_code in covered
    ]


async def get_verklaring_detail(
    session: AsyncSession, nummer: str, *, today: date, base_url: str, include_voorbereiding: bool = False
) -> schemas.VerklaringDetail:
    verklaring = (
        await find_verklaring(session, nummer)
        if include_voorbereiding
        else await find_issued_verklaring(session, nummer)
    )
    referentie = await session.scalar(
        select(Aanmelding.referentie).where(Aanmelding.id == verklaring.aanmelding_id)
    )
    return schemas.VerklaringDetail(
        verklaring=verklaring_schema(verklaring, today, base_url),
        taken=await taken_van(session, verklaring),
        aanmelding=referentie or "",
    )


async def _deelnemer_ids(session: AsyncSession, ref: str) -> list[uuid.UUID]:
    """The deelnemer meant by an id or an identificatie (``kvk:90000001``); none when unknown."""
    text = ref.strip()
    try:
        return [uuid.UUID(text)]
    except ValueError:
        pass
    try:
        identificatie = parse_identificatie(text)
    except InvalidIdentificatie as exc:
        raise ValidationFailed.single("deelnemer", exc.message) from None
    found = await session.scalars(
        select(DeelnemerIdentificatie.deelnemer_id).where(
            DeelnemerIdentificatie.soort == identificatie.soort.value,
            DeelnemerIdentificatie.waarde == identificatie.waarde,
        )
    )
    return list(found)


async def list_verklaringen(
    session: AsyncSession,
    paging: PageRequest,
    *,
    today: date,
    base_url: str,
    deelnemer: str | None = None,
    rol: str | None = None,
    status: str | None = None,
    include_voorbereiding: bool = False,
) -> tuple[list[schemas.Verklaring], int]:
    """Verklaringen, newest number first, filtered by deelnemer (id or identificatie), role and status.

    Without ``include_voorbereiding`` only afgegeven verklaringen are listed (the public view).
    """
    conditions: list[ColumnElement[bool]] = []
    if not include_voorbereiding:
        conditions.append(Verklaring.fase == AFGEGEVEN)
    if deelnemer:
        ids = await _deelnemer_ids(session, deelnemer)
        conditions.append(Verklaring.deelnemer_id.in_(ids) if ids else false())
    if rol:
        conditions.append(Verklaring.rol_code == rol.strip())
    if status:
        conditions.append(status_condition(status.strip(), today))
    where = and_(true(), *conditions)
    total = await session.scalar(select(func.count()).select_from(Verklaring).where(where)) or 0
    rows = await session.scalars(
        select(Verklaring)
        .where(where)
        .order_by(Verklaring.jaar.desc(), Verklaring.volgnummer.desc())
        .offset(paging.offset)
        .limit(paging.page_size)
    )
    return [verklaring_schema(v, today, base_url) for v in rows], int(total)


async def verklaringen_van_deelnemer(
    session: AsyncSession, deelnemer_id: uuid.UUID, *, today: date, base_url: str
) -> list[schemas.Verklaring]:
    """Every verklaring of one deelnemer (also those being prepared), newest first: for the
    deelnemer's page in the ledenadministratie."""
    rows = await session.scalars(
        select(Verklaring)
        .where(Verklaring.deelnemer_id == deelnemer_id)
        .order_by(Verklaring.jaar.desc(), Verklaring.volgnummer.desc())
    )
    return [verklaring_schema(v, today, base_url) for v in rows]


ACTIES = {
    "aanmelding.ingediend": "Aanmelding ingediend",
    "aanmelding.toegewezen": "Casemanager toegewezen",
    "aanmelding.intake-afgerond": "Intake afgerond",
    "aanmelding.vernieuwing": "Vernieuwing aangevraagd",
    "besluit.voorgesteld": "Besluit voorgesteld",
    "besluit.genomen": "Besluit genomen",
    "verklaring.voorbereid": "Verklaring voorbereid",
    "verklaring.ondertekend-deelnemer": "Ondertekend door de organisatie",
    "verklaring.afgegeven": "Ondertekend door de stelselorganisatie en afgegeven",
    "verklaring.geschorst": "Verklaring geschorst",
    "verklaring.hersteld": "Schorsing opgeheven",
    "verklaring.ingetrokken": "Verklaring ingetrokken",
}


async def gebeurtenissen_van_deelnemer(
    session: AsyncSession, deelnemer_id: uuid.UUID
) -> list[schemas.Gebeurtenis]:
    """Every step of the deelnemer's aanmeldingen and verklaringen from the audit trail, oldest first:
    for the deelnemer's page in the ledenadministratie."""
    referenties = select(Aanmelding.referentie).where(Aanmelding.deelnemer_id == deelnemer_id)
    nummers = select(Verklaring.nummer).where(Verklaring.deelnemer_id == deelnemer_id)
    events = await session.scalars(
        select(AuditEvent)
        .where(
            or_(
                and_(
                    AuditEvent.entity_type.in_(("aanmelding", "besluit")),
                    AuditEvent.entity_id.in_(referenties),
                ),
                and_(AuditEvent.entity_type == "verklaring", AuditEvent.entity_id.in_(nummers)),
            )
        )
        .order_by(AuditEvent.seq)
    )
    return [
        schemas.Gebeurtenis(
            moment=event.occurred_at,
            actie=ACTIES.get(event.action, event.action),
            onderwerp=event.entity_id,
            door=event.actor_name,
        )
        for event in events
    ]


async def verklaring_document(session: AsyncSession, nummer: str) -> Document:
    """The stored PDF of an afgegeven verklaring."""
    verklaring = await find_issued_verklaring(session, nummer)
    document = await session.get(Document, verklaring.document_id) if verklaring.document_id else None
    if document is None:
        raise NotFound(f"Verklaring {nummer} heeft geen PDF.")
    return document


async def verklaring_attestatie(session: AsyncSession, nummer: str) -> str:
    verklaring = await find_issued_verklaring(session, nummer)
    if verklaring.attestatie is None:
        raise NotFound(f"Verklaring {nummer} heeft geen attestatie.")
    return verklaring.attestatie


# --- aanmeldingen, intakes, besluiten -------------------------------------------------------------


async def find_aanmelding(session: AsyncSession, referentie: str) -> Aanmelding:
    aanmelding = await session.scalar(
        select(Aanmelding)
        .where(Aanmelding.referentie == referentie.strip().upper())
        .execution_options(populate_existing=True)
    )
    if aanmelding is None:
        raise NotFound(f"Er is geen aanmelding met referentie {referentie}.")
    return aanmelding


def aanmelding_schema(
    aanmelding: Aanmelding, intake_id: uuid.UUID | None, verklaring: str | None
) -> schemas.Aanmelding:
    return schemas.Aanmelding(
        referentie=aanmelding.referentie,
        soort=aanmelding.soort,
        vernieuwt=aanmelding.vernieuwt,
        status=aanmelding.status,
        organisatie=aanmelding.organisatie_naam,
        identificaties=list(aanmelding.identificaties),
        deelnemer_id=aanmelding.deelnemer_id,
        rol=schemas.RolRef(code=aanmelding.rol_code, naam=aanmelding.rol_naam),
        contactpersoon=schemas.Contactpersoon(
            naam=aanmelding.contact_naam, email=aanmelding.contact_email, telefoon=aanmelding.contact_telefoon
        ),
        motivatie=aanmelding.motivatie,
        ingediend_op=aanmelding.ingediend_op,
        casemanager=schemas.Persoon(id=aanmelding.casemanager_id, naam=aanmelding.casemanager_naam or "")
        if aanmelding.casemanager_id
        else None,
        toegewezen_op=aanmelding.toegewezen_op,
        afgesloten_op=aanmelding.afgesloten_op,
        intake_id=intake_id,
        verklaring=verklaring,
    )


async def get_aanmelding(session: AsyncSession, referentie: str) -> schemas.Aanmelding:
    aanmelding = await find_aanmelding(session, referentie)
    intake_id = await session.scalar(select(Intake.id).where(Intake.aanmelding_id == aanmelding.id))
    nummer = await session.scalar(select(Verklaring.nummer).where(Verklaring.aanmelding_id == aanmelding.id))
    return aanmelding_schema(aanmelding, intake_id, nummer)


async def list_aanmeldingen(
    session: AsyncSession,
    paging: PageRequest,
    *,
    status: str | None = None,
    casemanager: uuid.UUID | None = None,
    open_only: bool = False,
) -> tuple[list[schemas.Aanmelding], int]:
    """Aanmeldingen, oldest first (a work queue), by status, casemanager, or only the open ones."""
    conditions: list[ColumnElement[bool]] = []
    if status:
        if status.strip() not in AANMELDINGSTATUSSEN:
            keuzes = ", ".join(AANMELDINGSTATUSSEN)
            raise ValidationFailed.single("status", f"Onbekende status '{status}'; kies uit {keuzes}.")
        conditions.append(Aanmelding.status == status.strip())
    if casemanager is not None:
        conditions.append(Aanmelding.casemanager_id == casemanager)
    if open_only:
        conditions.append(Aanmelding.status.in_(OPEN_AANMELDINGSTATUSSEN))
    where = and_(true(), *conditions)
    total = await session.scalar(select(func.count()).select_from(Aanmelding).where(where)) or 0
    rows = await session.execute(
        select(Aanmelding, Intake.id, Verklaring.nummer)
        .outerjoin(Intake, Intake.aanmelding_id == Aanmelding.id)
        .outerjoin(Verklaring, Verklaring.aanmelding_id == Aanmelding.id)
        .where(where)
        .order_by(Aanmelding.ingediend_op, Aanmelding.volgnummer)
        .offset(paging.offset)
        .limit(paging.page_size)
    )
    return [aanmelding_schema(a, i, n) for a, i, n in rows.tuples()], int(total)


def missing_answers(intake: Intake) -> tuple[list[str], list[str]]:
    """Duties without an answer, and mandatory duties not answered ``ja``."""
    ontbrekend = [a.duty_code for a in intake.antwoorden if a.ondersteund is None]
    niet_voldaan = [
        a.duty_code for a in intake.antwoorden if a.verplicht and a.ondersteund not in (None, "ja")
    ]
    return ontbrekend, niet_voldaan


async def intake_schema(session: AsyncSession, intake: Intake) -> schemas.Intake:
    aanmelding = await session.get(Aanmelding, intake.aanmelding_id)
    assert aanmelding is not None
    document_sha = (
        await session.scalar(select(Document.sha256).where(Document.id == intake.document_id))
        if intake.document_id
        else None
    )
    ontbrekend, niet_voldaan = missing_answers(intake)
    return schemas.Intake(
        id=intake.id,
        aanmelding=aanmelding.referentie,
        organisatie=aanmelding.organisatie_naam,
        rol=schemas.RolRef(code=intake.rol_code, naam=intake.rol_naam),
        release=intake.release,
        status=intake.status,
        casemanager=schemas.Persoon(id=aanmelding.casemanager_id, naam=aanmelding.casemanager_naam or "")
        if aanmelding.casemanager_id
        else None,
        gestart_op=intake.gestart_op,
        gewijzigd_op=intake.gewijzigd_op,
        afgerond_op=intake.afgerond_op,
        afgerond_door=intake.afgerond_door_naam,
        antwoorden=[
            schemas.Intakeantwoord(
                duty_code=a.duty_code,
                soort=a.soort,
                tekst=a.tekst,
                verplicht=a.verplicht,
                positie=a.positie,
                ondersteund=a.ondersteund,
                toelichting=a.toelichting,
                afspraken=a.afspraken,
            )
            for a in intake.antwoorden
        ],
        ontbrekend=ontbrekend,
        niet_voldaan=niet_voldaan,
        document_sha256=document_sha,
    )


async def find_intake(session: AsyncSession, intake_id: uuid.UUID) -> Intake:
    intake = await session.get(Intake, intake_id, populate_existing=True)
    if intake is None:
        raise NotFound(f"Er is geen intake met id {intake_id}.")
    return intake


async def get_intake(session: AsyncSession, intake_id: uuid.UUID) -> schemas.Intake:
    return await intake_schema(session, await find_intake(session, intake_id))


async def intake_of(session: AsyncSession, aanmelding: Aanmelding) -> Intake | None:
    intake: Intake | None = await session.scalar(
        select(Intake).where(Intake.aanmelding_id == aanmelding.id).execution_options(populate_existing=True)
    )
    return intake


async def intake_document(session: AsyncSession, intake_id: uuid.UUID) -> Document:
    intake = await find_intake(session, intake_id)
    document = await session.get(Document, intake.document_id) if intake.document_id else None
    if document is None:
        raise NotFound("Deze intake is nog niet afgerond; er is nog geen intakeformulier.")
    return document


def besluit_schema(besluit: Besluit, referentie: str, verklaring: str | None) -> schemas.Besluit:
    return schemas.Besluit(
        aanmelding=referentie,
        voorstel=besluit.voorstel,
        motivering=besluit.motivering,
        geldigheid_maanden=besluit.geldigheid_maanden,
        voorgesteld_door=besluit.voorgesteld_door_naam,
        voorgesteld_op=besluit.voorgesteld_op,
        uitkomst=besluit.uitkomst,
        reden=besluit.reden,
        besloten_door=besluit.besloten_door_naam,
        besloten_op=besluit.besloten_op,
        verklaring=verklaring,
    )


async def besluit_of(session: AsyncSession, aanmelding: Aanmelding) -> Besluit | None:
    besluit: Besluit | None = await session.scalar(
        select(Besluit)
        .where(Besluit.aanmelding_id == aanmelding.id)
        .execution_options(populate_existing=True)
    )
    return besluit


async def get_besluit(session: AsyncSession, referentie: str) -> schemas.Besluit:
    aanmelding = await find_aanmelding(session, referentie)
    besluit = await besluit_of(session, aanmelding)
    if besluit is None:
        raise NotFound(f"Over aanmelding {aanmelding.referentie} is nog geen voorstel of besluit.")
    nummer = await session.scalar(select(Verklaring.nummer).where(Verklaring.aanmelding_id == aanmelding.id))
    return besluit_schema(besluit, aanmelding.referentie, nummer)
