"""Step 3, *Afgifte*: both parties sign, then the verklaring is issued — in one transaction.

1. The dienstverlener's contact person (account role ``deelnemer-contact`` of that deelnemer) signs
   in the portal: logged in, they confirm the statement :func:`verklaringstekst` for the content
   whose hash they were shown. Who, when, the statement and the hash are recorded.
2. A stelselbeheerder signs for the stelsel organisation with the portal's signing key. In that
   same write transaction the verklaring is issued (:func:`geef_af`): the ondertekening is recorded,
   a random status list index allocated, the attestation signed, the PDF rendered (with the
   attestation embedded) and stored with its SHA-256, and the rolvervulling granted in the
   ledenadministratie on basis of this verklaring. If any step fails, nothing of it is stored: there
   is no half-issued verklaring. A deelnemer that was only ``aangemeld`` is made ``actief`` in that
   same transaction (see :func:`_activeer_deelnemer`).

Storage decision: the PDF bytes are kept in the database (``verklaring_document``) rather than in
``settings.documents_dir``, so the document and the row that names its SHA-256 commit or roll back
together; nothing needs cleaning up after a failed afgifte and a backup of the database is complete.
"""

from __future__ import annotations

import asyncio
from random import Random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.accounts.permissions import AccountRole, Principal
from registry.audit.services import WriteTransaction, audited_write
from registry.clock import Clock
from registry.errors import Conflict, InvalidTransition, ValidationFailed
from registry.ledenadministratie.models import DeelnemerStatus
from registry.ledenadministratie.schemas import BasisInvoer, RolvervullingCreate
from registry.ledenadministratie.services import grant_rolvervulling
from registry.ledenadministratie.services.deelnemers import set_deelnemer_status
from registry.ledenadministratie.services.queries import get_deelnemer_by_id
from registry.signing import Signer
from verklaringen import schemas
from verklaringen.attestation import (
    PARTIJ_DEELNEMER,
    PARTIJ_STELSEL,
    Ondertekeningsclaim,
    Verklaringinhoud,
    build_claims,
    sign_attestation,
)
from verklaringen.models import Aanmelding, Document, Ondertekening, Verklaring
from verklaringen.pdf import (
    PDF_MEDIA_TYPE,
    VERKLARING_TEMPLATE,
    Bijlage,
    PdfRenderer,
    render_document,
    sha256_hex,
)
from verklaringen.services.intakes import STELSEL_NAAM
from verklaringen.services.queries import find_verklaring, taken_van, today_of, verklaring_schema
from verklaringen.services.statuslijsten import STATUSLIJST, allocate_index, statuslijst_uri
from verklaringen.services.toegang import actor_of, require_deelnemer_contact, user_id_of
from verklaringen.services.verklaringcheck import verklaring_check
from verklaringen.statuslist import status_claim

ENTITY = "verklaring"
METHODE_PORTAAL = "portaal-akkoord"
METHODE_SLEUTEL = "jws-es256"
ATTESTATIE_NAAM = "verklaring.jwt"
ATTESTATIE_MEDIA_TYPE = "application/jwt"


def verklaringstekst(verklaring: Verklaring) -> str:
    """The statement the deelnemer's contact person confirms when signing."""
    return (
        f"Ik verklaar namens {verklaring.deelnemer_naam} dat wij de rol {verklaring.rol_naam} vervullen "
        f"met de taken en verantwoordelijkheden in verklaring {verklaring.nummer} (release "
        f"{verklaring.release}), en dat ik bevoegd ben deze verklaring namens {verklaring.deelnemer_naam} "
        "te ondertekenen."
    )


def inhoud_van(verklaring: Verklaring) -> Verklaringinhoud:
    return Verklaringinhoud(
        nummer=verklaring.nummer,
        deelnemer_naam=verklaring.deelnemer_naam,
        identificaties=tuple(verklaring.identificaties),
        rol=verklaring.rol_code,
        release=verklaring.release,
        taken=tuple(verklaring.taken),
        taken_deels=tuple(verklaring.taken_deels),
        geldig_van=verklaring.geldig_van,
        geldig_tot=verklaring.geldig_tot,
    )


