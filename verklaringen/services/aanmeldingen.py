"""Step 1, *Aanmelden*: an organisation applies for a role that needs a verklaring; the
stelselbeheerder assigns a casemanager.

Rules when an aanmelding comes in (all problems are reported at once):

- the organisation has a name, a known soort and at least one valid identificatie (checked by
  :mod:`registry.ledenadministratie.identifiers`); the identificaties do not belong to two different
  deelnemers;
- the role exists in the catalogue release in force and needs a verklaring;
- a contact person with a name and a valid e-mail address; a motivation of reasonable length.

An organisation the register does not know yet is registered as a deelnemer with status
``aangemeld`` (through the ledenadministratie), in the aanmelding's own transaction: if storing the
aanmelding fails, no deelnemer is left behind. The same organisation applying again for the same
role while an aanmelding is open gets that aanmelding's reference, not a new one; repeating a
request with the same idempotency key gives exactly the first answer (with its status link).

The applicant follows the aanmelding on ``/aanmelden/status/{referentie}?token=…``. The token is an
HMAC of the reference under the portal's secret key (:func:`status_token`): unguessable, never
stored, and the same each time it is asked for, so the casemanager can send the link again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.accounts.permissions import AccountRole
from registry.audit.services import Actor, WriteTransaction, audited_write
from registry.clock import Clock
from registry.errors import InvalidParam, InvalidTransition, NotFound, ValidationFailed
from registry.ledenadministratie.identifiers import Identificatie, InvalidIdentificatie, validate
from registry.ledenadministratie.models import DeelnemerSoort, DeelnemerStatus
from registry.ledenadministratie.schemas import ContactpersoonInvoer as LedenContactpersoon
from registry.ledenadministratie.schemas import DeelnemerCreate
from registry.ledenadministratie.schemas import IdentificatieInvoer as LedenIdentificatie
from registry.ledenadministratie.services.deelnemers import register_deelnemer
from registry.ledenadministratie.services.queries import get_deelnemer_by_id, holders_of
from registry.signing.signer import b64url_encode
from verklaringen import schemas
from verklaringen.models import OPEN_AANMELDINGSTATUSSEN, Aanmelding, Verklaring
from verklaringen.services.nummering import aanmelding_referentie, jaar_van, next_aanmelding_volgnummer
from verklaringen.services.queries import besluit_of, find_aanmelding, get_aanmelding
from verklaringen.services.rollen import verklaringsrol

MAX_NAAM = 300
MAX_MOTIVATIE = 5000
MAX_CONTACT = 200
MAX_IDENTIFICATIES = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEFOON = re.compile(r"^[0-9 +()-]{6,20}$")
ENTITY = "aanmelding"
ASSIGNABLE = (*OPEN_AANMELDINGSTATUSSEN[:4],)


def status_token(secret: str, referentie: str) -> str:
    """The unguessable token of an aanmelding's status page."""
    digest = hmac.new(secret.encode(), f"aanmelding-status\0{referentie}".encode(), hashlib.sha256).digest()
    return b64url_encode(digest)


def token_matches(secret: str, referentie: str, token: str) -> bool:
    return hmac.compare_digest(status_token(secret, referentie), token)


def status_path(secret: str, referentie: str) -> str:
    return f"/aanmelden/status/{referentie}?token={status_token(secret, referentie)}"


@dataclass(frozen=True, slots=True)
class _Checked:
    naam: str
    soort: str
    identificaties: list[Identificatie]
    rol_code: str
    rol_naam: str
    contact_naam: str
    contact_email: str
    contact_telefoon: str | None
    motivatie: str


def _check_organisatie(
    data: schemas.AanmeldingInvoer, problems: list[InvalidParam]
) -> tuple[str, str, list[Identificatie]]:
    naam = " ".join(data.organisatie.split())
    if not naam:
        problems.append(InvalidParam("organisatie", "Vul de naam van de organisatie in.", "required"))
    elif len(naam) > MAX_NAAM:
        problems.append(InvalidParam("organisatie", f"Een naam heeft ten hoogste {MAX_NAAM} tekens."))
    soort = data.soort.strip().lower()
    if soort not in DeelnemerSoort.__members__.values():
        keuzes = ", ".join(DeelnemerSoort)
        problems.append(
            InvalidParam("soort", f"Onbekende soort organisatie '{data.soort}'; kies uit {keuzes}.")
        )
    return naam, soort, _check_identificaties(data.identificaties, problems)


