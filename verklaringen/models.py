"""Verklaring tables: the aanmelding, the intake with its answers per duty, the besluit, the
verklaring with its two ondertekeningen, and the stored documents of record.

The process, after the stelsel's "Verkrijgen verklaring": an organisation *meldt zich aan* for a
role that needs a verklaring (:class:`Aanmelding`); a casemanager walks the role's duty list with it
(:class:`Intake`, one :class:`Intakeantwoord` per duty); the casemanager proposes and the
stelselbeheerder decides (:class:`Besluit`); a granted aanmelding gets a :class:`Verklaring` that the
organisation and then the stelsel organisation sign (:class:`Ondertekening`). Only with both
signatures is it *afgegeven*: then its PDF and attestation exist, it has an entry in the status
list, and the ledenadministratie holds the rolvervulling it is the basis of.

The database backs what must never break: numbers are unique (``VKL-2026-000042``, and per year
the sequence number), a verklaring has at most one ondertekening per party, a status list index is
used once, an intake answers each duty once, and statuses are one of the known values.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from advanced_alchemy.types import JsonB
from advanced_alchemy.types.datetime import DateTimeUTC
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import Base

AANMELDINGSTATUSSEN = (
    "ingediend",
    "in_behandeling",
    "intake_afgerond",
    "voorgesteld",
    "toegekend",
    "afgewezen",
    "afgerond",
)
OPEN_AANMELDINGSTATUSSEN = AANMELDINGSTATUSSEN[:5]
AANMELDINGSOORTEN = ("nieuw", "vernieuwing")
INTAKESTATUSSEN = ("concept", "afgerond")
ONDERSTEUND = ("ja", "nee", "deels")
UITKOMSTEN = ("toekennen", "afwijzen")
VERKLARINGFASEN = ("ter_ondertekening", "ondertekend_deelnemer", "afgegeven")
PARTIJEN = ("deelnemer", "stelsel")
DOCUMENTSOORTEN = ("verklaring", "intakeformulier")


def _one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    allowed = ", ".join(f"'{value}'" for value in values)
    condition = f"{column} IN ({allowed})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


class Document(Base):
    """A document of record (a verklaring PDF or an intakeformulier), stored once with its SHA-256.

    The bytes live in the database so that a document and the row that refers to it are written in
    the same transaction: there is never a verklaring without its PDF, nor a PDF without its
    verklaring. Served byte for byte as stored.
    """

    __tablename__ = "verklaring_document"
    __table_args__ = (CheckConstraint(_one_of("soort", DOCUMENTSOORTEN), name="soort"),)

    soort: Mapped[str] = mapped_column(String(20))
    bestandsnaam: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    inhoud: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    grootte: Mapped[int] = mapped_column(Integer)
    vastgelegd_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Aanmelding(Base):
    """An organisation's application for a role that needs a verklaring (step 1, *Aanmelden*).

    ``referentie`` (``AAN-2026-000123``) is what the applicant quotes; with the unguessable status
    token (an HMAC of the reference under the portal's secret key, so never stored) the applicant
    follows the aanmelding on its status page. ``idempotentiesleutel_hash`` is the SHA-256 of the key
    the form or API client sent, so that sending the same aanmelding twice gives the first answer.
    ``deelnemer_id`` is the deelnemer it concerns (created as ``aangemeld`` when the organisation was
    unknown). ``soort`` is ``nieuw`` or ``vernieuwing`` (renewal of the verklaring ``vernieuwt``).

    Status: ``ingediend`` → ``in_behandeling`` (a casemanager is assigned) → ``intake_afgerond`` →
    ``voorgesteld`` (the casemanager proposed a besluit) → ``toegekend`` (the verklaring awaits its
    signatures) or ``afgewezen`` → ``afgerond`` (the verklaring was issued).
    """

    __tablename__ = "verklaring_aanmelding"
    __table_args__ = (
        UniqueConstraint("jaar", "volgnummer", name="uq_verklaring_aanmelding_jaar_volgnummer"),
        CheckConstraint(_one_of("status", AANMELDINGSTATUSSEN), name="status"),
        CheckConstraint(_one_of("soort", AANMELDINGSOORTEN), name="soort"),
        Index("ix_verklaring_aanmelding_deelnemer_rol", "deelnemer_id", "rol_code"),
    )

    referentie: Mapped[str] = mapped_column(String(20), unique=True)
    jaar: Mapped[int] = mapped_column(Integer)
    volgnummer: Mapped[int] = mapped_column(Integer)
    soort: Mapped[str] = mapped_column(String(20), default="nieuw")
    organisatiesoort: Mapped[str] = mapped_column(String(40))
    vernieuwt: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"))
    organisatie_naam: Mapped[str] = mapped_column(String(300))
    identificaties: Mapped[list[str]] = mapped_column(JsonB)
    rol_code: Mapped[str] = mapped_column(String(80))
    rol_naam: Mapped[str] = mapped_column(String(200))
    contact_naam: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_telefoon: Mapped[str | None] = mapped_column(String(40))
    motivatie: Mapped[str] = mapped_column(Text)
    ingediend_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    idempotentiesleutel_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    casemanager_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account_user.id"), index=True)
    casemanager_naam: Mapped[str | None] = mapped_column(String(200))
    toegewezen_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    afgesloten_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Intake(Base):
    """The casemanager's walk through the role's duty list with the applicant (step 2, *Intake*).

    The duty list is copied from the catalogue release in force when the intake starts (``release``),
    so the intakeformulier keeps the texts that were discussed. A ``concept`` intake can be saved and
    resumed; ``afgerond`` freezes it and stores the intakeformulier PDF (``document_id``).
    """

    __tablename__ = "verklaring_intake"
    __table_args__ = (CheckConstraint(_one_of("status", INTAKESTATUSSEN), name="status"),)

    aanmelding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verklaring_aanmelding.id"), unique=True)
    rol_code: Mapped[str] = mapped_column(String(80))
    rol_naam: Mapped[str] = mapped_column(String(200))
    release: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    gestart_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    gewijzigd_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    afgerond_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    afgerond_door_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account_user.id"))
    afgerond_door_naam: Mapped[str | None] = mapped_column(String(200))
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verklaring_document.id"))

    antwoorden: Mapped[list[Intakeantwoord]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Intakeantwoord.positie"
    )


class Intakeantwoord(Base):
    """What the intake recorded for one duty: ``ondersteund`` (ja / nee / deels), a toelichting and
    the afspraken made. The duty's code, kind, text and ``verplicht`` are copied from the release.
    """

    __tablename__ = "verklaring_intakeantwoord"
    __table_args__ = (
        UniqueConstraint("intake_id", "duty_code", name="uq_verklaring_intakeantwoord_intake_duty"),
        CheckConstraint(_one_of("ondersteund", ONDERSTEUND, nullable=True), name="ondersteund"),
    )

    intake_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verklaring_intake.id"), index=True)
    positie: Mapped[int] = mapped_column(Integer)
    duty_code: Mapped[str] = mapped_column(String(80))
    soort: Mapped[str] = mapped_column(String(30))
    tekst: Mapped[str] = mapped_column(Text)
    verplicht: Mapped[bool] = mapped_column(Boolean)
    ondersteund: Mapped[str | None] = mapped_column(String(10))
    toelichting: Mapped[str] = mapped_column(Text, default="")
    afspraken: Mapped[str] = mapped_column(Text, default="")


class Besluit(Base):
    """The decision on an aanmelding (before step 3, *Afgifte*): the casemanager's ``voorstel``
    (toekennen / afwijzen, with motivering and the proposed validity) and the stelselbeheerder's
    ``uitkomst`` with its reden. A rejection stays on record and is shown on the status page.
    """

    __tablename__ = "verklaring_besluit"
    __table_args__ = (
        CheckConstraint(_one_of("voorstel", UITKOMSTEN), name="voorstel"),
        CheckConstraint(_one_of("uitkomst", UITKOMSTEN, nullable=True), name="uitkomst"),
        CheckConstraint("geldigheid_maanden BETWEEN 1 AND 120", name="geldigheid_maanden"),
    )

    aanmelding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verklaring_aanmelding.id"), unique=True)
    voorstel: Mapped[str] = mapped_column(String(20))
    motivering: Mapped[str] = mapped_column(Text)
    geldigheid_maanden: Mapped[int] = mapped_column(Integer, default=24)
    voorgesteld_door_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account_user.id"))
    voorgesteld_door_naam: Mapped[str] = mapped_column(String(200))
    voorgesteld_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    uitkomst: Mapped[str | None] = mapped_column(String(20))
    reden: Mapped[str | None] = mapped_column(Text)
    besloten_door_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account_user.id"))
    besloten_door_naam: Mapped[str | None] = mapped_column(String(200))
    besloten_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Verklaring(Base):
    """The stelsel organisation's statement that a deelnemer fills a role, for a period (step 3).

    ``nummer`` (``VKL-2026-000042``) is allocated when the verklaring is prepared. Its content, what
    both parties sign, is frozen then: the deelnemer and its identificaties, the role and catalogue
    release, the supported duties (``taken``: ``ja``; ``taken_deels``: ``deels``) and the period
    ``geldig_van`` (inclusive) to ``geldig_tot`` (exclusive). ``inhoud_hash`` is the SHA-256 of that
    content both ondertekeningen name.

    ``fase``: ``ter_ondertekening`` → ``ondertekend_deelnemer`` → ``afgegeven``. Once afgegeven it
    has its attestation, its PDF, an index in status list ``statuslijst`` and a rolvervulling.
    The status a reader sees is computed from the dates and the flags ``ingetrokken_op`` (final)
    and ``geschorst_op`` (reversible): geldig, verlopen, ingetrokken or geschorst. ``geschorst_op``
    is the start of the current suspension only; every suspension, past and current, is a
    :class:`Schorsing`, so the verklaring's status can be told as of any moment.
    """

    __tablename__ = "verklaring"
    __table_args__ = (
        UniqueConstraint("jaar", "volgnummer", name="uq_verklaring_jaar_volgnummer"),
        UniqueConstraint("statuslijst", "statuslijst_index", name="uq_verklaring_statuslijst_index"),
        CheckConstraint(_one_of("fase", VERKLARINGFASEN), name="fase"),
        CheckConstraint("geldig_tot > geldig_van", name="periode"),
        Index("ix_verklaring_deelnemer_rol", "deelnemer_id", "rol_code"),
    )

    nummer: Mapped[str] = mapped_column(String(20), unique=True)
    jaar: Mapped[int] = mapped_column(Integer)
    volgnummer: Mapped[int] = mapped_column(Integer)
    aanmelding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verklaring_aanmelding.id"), unique=True)
    fase: Mapped[str] = mapped_column(String(30), index=True)
    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"))
    deelnemer_naam: Mapped[str] = mapped_column(String(300))
    identificaties: Mapped[list[str]] = mapped_column(JsonB)
    subject: Mapped[str] = mapped_column(String(60))
    rol_code: Mapped[str] = mapped_column(String(80))
    rol_naam: Mapped[str] = mapped_column(String(200))
    release: Mapped[str] = mapped_column(String(64))
    taken: Mapped[list[str]] = mapped_column(JsonB)
    taken_deels: Mapped[list[str]] = mapped_column(JsonB)
    geldig_van: Mapped[date] = mapped_column(Date)
    geldig_tot: Mapped[date] = mapped_column(Date, index=True)
    inhoud_hash: Mapped[str] = mapped_column(String(71))
    vernieuwt: Mapped[str | None] = mapped_column(String(20))
    voorbereid_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    afgegeven_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    attestatie: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verklaring_document.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    statuslijst: Mapped[int | None] = mapped_column(Integer)
    statuslijst_index: Mapped[int | None] = mapped_column(Integer)
    rolvervulling_id: Mapped[uuid.UUID | None] = mapped_column()
    geschorst_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    schorsing_reden: Mapped[str | None] = mapped_column(Text)
    ingetrokken_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    intrekking_reden: Mapped[str | None] = mapped_column(Text)

    ondertekeningen: Mapped[list[Ondertekening]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Ondertekening.ondertekend_op"
    )


class Schorsing(Base):
    """A period in which a verklaring was geschorst: from ``van``, the moment it was geschorst, to
    ``tot``, the moment it was hersteld (``None`` while the suspension lasts), with the ``reden``
    given for the schorsing and the ``herstel_reden`` given for lifting it.

    Written by schorsen and herstellen in the same transaction as the verklaring's own flags, so
    that "did this verklaring hold at that moment?" has an exact answer: not when a period
    ``[van, tot)`` contains the moment. A verklaring has at most one open period.
    """

    __tablename__ = "verklaring_schorsing"
    __table_args__ = (
        CheckConstraint("tot IS NULL OR tot >= van", name="periode"),
        Index("ix_verklaring_schorsing_verklaring_van", "verklaring_id", "van"),
        Index(
            "uq_verklaring_schorsing_open",
            "verklaring_id",
            unique=True,
            sqlite_where=text("tot IS NULL"),
            postgresql_where=text("tot IS NULL"),
        ),
    )

    verklaring_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verklaring.id"))
    van: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    tot: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    reden: Mapped[str] = mapped_column(Text)
    herstel_reden: Mapped[str | None] = mapped_column(Text)


class Ondertekening(Base):
    """One party's signature of a verklaring: who (account, name, e-mail, account role), for which
    organisation, when, how (``methode``), the statement they confirmed and the ``document_hash`` of
    the content they signed. The stelsel's ondertekening also names the signing key (``sleutel_kid``).
    """

    __tablename__ = "verklaring_ondertekening"
    __table_args__ = (
        UniqueConstraint("verklaring_id", "partij", name="uq_verklaring_ondertekening_partij"),
        CheckConstraint(_one_of("partij", PARTIJEN), name="partij"),
    )

    verklaring_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verklaring.id"), index=True)
    partij: Mapped[str] = mapped_column(String(20))
    ondertekenaar_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account_user.id"))
    ondertekenaar_naam: Mapped[str] = mapped_column(String(200))
    ondertekenaar_email: Mapped[str | None] = mapped_column(String(254))
    ondertekenaar_rol: Mapped[str] = mapped_column(String(40))
    organisatie: Mapped[str] = mapped_column(String(300))
    ondertekend_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    methode: Mapped[str] = mapped_column(String(40))
    verklaringstekst: Mapped[str] = mapped_column(Text)
    document_hash: Mapped[str] = mapped_column(String(71))
    sleutel_kid: Mapped[str | None] = mapped_column(String(64))
