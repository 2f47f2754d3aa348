"""Step 3, *Afgifte*: both parties sign, then the verklaring is issued — stored in one transaction.

1. The dienstverlener's contact person (account role ``deelnemer-contact`` of that deelnemer) signs
   in the portal: logged in, they confirm the statement :func:`verklaringstekst` for the content
   whose hash they were shown. Who, when, the statement and the hash are recorded.
2. A stelselbeheerder signs for the stelsel organisation with the portal's signing key, and the
   verklaring is issued (:func:`geef_af`): the ondertekening is recorded, a random status list
   index given, the attestation signed, the PDF rendered (with the attestation embedded) and stored
   with its SHA-256, and the rolvervulling granted in the ledenadministratie on basis of this
   verklaring. Everything is stored in one write transaction: if any step fails, nothing of it is
   stored and there is no half-issued verklaring. A deelnemer that was only ``aangemeld`` is made
   ``actief`` in that same transaction (see :func:`_activeer_deelnemer`).

Rendering before the lock: every write transaction holds the audit chain lock (see
:func:`registry.audit.services.audited_write`), and a PDF takes hundreds of milliseconds, so the
afgifte signs and renders first, with no transaction open, and takes the lock only to store. The
values the documents state that used to come from inside the transaction are fixed up front:

- the moment: the stelsel organisation's ondertekening, ``afgegeven_op`` and the attestation's
  ``iat`` are the moment the afgifte was prepared (when the key signed), not the commit; the audit
  events keep the commit's own moment, so the chain's times still follow its order;
- the status list index: chosen at random from the indexes free at that moment, and confirmed free
  under the lock (a clash between two afgiftes rendering at once is rare, and then the later one
  is prepared again with a new index rather than stored with a duplicate);
- the number (``VKL-…``) was already allocated, under the lock, when the verklaring was prepared.

Under the lock the afgifte re-reads the verklaring, checks it again (still awaiting the stelsel's
signature, same content, still valid: of two afgiftes of one verklaring only the first stores),
applies the same changes to the row as it applied to the copy it rendered, and compares what the
attestation and the PDF would state now with what they do state; if anything differs (the
verklaring or its intake changed meanwhile), nothing is stored and the afgifte is prepared again.

Storage decision: the PDF bytes are kept in the database (``verklaring_document``) rather than in
``settings.documents_dir``, so the document and the row that names its SHA-256 commit or roll back
together; nothing needs cleaning up after a failed afgifte and a backup of the database is complete.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from random import Random
from typing import Any

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
from verklaringen.services.statuslijsten import STATUSLIJST, allocate_index, index_vrij, statuslijst_uri
from verklaringen.services.toegang import actor_of, require_deelnemer_contact, user_id_of
from verklaringen.services.verklaringcheck import verklaring_check
from verklaringen.statuslist import status_claim

ENTITY = "verklaring"
METHODE_PORTAAL = "portaal-akkoord"
METHODE_SLEUTEL = "jws-es256"
ATTESTATIE_NAAM = "verklaring.jwt"
ATTESTATIE_MEDIA_TYPE = "application/jwt"
POGINGEN = 3
"""How often an afgifte is prepared again when the register changed while it was being rendered."""


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


class _Verouderd(Exception):
    """What an afgifte prepared no longer matches the register; prepare it again."""


@dataclass(frozen=True, slots=True)
class _Uitgifte:
    """What the afgifte adds to a verklaring, fixed before its write transaction (see the module
    docstring): the moment the stelsel organisation signs, the status list index, and who signs
    with which key."""

    moment: datetime
    statuslijst_index: int
    principal: Principal
    email: str | None
    signer: Signer


@dataclass(frozen=True, slots=True)
class _Document:
    """The attestation's claims and the PDF's template context of a verklaring as issued."""

    claims: dict[str, Any]
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Voorbereid:
    """An afgifte signed and rendered, ready to be stored if the register still matches ``document``."""

    uitgifte: _Uitgifte
    document: _Document
    attestatie: str
    pdf: bytes


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
    for _ in range(POGINGEN):
        voorbereid = await _bereid_voor(
            session,
            nummer,
            document_hash=document_hash,
            principal=principal,
            clock=clock,
            signer=signer,
            base_url=base_url,
            renderer=renderer,
            rng=rng,
        )
        try:
            return await _leg_vast(
                session, nummer, voorbereid, document_hash=document_hash, clock=clock, base_url=base_url
            )
        except _Verouderd:
            continue
    raise Conflict(f"Verklaring {nummer} veranderde tijdens de afgifte; probeer het opnieuw.")


async def _bereid_voor(
    session: AsyncSession,
    nummer: str,
    *,
    document_hash: str,
    principal: Principal,
    clock: Clock,
    signer: Signer,
    base_url: str,
    renderer: PdfRenderer,
    rng: Random | None,
) -> _Voorbereid:
    """Read what the afgifte needs, then sign and render it with no transaction open."""
    moment = clock.now().astimezone(UTC)
    verklaring = await find_verklaring(session, nummer, lock=True)
    _kan_afgeven(verklaring, document_hash, today_of(moment))
    uitgifte = _Uitgifte(
        moment=moment,
        statuslijst_index=await allocate_index(session, STATUSLIJST, rng),
        principal=principal,
        email=await _email_of(session, principal),
        signer=signer,
    )
    taken = await taken_van(session, verklaring)
    kopie = _kopie(verklaring)
    _geef_uit(kopie, uitgifte)
    document = _document_van(kopie, taken, base_url, signer.kid)
    if session.in_transaction():
        await session.commit()  # no snapshot or connection held while rendering
    attestatie = sign_attestation(document.claims, signer)
    pdf = await asyncio.to_thread(
        render_document,
        VERKLARING_TEMPLATE,
        document.context,
        renderer,
        bijlagen=[_bijlage(verklaring.nummer, attestatie)],
    )
    return _Voorbereid(uitgifte=uitgifte, document=document, attestatie=attestatie, pdf=pdf)


async def _leg_vast(
    session: AsyncSession,
    nummer: str,
    voorbereid: _Voorbereid,
    *,
    document_hash: str,
    clock: Clock,
    base_url: str,
) -> schemas.Verklaring:
    """Store a prepared afgifte in one write transaction, or raise :class:`_Verouderd` (nothing stored)
    when the register changed since it was prepared."""
    uitgifte = voorbereid.uitgifte
    async with audited_write(session, actor_of(uitgifte.principal), clock) as tx:
        verklaring = await find_verklaring(session, nummer, lock=True)
        _kan_afgeven(verklaring, document_hash, today_of(tx.now))
        if not await index_vrij(session, STATUSLIJST, uitgifte.statuslijst_index):
            raise _Verouderd
        taken = await taken_van(session, verklaring)
        _geef_uit(verklaring, uitgifte)
        # The row under the lock, with the same changes, must give what was signed and rendered.
        if _document_van(verklaring, taken, base_url, uitgifte.signer.kid) != voorbereid.document:
            raise _Verouderd
        verklaring.attestatie = voorbereid.attestatie
        await session.flush()
        document = Document(
            soort="verklaring",
            bestandsnaam=f"{verklaring.nummer}.pdf",
            media_type=PDF_MEDIA_TYPE,
            inhoud=voorbereid.pdf,
            sha256=sha256_hex(voorbereid.pdf),
            grootte=len(voorbereid.pdf),
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
                "ondertekenaar": {"before": None, "after": uitgifte.principal.display_name},
                "sleutelKid": {"before": None, "after": uitgifte.signer.kid},
                "statuslijstIndex": {"before": None, "after": verklaring.statuslijst_index},
                "pdfSha256": {"before": None, "after": document.sha256},
                "rolvervullingId": {"before": None, "after": rolvervulling.id},
            },
        )
    return verklaring_schema(verklaring, today_of(tx.now), base_url)


def _kan_afgeven(verklaring: Verklaring, document_hash: str, today: date) -> None:
    """Raise unless ``verklaring`` awaits the stelsel's signature of this content and still holds."""
    if verklaring.fase == "ter_ondertekening":
        raise InvalidTransition(
            f"Verklaring {verklaring.nummer} wacht nog op de ondertekening door {verklaring.deelnemer_naam}."
        )
    if verklaring.fase != "ondertekend_deelnemer":
        raise InvalidTransition(f"Verklaring {verklaring.nummer} is al afgegeven.")
    _same_content(verklaring, document_hash)
    if verklaring.geldig_tot <= today:
        raise InvalidTransition(
            f"De geldigheid van verklaring {verklaring.nummer} is al voorbij; bereid een nieuwe voor."
        )