def _check_identificaties(
    invoer: list[schemas.IdentificatieInvoer], problems: list[InvalidParam]
) -> list[Identificatie]:
    identificaties: list[Identificatie] = []
    if not invoer:
        problems.append(
            InvalidParam(
                "identificaties", "Geef ten minste één identificatie, zoals het KvK-nummer.", "required"
            )
        )
    if len(invoer) > MAX_IDENTIFICATIES:
        problems.append(
            InvalidParam("identificaties", f"Geef ten hoogste {MAX_IDENTIFICATIES} identificaties.")
        )
    for index, item in enumerate(invoer[:MAX_IDENTIFICATIES]):
        try:
            identificatie = validate(item.soort, item.waarde)
        except InvalidIdentificatie as exc:
            problems.append(InvalidParam(f"identificaties[{index}].{exc.field}", exc.message))
            continue
        if identificatie in identificaties:
            problems.append(
                InvalidParam(f"identificaties[{index}]", f"{identificatie} staat er twee keer in.")
            )
        identificaties.append(identificatie)
    return identificaties


def _check_contact(
    contact: schemas.ContactpersoonInvoer, problems: list[InvalidParam]
) -> tuple[str, str, str | None]:
    naam = " ".join(contact.naam.split())
    if not naam:
        problems.append(
            InvalidParam("contactpersoon.naam", "Vul de naam van de contactpersoon in.", "required")
        )
    elif len(naam) > MAX_CONTACT:
        problems.append(InvalidParam("contactpersoon.naam", f"Ten hoogste {MAX_CONTACT} tekens."))
    email = contact.email.strip()
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        problems.append(
            InvalidParam("contactpersoon.email", "Vul een geldig e-mailadres in, zoals naam@organisatie.nl.")
        )
    telefoon = contact.telefoon.strip() or None
    if telefoon is not None and not _TELEFOON.fullmatch(telefoon):
        problems.append(InvalidParam("contactpersoon.telefoon", "Een telefoonnummer heeft 6 tot 20 cijfers."))
    return naam, email, telefoon


async def _check(session: AsyncSession, data: schemas.AanmeldingInvoer) -> _Checked:
    problems: list[InvalidParam] = []
    naam, soort, identificaties = _check_organisatie(data, problems)
    contact_naam, email, telefoon = _check_contact(data.contactpersoon, problems)
    motivatie = data.motivatie.strip()
    if len(motivatie) > MAX_MOTIVATIE:
        problems.append(InvalidParam("motivatie", f"De motivatie heeft ten hoogste {MAX_MOTIVATIE} tekens."))
    rol_code, rol_naam = data.rol.strip(), ""
    try:
        rol_naam = (await verklaringsrol(session, rol_code)).naam
    except ValidationFailed as exc:
        problems += exc.invalid_params
    if problems:
        raise ValidationFailed(problems)
    return _Checked(
        naam=naam,
        soort=soort,
        identificaties=identificaties,
        rol_code=rol_code,
        rol_naam=rol_naam,
        contact_naam=contact_naam,
        contact_email=email,
        contact_telefoon=telefoon,
        motivatie=motivatie,
    )


async def _known_deelnemer(session: AsyncSession, checked: _Checked) -> uuid.UUID | None:
    """The deelnemer these identificaties belong to; refuses identificaties of two deelnemers."""
    holders = await holders_of(session, [(i.soort.value, i.waarde) for i in checked.identificaties])
    ids = {deelnemer.id for deelnemer in holders.values()}
    if len(ids) > 1:
        raise ValidationFailed.single(
            "identificaties",
            "Deze identificaties horen bij verschillende deelnemers in het register; "
            "meld één organisatie tegelijk aan.",
            "conflict",
        )
    return next(iter(ids), None)


async def _open_aanmelding(
    session: AsyncSession, deelnemer_id: uuid.UUID, rol_code: str
) -> Aanmelding | None:
    found: Aanmelding | None = await session.scalar(
        select(Aanmelding)
        .where(
            Aanmelding.deelnemer_id == deelnemer_id,
            Aanmelding.rol_code == rol_code,
            Aanmelding.status.in_(OPEN_AANMELDINGSTATUSSEN),
        )
        .order_by(Aanmelding.ingediend_op)
        .limit(1)
    )
    return found


