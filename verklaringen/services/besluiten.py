"""The besluit on an aanmelding: the casemanager proposes, the stelselbeheerder decides.

- A proposal to *toekennen* needs a completed intake; a proposal to *afwijzen* needs a motivering
  and may come before the intake is done (the organisation does not qualify). A proposal can be
  replaced until the decision.
- The decision (*toekennen* or *afwijzen*, the latter with a reason) follows a proposal. A
  rejection ends the aanmelding and is shown on the applicant's status page; the record stays.
- *Toekennen* prepares the verklaring in the same transaction (:func:`prepare_verklaring`): its
  number, the content both parties will sign, and its period (``geldigheid_maanden`` from today; a
  renewal starts when the verklaring it renews ends, so the two never overlap).
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Principal
from registry.audit.services import WriteTransaction, audited_write
from registry.clock import Clock
from registry.errors import InvalidParam, InvalidTransition, ValidationFailed
from registry.ledenadministratie.identifiers import IdentificatieSoort
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from verklaringen import schemas
from verklaringen.attestation import Verklaringinhoud
from verklaringen.models import UITKOMSTEN, Aanmelding, Besluit, Intake, Verklaring
from verklaringen.services.nummering import jaar_van, next_verklaring_volgnummer, verklaring_nummer
from verklaringen.services.queries import (
    besluit_of,
    besluit_schema,
    find_aanmelding,
    find_verklaring,
    intake_of,
    missing_answers,
    today_of,
)
from verklaringen.services.toegang import actor_of, require_handler, user_id_of

ENTITY = "besluit"
MAX_TEKST = 5000
VOORSTEL_STATUSES = ("in_behandeling", "intake_afgerond", "voorgesteld")
# Which identificatie becomes the attestation's ``sub``: the first soort the deelnemer has.
SUBJECT_ORDER = (
    IdentificatieSoort.OIN,
    IdentificatieSoort.KVK,
    IdentificatieSoort.RSIN,
    IdentificatieSoort.URA,
    IdentificatieSoort.AGB,
    IdentificatieSoort.VESTIGINGSNUMMER,
)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the last day of a shorter month)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def primary_identificatie(identificaties: list[str]) -> str:
    """The identificatie a verklaring names as its subject (``oin:`` before ``kvk:`` before …)."""
    for soort in SUBJECT_ORDER:
        for identificatie in identificaties:
            if identificatie.startswith(f"{soort.value}:"):
                return identificatie
    return identificaties[0]


def _check_text(field: str, value: str, *, required: bool, label: str) -> list[InvalidParam]:
    if required and not value.strip():
        return [InvalidParam(field, f"Geef {label}.", "required")]
    if len(value) > MAX_TEKST:
        return [InvalidParam(field, f"Ten hoogste {MAX_TEKST} tekens.")]
    return []


async def _completed_intake(session: AsyncSession, aanmelding: Aanmelding) -> Intake:
    intake = await intake_of(session, aanmelding)
    if intake is None or intake.status != "afgerond":
        raise InvalidTransition(f"De intake van {aanmelding.referentie} is nog niet afgerond.")
    ontbrekend, niet_voldaan = missing_answers(intake)
    if ontbrekend or niet_voldaan:
        raise InvalidTransition(f"De intake van {aanmelding.referentie} is niet compleet.")
    return intake


async def stel_voor(
    session: AsyncSession,
    referentie: str,
    data: schemas.VoorstelInvoer,
    *,
    principal: Principal,
    clock: Clock,
) -> schemas.Besluit:
    """The casemanager's proposal (replaces an earlier one until the decision)."""
    problems: list[InvalidParam] = []
    if data.voorstel not in UITKOMSTEN:
        problems.append(InvalidParam("voorstel", "Kies toekennen of afwijzen."))
    problems += _check_text(
        "motivering", data.motivering, required=data.voorstel == "afwijzen", label="de reden van de afwijzing"
    )
    if not 1 <= data.geldigheid_maanden <= 120:
        problems.append(InvalidParam("geldigheidMaanden", "Een verklaring geldt 1 tot 120 maanden."))
    if problems:
        raise ValidationFailed(problems)
    async with audited_write(session, actor_of(principal), clock) as tx:
        aanmelding = await find_aanmelding(session, referentie)
        require_handler(principal, aanmelding)
        if aanmelding.status not in VOORSTEL_STATUSES:
            raise InvalidTransition(
                f"Aanmelding {aanmelding.referentie} is {aanmelding.status}; een voorstel kan niet meer."
            )
        if data.voorstel == "toekennen":
            await _completed_intake(session, aanmelding)
        besluit = await besluit_of(session, aanmelding)
        before = None if besluit is None else besluit.voorstel
        if besluit is None:
            besluit = Besluit(aanmelding_id=aanmelding.id)
            session.add(besluit)
        besluit.voorstel = data.voorstel
        besluit.motivering = data.motivering.strip()
        besluit.geldigheid_maanden = data.geldigheid_maanden
        besluit.voorgesteld_door_id = user_id_of(principal)
        besluit.voorgesteld_door_naam = principal.display_name
        besluit.voorgesteld_op = tx.now
        status_before = aanmelding.status
        aanmelding.status = "voorgesteld"
        await session.flush()
        tx.record(
            "besluit.voorgesteld",
            ENTITY,
            aanmelding.referentie,
            {
                "voorstel": {"before": before, "after": data.voorstel},
                "geldigheidMaanden": {"before": None, "after": data.geldigheid_maanden},
                "status": {"before": status_before, "after": aanmelding.status},
            },
        )
    return besluit_schema(besluit, aanmelding.referentie, None)