def _geef_uit(verklaring: Verklaring, uitgifte: _Uitgifte) -> None:
    """The afgifte's own changes: to a copy to render it, and to the row under the lock to store it."""
    principal = uitgifte.principal
    verklaring.ondertekeningen.append(
        Ondertekening(
            partij=PARTIJ_STELSEL,
            ondertekenaar_id=user_id_of(principal),
            ondertekenaar_naam=principal.display_name,
            ondertekenaar_email=uitgifte.email,
            ondertekenaar_rol=principal.role.value if principal.role else principal.kind,
            organisatie=STELSEL_NAAM,
            ondertekend_op=uitgifte.moment,
            methode=METHODE_SLEUTEL,
            verklaringstekst=(
                f"De stelselorganisatie geeft verklaring {verklaring.nummer} af "
                f"aan {verklaring.deelnemer_naam}."
            ),
            document_hash=verklaring.inhoud_hash,
            sleutel_kid=uitgifte.signer.kid,
        )
    )
    verklaring.statuslijst = STATUSLIJST
    verklaring.statuslijst_index = uitgifte.statuslijst_index
    verklaring.fase = "afgegeven"
    verklaring.afgegeven_op = uitgifte.moment


def _kopie(verklaring: Verklaring) -> Verklaring:
    """A transient copy of the row and its ondertekeningen: changing it touches no session."""
    kopie = Verklaring(**_kolommen(verklaring))
    kopie.ondertekeningen = [Ondertekening(**_kolommen(o)) for o in verklaring.ondertekeningen]
    return kopie