def _key_hash(key: str | None) -> str | None:
    return hashlib.sha256(key.strip().encode()).hexdigest() if key and key.strip() else None


async def _earlier(session: AsyncSession, key_hash: str | None) -> Aanmelding | None:
    """The aanmelding sent before with the same idempotency key."""
    if key_hash is None:
        return None
    found: Aanmelding | None = await session.scalar(
        select(Aanmelding).where(Aanmelding.idempotentiesleutel_hash == key_hash)
    )
    return found


def _received(
    aanmelding: Aanmelding, secret: str, *, bestaand: bool, with_link: bool
) -> schemas.AanmeldingOntvangen:
    return schemas.AanmeldingOntvangen(
        referentie=aanmelding.referentie,
        status=aanmelding.status,
        bestaand=bestaand,
        status_url=status_path(secret, aanmelding.referentie) if with_link else None,
    )


# Where the ledenadministratie's check names a field the aanmelding calls differently.
_LEDEN_VELDEN = {
    "naam": "organisatie",
    "contactpersonen[0].naam": "contactpersoon.naam",
    "contactpersonen[0].email": "contactpersoon.email",
    "contactpersonen[0].telefoon": "contactpersoon.telefoon",
}


async def _register_deelnemer(tx: WriteTransaction, checked: _Checked) -> uuid.UUID:
    """Register the organisation as a deelnemer (status ``aangemeld``) inside the aanmelding's own
    transaction, so that a failed aanmelding leaves no deelnemer behind."""
    data = DeelnemerCreate(
        naam=checked.naam,
        soort=checked.soort,
        identificaties=[
            LedenIdentificatie(soort=i.soort.value, waarde=i.waarde) for i in checked.identificaties
        ],
        contactpersonen=[
            LedenContactpersoon(
                naam=checked.contact_naam,
                functie="Contactpersoon aanmelding",
                email=checked.contact_email,
                telefoon=checked.contact_telefoon or "",
            )
        ],
    )
    try:
        deelnemer = await register_deelnemer(tx, data)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [InvalidParam(_LEDEN_VELDEN.get(p.name, p.name), p.reason, p.code) for p in exc.invalid_params]
        ) from None
    return deelnemer.id


async def dien_in(
    session: AsyncSession,
    data: schemas.AanmeldingInvoer,
    *,
    actor: Actor,
    clock: Clock,
    secret: str,
    idempotentiesleutel: str | None = None,
) -> schemas.AanmeldingOntvangen:
    """Receive an aanmelding (see the module docstring for every rule).

    One write transaction: registering an unknown organisation as a deelnemer and storing the
    aanmelding are kept together or not at all. The chain lock that transaction takes also makes a
    concurrent aanmelding of the same organisation find the deelnemer (and aanmelding) the first one
    stored.
    """
    key_hash = _key_hash(idempotentiesleutel)
    if (earlier := await _earlier(session, key_hash)) is not None:
        return _received(earlier, secret, bestaand=False, with_link=True)
    checked = await _check(session, data)
    async with audited_write(session, actor, clock) as tx:
        if (earlier := await _earlier(session, key_hash)) is not None:  # sent twice at the same moment
            return _received(earlier, secret, bestaand=False, with_link=True)
        deelnemer_id = await _known_deelnemer(session, checked)
        if deelnemer_id is None:
            deelnemer_id = await _register_deelnemer(tx, checked)
        else:
            deelnemer = await get_deelnemer_by_id(session, deelnemer_id)
            if deelnemer.status == DeelnemerStatus.BEEINDIGD:
                raise InvalidTransition(
                    f"{deelnemer.naam} is beëindigd als deelnemer en kan zich niet aanmelden."
                )
            existing = await _open_aanmelding(session, deelnemer_id, checked.rol_code)
            if existing is not None:
                return _received(existing, secret, bestaand=True, with_link=False)
        jaar = jaar_van(tx.now)
        volgnummer = await next_aanmelding_volgnummer(session, jaar)
        aanmelding = Aanmelding(
            referentie=aanmelding_referentie(jaar, volgnummer),
            jaar=jaar,
            volgnummer=volgnummer,
            soort="nieuw",
            organisatiesoort=checked.soort,
            status="ingediend",
            deelnemer_id=deelnemer_id,
            organisatie_naam=checked.naam,
            identificaties=[str(i) for i in checked.identificaties],
            rol_code=checked.rol_code,
            rol_naam=checked.rol_naam,
            contact_naam=checked.contact_naam,
            contact_email=checked.contact_email,
            contact_telefoon=checked.contact_telefoon,
            motivatie=checked.motivatie,
            ingediend_op=tx.now,
            idempotentiesleutel_hash=key_hash,
        )
        session.add(aanmelding)
        await session.flush()
        tx.record(
            "aanmelding.ingediend",
            ENTITY,
            aanmelding.referentie,
            {
                "deelnemerId": {"before": None, "after": deelnemer_id},
                "rolCode": {"before": None, "after": checked.rol_code},
                "status": {"before": None, "after": aanmelding.status},
            },
        )
    return _received(aanmelding, secret, bestaand=False, with_link=True)