def _ondertekening_claim(ondertekening: Ondertekening) -> Ondertekeningsclaim:
    return Ondertekeningsclaim(
        partij=ondertekening.partij,
        naam=ondertekening.ondertekenaar_naam,
        rol=ondertekening.ondertekenaar_rol,
        organisatie=ondertekening.organisatie,
        tijdstip=ondertekening.ondertekend_op,
        methode=ondertekening.methode,
        document_hash=ondertekening.document_hash,
    )


async def _email_of(session: AsyncSession, principal: Principal) -> str | None:
    user_id = user_id_of(principal)
    return None if user_id is None else await session.scalar(select(User.email).where(User.id == user_id))


def _same_content(verklaring: Verklaring, document_hash: str) -> None:
    if document_hash.strip() != verklaring.inhoud_hash:
        raise Conflict(
            f"De inhoud van verklaring {verklaring.nummer} is niet die u heeft gezien; "
            "open de verklaring opnieuw en onderteken wat er nu staat."
        )


async def onderteken_als_deelnemer(
    session: AsyncSession,
    nummer: str,
    *,
    akkoord: bool,
    document_hash: str,
    principal: Principal,
    clock: Clock,
) -> schemas.Verklaring:
    """The deelnemer's contact person signs (see the module docstring)."""
    if not akkoord:
        raise ValidationFailed.single(
            "akkoord", "Bevestig de verklaringstekst om te ondertekenen.", "required"
        )
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_verklaring(session, nummer, lock=True)
        require_deelnemer_contact(principal, verklaring)
        if verklaring.fase != "ter_ondertekening":
            raise InvalidTransition(
                f"Verklaring {verklaring.nummer} is al namens de organisatie ondertekend."
            )
        _same_content(verklaring, document_hash)
        ondertekening = Ondertekening(
            partij=PARTIJ_DEELNEMER,
            ondertekenaar_id=user_id_of(principal),
            ondertekenaar_naam=principal.display_name,
            ondertekenaar_email=await _email_of(session, principal),
            ondertekenaar_rol=AccountRole.DEELNEMER_CONTACT.value,
            organisatie=verklaring.deelnemer_naam,
            ondertekend_op=tx.now,
            methode=METHODE_PORTAAL,
            verklaringstekst=verklaringstekst(verklaring),
            document_hash=verklaring.inhoud_hash,
            sleutel_kid=None,
        )
        verklaring.ondertekeningen.append(ondertekening)
        verklaring.fase = "ondertekend_deelnemer"
        tx.record(
            "verklaring.ondertekend-deelnemer",
            ENTITY,
            verklaring.nummer,
            {
                "fase": {"before": "ter_ondertekening", "after": verklaring.fase},
                "ondertekenaar": {"before": None, "after": principal.display_name},
                "documentHash": {"before": None, "after": verklaring.inhoud_hash},
            },
        )
    return verklaring_schema(verklaring, today_of(tx.now), "")