async def prepare_verklaring(
    tx: WriteTransaction, aanmelding: Aanmelding, intake: Intake, geldigheid_maanden: int
) -> Verklaring:
    """Prepare the verklaring of a granted aanmelding inside ``tx``: allocate its number and fix
    the content both parties sign."""
    session = tx.session
    deelnemer = await get_deelnemer_by_id(session, aanmelding.deelnemer_id)
    identificaties = [f"{i.soort}:{i.waarde}" for i in deelnemer.identificaties]
    if not identificaties:
        raise InvalidTransition(f"{deelnemer.naam} heeft geen identificatie; een verklaring noemt er één.")
    today = today_of(tx.now)
    geldig_van = today
    if aanmelding.vernieuwt:
        vorige = await find_verklaring(session, aanmelding.vernieuwt)
        if vorige.ingetrokken_op is None and vorige.geldig_tot > today:
            geldig_van = vorige.geldig_tot
    geldig_tot = add_months(geldig_van, geldigheid_maanden)
    taken = [a.duty_code for a in intake.antwoorden if a.ondersteund == "ja"]
    taken_deels = [a.duty_code for a in intake.antwoorden if a.ondersteund == "deels"]
    jaar = jaar_van(tx.now)
    volgnummer = await next_verklaring_volgnummer(session, jaar)
    nummer = verklaring_nummer(jaar, volgnummer)
    inhoud = Verklaringinhoud(
        nummer=nummer,
        deelnemer_naam=deelnemer.naam,
        identificaties=tuple(identificaties),
        rol=intake.rol_code,
        release=intake.release,
        taken=tuple(taken),
        taken_deels=tuple(taken_deels),
        geldig_van=geldig_van,
        geldig_tot=geldig_tot,
    )
    verklaring = Verklaring(
        nummer=nummer,
        jaar=jaar,
        volgnummer=volgnummer,
        aanmelding_id=aanmelding.id,
        fase="ter_ondertekening",
        deelnemer_id=deelnemer.id,
        deelnemer_naam=deelnemer.naam,
        identificaties=identificaties,
        subject=primary_identificatie(identificaties),
        rol_code=intake.rol_code,
        rol_naam=intake.rol_naam,
        release=intake.release,
        taken=taken,
        taken_deels=taken_deels,
        geldig_van=geldig_van,
        geldig_tot=geldig_tot,
        inhoud_hash=inhoud.document_hash,
        vernieuwt=aanmelding.vernieuwt,
        voorbereid_op=tx.now,
    )
    session.add(verklaring)
    await session.flush()
    tx.record(
        "verklaring.voorbereid",
        "verklaring",
        nummer,
        {
            "aanmelding": {"before": None, "after": aanmelding.referentie},
            "deelnemerId": {"before": None, "after": deelnemer.id},
            "rolCode": {"before": None, "after": intake.rol_code},
            "release": {"before": None, "after": intake.release},
            "geldigVan": {"before": None, "after": geldig_van},
            "geldigTot": {"before": None, "after": geldig_tot},
            "inhoudHash": {"before": None, "after": verklaring.inhoud_hash},
        },
    )
    return verklaring


async def besluit(
    session: AsyncSession,
    referentie: str,
    data: schemas.BesluitInvoer,
    *,
    principal: Principal,
    clock: Clock,
) -> schemas.Besluit:
    """The stelselbeheerder's decision on a proposal; *toekennen* prepares the verklaring."""
    problems: list[InvalidParam] = []
    if data.uitkomst not in UITKOMSTEN:
        problems.append(InvalidParam("uitkomst", "Kies toekennen of afwijzen."))
    problems += _check_text(
        "reden", data.reden, required=data.uitkomst == "afwijzen", label="de reden van de afwijzing"
    )
    if problems:
        raise ValidationFailed(problems)
    async with audited_write(session, actor_of(principal), clock) as tx:
        aanmelding = await find_aanmelding(session, referentie)
        gevonden = await besluit_of(session, aanmelding)
        if aanmelding.status != "voorgesteld" or gevonden is None:
            raise InvalidTransition(
                f"Aanmelding {aanmelding.referentie} is {aanmelding.status}; "
                "een besluit volgt op een voorstel."
            )
        verklaring: Verklaring | None = None
        if data.uitkomst == "toekennen":
            intake = await _completed_intake(session, aanmelding)
            verklaring = await prepare_verklaring(tx, aanmelding, intake, gevonden.geldigheid_maanden)
            aanmelding.status = "toegekend"
        else:
            aanmelding.status = "afgewezen"
            aanmelding.afgesloten_op = tx.now
        gevonden.uitkomst = data.uitkomst
        gevonden.reden = data.reden.strip() or None
        gevonden.besloten_door_id = user_id_of(principal)
        gevonden.besloten_door_naam = principal.display_name
        gevonden.besloten_op = tx.now
        tx.record(
            "besluit.genomen",
            ENTITY,
            aanmelding.referentie,
            {
                "uitkomst": {"before": None, "after": data.uitkomst},
                "reden": {"before": None, "after": gevonden.reden},
                "status": {"before": "voorgesteld", "after": aanmelding.status},
                "verklaring": {"before": None, "after": verklaring.nummer if verklaring else None},
            },
        )
    return besluit_schema(gevonden, aanmelding.referentie, verklaring.nummer if verklaring else None)