async def aanmelding_status(
    session: AsyncSession, referentie: str, token: str, *, secret: str
) -> schemas.AanmeldingStatus:
    """What the applicant's status page shows; a wrong token is the same as an unknown reference."""
    unknown = NotFound("Deze aanmelding bestaat niet, of de link is niet (meer) juist.")
    if not token or not token_matches(secret, referentie.strip().upper(), token.strip()):
        raise unknown
    aanmelding = await find_aanmelding(session, referentie)
    besluit = await besluit_of(session, aanmelding)
    nummer = await session.scalar(
        select(Verklaring.nummer).where(
            Verklaring.aanmelding_id == aanmelding.id, Verklaring.fase == "afgegeven"
        )
    )
    return schemas.AanmeldingStatus(
        referentie=aanmelding.referentie,
        status=aanmelding.status,
        organisatie=aanmelding.organisatie_naam,
        rol=schemas.RolRef(code=aanmelding.rol_code, naam=aanmelding.rol_naam),
        ingediend_op=aanmelding.ingediend_op,
        afwijzingsreden=besluit.reden if besluit is not None and besluit.uitkomst == "afwijzen" else None,
        verklaring=nummer,
    )


async def casemanagers(session: AsyncSession) -> list[schemas.Persoon]:
    """The active users an aanmelding can be assigned to (casemanagers and stelselbeheerders)."""
    rows = await session.scalars(
        select(User)
        .where(
            User.is_active.is_(True),
            User.role.in_([AccountRole.CASEMANAGER.value, AccountRole.STELSELBEHEERDER.value]),
        )
        .order_by(User.display_name)
    )
    return [schemas.Persoon(id=user.id, naam=user.display_name) for user in rows]


async def wijs_toe(
    session: AsyncSession, referentie: str, casemanager_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> schemas.Aanmelding:
    """Assign (or reassign) the casemanager of an open aanmelding, before the besluit."""
    async with audited_write(session, actor, clock) as tx:
        aanmelding = await find_aanmelding(session, referentie)
        if aanmelding.status not in ASSIGNABLE:
            raise InvalidTransition(
                f"Aanmelding {aanmelding.referentie} is {aanmelding.status}; "
                "toewijzen kan alleen tot het besluit."
            )
        user = await session.get(User, casemanager_id)
        if (
            user is None
            or not user.is_active
            or user.role not in {AccountRole.CASEMANAGER.value, AccountRole.STELSELBEHEERDER.value}
        ):
            raise ValidationFailed.single(
                "casemanager", "Kies een actieve casemanager of stelselbeheerder.", "unknown-casemanager"
            )
        before = {"casemanagerId": aanmelding.casemanager_id, "status": aanmelding.status}
        aanmelding.casemanager_id = user.id
        aanmelding.casemanager_naam = user.display_name
        aanmelding.toegewezen_op = tx.now
        if aanmelding.status == "ingediend":
            aanmelding.status = "in_behandeling"
        tx.record(
            "aanmelding.toegewezen",
            ENTITY,
            aanmelding.referentie,
            {
                "casemanagerId": {"before": before["casemanagerId"], "after": user.id},
                "status": {"before": before["status"], "after": aanmelding.status},
            },
        )
    return await get_aanmelding(session, aanmelding.referentie)
