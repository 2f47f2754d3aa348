"""The shapes in which verklaringen and their process are read and written (msgspec structs,
lowerCamelCase JSON), never ORM rows.

Input structs (``…Invoer``) take text as typed so that the services can check every field and
report all problems at once. Dates: ``geldigVan`` is the first day a verklaring holds,
``geldigTot`` the first day it no longer holds (exclusive), as everywhere in the register.
Moments are RFC 3339 date-times in UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

GELDIG_VAN = msgspec.Meta(description="Eerste dag waarop de verklaring geldt (00:00 Nederlandse tijd).")
GELDIG_TOT = msgspec.Meta(description="Eerste dag waarop de verklaring niet meer geldt (exclusief).")


class Invoer(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Base of the input structs."""


class Schema(msgspec.Struct, rename="camel", kw_only=True):
    """Base of the read structs."""


# --- aanmelden ----------------------------------------------------------------------------------


class IdentificatieInvoer(Invoer):
    soort: str
    waarde: str


class ContactpersoonInvoer(Invoer):
    naam: str = ""
    email: str = ""
    telefoon: str = ""


class AanmeldingInvoer(Invoer):
    """An application for a role that needs a verklaring, as the public form or an API client sends it.

    ``soort`` is the kind of organisation as the ledenadministratie knows it (gemeente,
    zorgaanbieder, softwareleverancier, …; default ``overig``).
    """

    organisatie: str
    identificaties: list[IdentificatieInvoer]
    rol: str
    contactpersoon: ContactpersoonInvoer
    soort: str = "overig"
    motivatie: str = ""


class AanmeldingOntvangen(Schema):
    """The answer to an aanmelding: its reference and, for a new one, the private status page link.

    ``bestaand`` is true when the same organisation already has an open aanmelding for this role;
    its reference is returned and no new aanmelding is made. The status link is only given to the
    caller that created the aanmelding (or repeats it with the same ``Idempotency-Key``).
    """

    referentie: str
    status: str
    bestaand: bool
    status_url: str | None = None


class RolRef(Schema):
    code: str
    naam: str


class Persoon(Schema):
    """A portal user as other records name them."""

    id: uuid.UUID | None
    naam: str


class Contactpersoon(Schema):
    naam: str
    email: str
    telefoon: str | None


class Aanmelding(Schema):
    """An aanmelding as the admin screens and API clients with the ``aanmeldingen`` scope read it."""

    referentie: str
    soort: str
    vernieuwt: str | None
    status: str
    organisatie: str
    identificaties: list[str]
    deelnemer_id: uuid.UUID
    rol: RolRef
    contactpersoon: Contactpersoon
    motivatie: str
    ingediend_op: datetime
    casemanager: Persoon | None
    toegewezen_op: datetime | None
    afgesloten_op: datetime | None
    intake_id: uuid.UUID | None
    verklaring: str | None


class AanmeldingStatus(Schema):
    """What the applicant sees on the status page: the progress and, if rejected, why."""

    referentie: str
    status: str
    organisatie: str
    rol: RolRef
    ingediend_op: datetime
    afwijzingsreden: str | None
    verklaring: str | None


class ToewijzingInvoer(Invoer):
    casemanager: uuid.UUID


# --- intake ---------------------------------------------------------------------------------------


class Intakeantwoord(Schema):
    """One duty of the intake: the duty as the release states it and what was recorded for it."""

    duty_code: str
    soort: str
    tekst: str
    verplicht: bool
    positie: int
    ondersteund: str | None
    toelichting: str
    afspraken: str


class Intake(Schema):
    """An intake: the role's duty list from ``release`` and the answers so far.

    ``ontbrekend`` lists the duties without an answer, ``nietVoldaan`` the mandatory duties that are
    not answered ``ja``; an intake can be completed when both are empty.
    """

    id: uuid.UUID
    aanmelding: str
    organisatie: str
    rol: RolRef
    release: str
    status: str
    casemanager: Persoon | None
    gestart_op: datetime
    gewijzigd_op: datetime
    afgerond_op: datetime | None
    afgerond_door: str | None
    antwoorden: list[Intakeantwoord]
    ontbrekend: list[str]
    niet_voldaan: list[str]
    document_sha256: str | None


class IntakeantwoordInvoer(Invoer):
    duty_code: str
    ondersteund: str | None = None
    toelichting: str = ""
    afspraken: str = ""


class IntakeInvoer(Invoer):
    """Answers to save in a concept intake; duties not named keep their answer."""

    antwoorden: list[IntakeantwoordInvoer]


# --- besluit --------------------------------------------------------------------------------------


class VoorstelInvoer(Invoer):
    voorstel: str
    motivering: str = ""
    geldigheid_maanden: int = 24