async def geef_af(
    session: AsyncSession,
    nummer: str,
    *,
    document_hash: str,
    principal: Principal,
    clock: Clock,
    signer: Signer,
    base_url: str,
    renderer: PdfRenderer,
    rng: Random | None = None,
) -> schemas.Verklaring:
    """The stelsel organisation signs, and the verklaring is issued (see the module docstring)."""
    async with audited_write(session, actor_of(principal), clock) as tx:
        verklaring = await find_verklaring(session, nummer, lock=True)
        if verklaring.fase == "ter_ondertekening":
            raise InvalidTransition(
                f"Verklaring {verklaring.nummer} wacht nog op de ondertekening door "
                f"{verklaring.deelnemer_naam}."
            )
        if verklaring.fase != "ondertekend_deelnemer":
            raise InvalidTransition(f"Verklaring {verklaring.nummer} is al afgegeven.")
        _same_content(verklaring, document_hash)
        today = today_of(tx.now)
        if verklaring.geldig_tot <= today:
            raise InvalidTransition(
                f"De geldigheid van verklaring {verklaring.nummer} is al voorbij; bereid een nieuwe voor."
            )
        verklaring.ondertekeningen.append(
            Ondertekening(
                partij=PARTIJ_STELSEL,
                ondertekenaar_id=user_id_of(principal),
                ondertekenaar_naam=principal.display_name,
                ondertekenaar_email=await _email_of(session, principal),
                ondertekenaar_rol=principal.role.value if principal.role else principal.kind,
                organisatie=STELSEL_NAAM,
                ondertekend_op=tx.now,
                methode=METHODE_SLEUTEL,
                verklaringstekst=(
                    f"De stelselorganisatie geeft verklaring {verklaring.nummer} af "
                    f"aan {verklaring.deelnemer_naam}."
                ),
                document_hash=verklaring.inhoud_hash,
                sleutel_kid=signer.kid,
            )
        )
        verklaring.statuslijst = STATUSLIJST
        verklaring.statuslijst_index = await allocate_index(session, STATUSLIJST, rng)
        verklaring.fase = "afgegeven"
        verklaring.afgegeven_op = tx.now
        claims = build_claims(
            inhoud_van(verklaring),
            issuer=base_url,
            subject=verklaring.subject,
            issued_at=tx.now,
            ondertekeningen=[_ondertekening_claim(o) for o in verklaring.ondertekeningen],
            status=status_claim(statuslijst_uri(base_url), verklaring.statuslijst_index),
            verification_url=f"{base_url}/verifieer/{verklaring.nummer}",
        )
        verklaring.attestatie = sign_attestation(claims, signer)
        await session.flush()
        context = {
            "verklaring": verklaring_schema(verklaring, today, base_url),
            "taken": await taken_van(session, verklaring),
            "stelsel_naam": STELSEL_NAAM,
            "verificatie_url": f"{base_url}/verifieer/{verklaring.nummer}",
            "sleutel_kid": signer.kid,
        }
        bijlage = Bijlage(
            naam=ATTESTATIE_NAAM,
            inhoud=verklaring.attestatie.encode("ascii"),
            media_type=ATTESTATIE_MEDIA_TYPE,
            omschrijving=f"Ondertekende verklaring {verklaring.nummer} (JWS, typ verklaring+jwt)",
        )
        pdf = await asyncio.to_thread(
            render_document, VERKLARING_TEMPLATE, context, renderer, bijlagen=[bijlage]
        )
        document = Document(
            soort="verklaring",
            bestandsnaam=f"{verklaring.nummer}.pdf",
            media_type=PDF_MEDIA_TYPE,
            inhoud=pdf,
            sha256=sha256_hex(pdf),
            grootte=len(pdf),
            vastgelegd_op=tx.now,
        )
        session.add(document)
        await session.flush()
        verklaring.document_id = document.id
        verklaring.pdf_sha256 = document.sha256
        await _activeer_deelnemer(tx, verklaring)
        rolvervulling = await grant_rolvervulling(
            tx,
            verklaring.deelnemer_id,
            RolvervullingCreate(
                rol_code=verklaring.rol_code,
                geldig_van=verklaring.geldig_van,
                geldig_tot=verklaring.geldig_tot,
                basis=BasisInvoer(soort="verklaring", referentie=verklaring.nummer),
                toelichting=f"Op basis van verklaring {verklaring.nummer}",
            ),
            verklaring_check=verklaring_check,
        )
        verklaring.rolvervulling_id = rolvervulling.id
        aanmelding = await session.get(Aanmelding, verklaring.aanmelding_id)
        assert aanmelding is not None
        aanmelding.status = "afgerond"
        aanmelding.afgesloten_op = tx.now
        tx.record(
            "verklaring.afgegeven",
            ENTITY,
            verklaring.nummer,
            {
                "fase": {"before": "ondertekend_deelnemer", "after": "afgegeven"},
                "ondertekenaar": {"before": None, "after": principal.display_name},
                "sleutelKid": {"before": None, "after": signer.kid},
                "statuslijstIndex": {"before": None, "after": verklaring.statuslijst_index},
                "pdfSha256": {"before": None, "after": document.sha256},
                "rolvervullingId": {"before": None, "after": rolvervulling.id},
            },
        )
    return verklaring_schema(verklaring, today_of(tx.now), base_url)


async def _activeer_deelnemer(tx: WriteTransaction, verklaring: Verklaring) -> None:
    """A deelnemer that was only ``aangemeld`` becomes ``actief`` with its first verklaring, so that
    the role it now holds counts (and a dienstverlener appears on the public list).

    Part of the afgifte's transaction: a failed afgifte leaves the deelnemer as it was.
    """
    deelnemer = await get_deelnemer_by_id(tx.session, verklaring.deelnemer_id)
    if deelnemer.status == DeelnemerStatus.AANGEMELD:
        await set_deelnemer_status(
            tx, deelnemer.id, DeelnemerStatus.ACTIEF.value, f"Verklaring {verklaring.nummer} afgegeven"
        )