def _kolommen(entity: Verklaring | Ondertekening) -> dict[str, Any]:
    columns = type(entity).__mapper__.column_attrs
    return {attribute.key: getattr(entity, attribute.key) for attribute in columns}


def _document_van(verklaring: Verklaring, taken: list[schemas.Taak], base_url: str, kid: str) -> _Document:
    """What the attestation and the PDF of an issued ``verklaring`` state."""
    assert verklaring.afgegeven_op is not None
    assert verklaring.statuslijst_index is not None
    verificatie_url = f"{base_url}/verifieer/{verklaring.nummer}"
    claims = build_claims(
        inhoud_van(verklaring),
        issuer=base_url,
        subject=verklaring.subject,
        issued_at=verklaring.afgegeven_op,
        ondertekeningen=[_ondertekening_claim(o) for o in verklaring.ondertekeningen],
        status=status_claim(statuslijst_uri(base_url), verklaring.statuslijst_index),
        verification_url=verificatie_url,
    )
    context = {
        "verklaring": verklaring_schema(verklaring, today_of(verklaring.afgegeven_op), base_url),
        "taken": taken,
        "stelsel_naam": STELSEL_NAAM,
        "verificatie_url": verificatie_url,
        "sleutel_kid": kid,
    }
    return _Document(claims=claims, context=context)


def _bijlage(nummer: str, attestatie: str) -> Bijlage:
    return Bijlage(
        naam=ATTESTATIE_NAAM,
        inhoud=attestatie.encode("ascii"),
        media_type=ATTESTATIE_MEDIA_TYPE,
        omschrijving=f"Ondertekende verklaring {nummer} (JWS, typ verklaring+jwt)",
    )


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