class BesluitInvoer(Invoer):
    uitkomst: str
    reden: str = ""


class Besluit(Schema):
    """The casemanager's proposal and the stelselbeheerder's decision on an aanmelding."""

    aanmelding: str
    voorstel: str
    motivering: str
    geldigheid_maanden: int
    voorgesteld_door: str
    voorgesteld_op: datetime
    uitkomst: str | None
    reden: str | None
    besloten_door: str | None
    besloten_op: datetime | None
    verklaring: str | None


# --- verklaringen ---------------------------------------------------------------------------------


class DeelnemerRef(Schema):
    id: uuid.UUID
    naam: str
    identificaties: list[str]


class Taak(Schema):
    """A duty of the verklaring: ``ondersteund`` is ``ja`` or ``deels`` (with the afspraken made)."""

    code: str
    soort: str
    tekst: str
    verplicht: bool
    ondersteund: str
    afspraken: str


class Ondertekening(Schema):
    """One party's signature: who, in which role, when, how, and the hash of what was signed."""

    partij: str
    naam: str
    rol: str
    organisatie: str
    ondertekend_op: datetime
    methode: str
    document_hash: str
    sleutel_kid: str | None


class VerklaringLinks(Schema):
    verificatie: str
    attestatie: str | None
    pdf: str | None


class Verklaring(Schema):
    """A verklaring with its computed ``status``: ``in_voorbereiding`` (awaiting signatures),
    ``nog_niet_geldig``, ``geldig``, ``verlopen``, ``geschorst`` or ``ingetrokken``."""

    nummer: str
    status: str
    fase: str
    deelnemer: DeelnemerRef
    subject: str
    rol: RolRef
    release: str
    taken: list[str]
    taken_deels: list[str]
    geldig_van: date
    geldig_tot: date
    afgegeven_op: datetime | None
    vernieuwt: str | None
    ingetrokken_op: datetime | None
    intrekkingsreden: str | None
    geschorst_op: datetime | None
    schorsingsreden: str | None
    inhoud_hash: str
    pdf_sha256: str | None
    ondertekeningen: list[Ondertekening]
    links: VerklaringLinks = msgspec.field(name="_links")


class VerklaringDetail(Schema):
    """A verklaring with its duties as the intake recorded them (for the PDF and the pages)."""

    verklaring: Verklaring
    taken: list[Taak]
    aanmelding: str


class Gebeurtenis(Schema):
    """One step of a deelnemer's verklaring process, from the audit trail."""

    moment: datetime
    actie: str
    onderwerp: str
    door: str


class RedenInvoer(Invoer):
    reden: str = ""


# --- verification ---------------------------------------------------------------------------------


class VerificatieVerzoek(Invoer):
    """A token to verify: the compact JWS of a verklaring."""

    token: str


class Controle(Schema):
    """One named check of a verification: ``passed``, ``failed`` or ``skipped``."""

    name: str
    outcome: str
    reasons: list[str]


class Verificatie(Schema):
    """The outcome of verifying a verklaring: ``valid`` only when every check passed.

    ``status`` is what the status list says (``valid``, ``revoked``, ``suspended``, or ``unknown``
    when it was not consulted); ``claims`` are only given when the signature verified.
    """

    valid: bool
    reasons: list[str]
    checks: list[Controle]
    status: str
    claims: dict[str, Any] | None
    verklaring: str | None


# --- page forms -------------------------------------------------------------------------------------


class Formulier(msgspec.Struct, rename="camel", kw_only=True):
    """Base of the page forms: every field arrives as text, absent fields keep their default."""


class AanmeldFormulier(Formulier):
    """The public aanmeldformulier. ``website`` is a honeypot: people leave it empty, bots do not.
    ``formulierSleutel`` is a random key put in the form when it is shown, so that sending it twice
    gives the first answer."""

    organisatie: str = ""
    soort: str = "overig"
    kvk: str = ""
    andere_soort: str = ""
    andere_waarde: str = ""
    rol: str = ""
    contact_naam: str = ""
    contact_email: str = ""
    contact_telefoon: str = ""
    motivatie: str = ""
    website: str = ""
    formulier_sleutel: str = ""


class ToewijzingFormulier(Formulier):
    casemanager: str = ""


class VoorstelFormulier(Formulier):
    voorstel: str = ""
    motivering: str = ""
    geldigheid_maanden: str = "24"


class BesluitFormulier(Formulier):
    uitkomst: str = ""
    reden: str = ""


class OndertekenFormulier(Formulier):
    akkoord: str = ""
    document_hash: str = ""


class RedenFormulier(Formulier):
    reden: str = ""
    bevestigd: str = ""


class VerifieerFormulier(Formulier):
    token: str = ""
