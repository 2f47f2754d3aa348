"""Catalogue tables: the releases of the afsprakenstelsel and everything a release fixes.

A :class:`Release` is one published (or yet to be published) version of the stelsel's agreements.
Everything else belongs to exactly one release: its :class:`Rol` entries with their ordered
:class:`Duty` lines and :class:`Rolrelatie` links, the :class:`Samenwerkfunctie` and
:class:`Samenwerkpatroon` entries, the :class:`Grondslag` entries and the steps of the
samenwerkingsproces (:class:`Processtap`). A new release starts as a full copy of the previous
definitive one, so older releases stay readable exactly as they were published.

The database backs the rules that must never break, whatever code writes:

- codes are unique per release (roles, duties, functions, patterns, grondslagen);
- a duty and a relation belong to a role of *their own* release (composite foreign keys on
  ``(rol_id, release_id)``), and a relation points at an existing role of that release;
- statuses, roltypes and duty kinds are one of the known values (CHECK constraints);
- at most one release is ``definitief`` at any time (a partial unique index).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from advanced_alchemy.types.datetime import DateTimeUTC
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base

CODE_LENGTH = 80
VERSIE_LENGTH = 64

RELEASESTATUSSEN = ("concept", "consultatie", "definitief", "vervallen")
DOCUMENTSTATUSSEN = ("concept", "consultatie", "definitief")
ROLTYPEN = ("besturing", "organisatorisch", "technisch", "dienstverlening")
DUTYSOORTEN = ("taak", "verantwoordelijkheid", "bevoegdheid")
RELATIESOORTEN = (
    "ondersteunt",
    "handelt-namens",
    "kent-toe",
    "registreert",
    "specialiseert",
    "stemt-af-met",
    "neemt-af-van",
)


def _one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    allowed = ", ".join(f"'{value}'" for value in values)
    condition = f"{column} IN ({allowed})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def _release_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("catalogus_release.id", ondelete="CASCADE"))


class Release(Base):
    """A version of the afsprakenstelsel's catalogue, identified by its semantic ``versie``.

    Life cycle: ``concept`` (being written, only visible to catalogue readers) → ``consultatie``
    (published for comments, no longer editable) → ``definitief`` (the agreements in force; exactly
    one at a time) → ``vervallen`` (replaced by a newer definitive release, still readable).
    ``ingangsdatum`` is the date the release takes effect as the stelsel states it;
    ``gebaseerd_op`` the versie this release was copied from, if any.
    """

    __tablename__ = "catalogus_release"
    __table_args__ = (
        CheckConstraint(_one_of("status", RELEASESTATUSSEN), name="status"),
        CheckConstraint("versie <> ''", name="versie_niet_leeg"),
        Index(
            "uq_catalogus_release_een_definitief",
            "status",
            unique=True,
            sqlite_where=text("status = 'definitief'"),
            postgresql_where=text("status = 'definitief'"),
        ),
    )

    versie: Mapped[str] = mapped_column(String(VERSIE_LENGTH), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    titel: Mapped[str] = mapped_column(String(300))
    toelichting: Mapped[str] = mapped_column(Text)
    ingangsdatum: Mapped[date | None] = mapped_column(Date)
    gebaseerd_op: Mapped[str | None] = mapped_column(String(VERSIE_LENGTH))
    aangemaakt: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    consultatie_vanaf: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    gepubliceerd_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    vervallen_op: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Rol(Base):
    """A role in the afsprakenstelsel that a participant or person can hold (a rolvervulling).

    ``code`` is the stable identifier other registers refer to; it stays the same across
    releases. ``roltype`` is one of besturing, organisatorisch, technisch or dienstverlening.
    ``toelichting`` and ``invulling`` quote the stelsel's source; ``toelichting_afgeleid`` and
    ``duties_afgeleid`` say that the stelsel wrote the text or duty list itself because the source
    gives none. A role with ``verklaring_vereist`` may only be held after the stelsel organisation
    issued a verklaring; its mandatory duties are what the applicant declares at the intake.
    ``documentstatus`` is the status the source document gives the section, ``bron`` where the
    role comes from, ``positie`` its place in the catalogue.
    """

    __tablename__ = "catalogus_rol"
    __table_args__ = (
        UniqueConstraint("release_id", "code", name="uq_catalogus_rol_release_code"),
        UniqueConstraint("id", "release_id", name="uq_catalogus_rol_id_release"),
        CheckConstraint(_one_of("roltype", ROLTYPEN), name="roltype"),
        CheckConstraint(_one_of("documentstatus", DOCUMENTSTATUSSEN, nullable=True), name="documentstatus"),
        CheckConstraint("code <> '' AND naam <> ''", name="code_en_naam"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    positie: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    naam: Mapped[str] = mapped_column(String(200))
    roltype: Mapped[str] = mapped_column(String(20))
    toelichting: Mapped[str] = mapped_column(Text)
    toelichting_afgeleid: Mapped[bool] = mapped_column(Boolean, default=False)
    invulling: Mapped[str] = mapped_column(Text, default="")
    verklaring_vereist: Mapped[bool] = mapped_column(Boolean, default=False)
    documentstatus: Mapped[str | None] = mapped_column(String(20))
    bron: Mapped[str] = mapped_column(Text)
    duties_afgeleid: Mapped[bool] = mapped_column(Boolean, default=False)


class Duty(Base):
    """One line of a role's duty list: a taak, verantwoordelijkheid or bevoegdheid (``soort``).

    The list is ordered by ``positie`` within the role. ``verplicht`` duties belong to the role in
    every case; for a role that needs a verklaring they are the ones the applicant must take on.
    ``code`` is stable and unique within the release. The duty's release is stored with it, and
    the database only accepts a role of that same release.
    """

    __tablename__ = "catalogus_duty"
    __table_args__ = (
        UniqueConstraint("release_id", "code", name="uq_catalogus_duty_release_code"),
        ForeignKeyConstraint(
            ["rol_id", "release_id"],
            ["catalogus_rol.id", "catalogus_rol.release_id"],
            ondelete="CASCADE",
            name="fk_catalogus_duty_rol_van_dezelfde_release",
        ),
        CheckConstraint(_one_of("soort", DUTYSOORTEN), name="soort"),
        CheckConstraint("code <> '' AND tekst <> ''", name="code_en_tekst"),
        Index("ix_catalogus_duty_rol_positie", "rol_id", "positie"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    rol_id: Mapped[uuid.UUID] = mapped_column()
    positie: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    soort: Mapped[str] = mapped_column(String(30))
    tekst: Mapped[str] = mapped_column(Text)
    verplicht: Mapped[bool] = mapped_column(Boolean, default=True)


class Rolrelatie(Base):
    """A relation from one role to another role of the same release: "<rol> <soort> <doelrol>".

    ``soort`` is one of ondersteunt, handelt-namens, kent-toe, registreert, specialiseert,
    stemt-af-met or neemt-af-van; ``doelrol`` is the code of the other role.
    """

    __tablename__ = "catalogus_rolrelatie"
    __table_args__ = (
        UniqueConstraint("rol_id", "soort", "doelrol", name="uq_catalogus_rolrelatie_rol_soort_doelrol"),
        ForeignKeyConstraint(
            ["rol_id", "release_id"],
            ["catalogus_rol.id", "catalogus_rol.release_id"],
            ondelete="CASCADE",
            name="fk_catalogus_rolrelatie_rol_van_dezelfde_release",
        ),
        ForeignKeyConstraint(
            ["release_id", "doelrol"],
            ["catalogus_rol.release_id", "catalogus_rol.code"],
            ondelete="CASCADE",
            name="fk_catalogus_rolrelatie_doelrol_van_dezelfde_release",
        ),
        CheckConstraint(_one_of("soort", RELATIESOORTEN), name="soort"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    rol_id: Mapped[uuid.UUID] = mapped_column(index=True)
    positie: Mapped[int] = mapped_column(Integer)
    soort: Mapped[str] = mapped_column(String(30))
    doelrol: Mapped[str] = mapped_column(String(CODE_LENGTH))


class Samenwerkfunctie(Base):
    """A chain service participants provide to each other to carry out the samenwerkingsproces.

    ``nummer`` is its place in the list of the stelsel (1 to 15 in release 1.2.0). ``omschrijving``
    is the short description from "De werking van het stelsel"; the worked-out functions add a
    longer description, current examples and solutions, user stories and the business case.
    """

    __tablename__ = "catalogus_samenwerkfunctie"
    __table_args__ = (
        UniqueConstraint("release_id", "code", name="uq_catalogus_samenwerkfunctie_release_code"),
        CheckConstraint(_one_of("documentstatus", DOCUMENTSTATUSSEN), name="documentstatus"),
        CheckConstraint("code <> '' AND naam <> ''", name="code_en_naam"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    nummer: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    naam: Mapped[str] = mapped_column(String(200))
    omschrijving: Mapped[str] = mapped_column(Text)
    uitgewerkte_omschrijving: Mapped[str] = mapped_column(Text, default="")
    huidige_voorbeelden: Mapped[str] = mapped_column(Text, default="")
    huidige_oplossingen: Mapped[str] = mapped_column(Text, default="")
    gebruikersverhaal: Mapped[str] = mapped_column(Text, default="")
    zakelijke_rechtvaardiging: Mapped[str] = mapped_column(Text, default="")
    documentstatus: Mapped[str] = mapped_column(String(20))


class Samenwerkpatroon(Base):
    """An interaction pattern the samenwerkfuncties are built from: opdracht, inzage, gebeurtenissen.

    ``letter`` is its place in the stelsel's list (a, b, c).
    """

    __tablename__ = "catalogus_samenwerkpatroon"
    __table_args__ = (
        UniqueConstraint("release_id", "code", name="uq_catalogus_samenwerkpatroon_release_code"),
        CheckConstraint(_one_of("documentstatus", DOCUMENTSTATUSSEN), name="documentstatus"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    letter: Mapped[str] = mapped_column(String(1))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    naam: Mapped[str] = mapped_column(String(200))
    omschrijving: Mapped[str] = mapped_column(Text)
    documentstatus: Mapped[str] = mapped_column(String(20))


class Grondslag(Base):
    """A law or treaty that gives the stelsel its legal basis or frame (``wet``, ``toelichting``)."""

    __tablename__ = "catalogus_grondslag"
    __table_args__ = (
        UniqueConstraint("release_id", "code", name="uq_catalogus_grondslag_release_code"),
        CheckConstraint(_one_of("documentstatus", DOCUMENTSTATUSSEN), name="documentstatus"),
        CheckConstraint("code <> '' AND wet <> ''", name="code_en_wet"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    positie: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    wet: Mapped[str] = mapped_column(Text)
    toelichting: Mapped[str] = mapped_column(Text)
    documentstatus: Mapped[str] = mapped_column(String(20))


class Processtap(Base):
    """One step of the samenwerkingsproces, the cycle a collaboration around a casus runs through
    (Verbinding aangaan, Samen onderzoeken, Samen Beslissen, Doen wat werkt, Samen leren)."""

    __tablename__ = "catalogus_processtap"
    __table_args__ = (
        UniqueConstraint("release_id", "stap", name="uq_catalogus_processtap_release_stap"),
        CheckConstraint(_one_of("documentstatus", DOCUMENTSTATUSSEN), name="documentstatus"),
    )

    release_id: Mapped[uuid.UUID] = _release_fk()
    stap: Mapped[int] = mapped_column(Integer)
    naam: Mapped[str] = mapped_column(String(200))
    omschrijving: Mapped[str] = mapped_column(Text)
    documentstatus: Mapped[str] = mapped_column(String(20))


__all__ = [
    "DOCUMENTSTATUSSEN",
    "DUTYSOORTEN",
    "RELATIESOORTEN",
    "RELEASESTATUSSEN",
    "ROLTYPEN",
    "Duty",
    "Grondslag",
    "Processtap",
    "Release",
    "Rol",
    "Rolrelatie",
    "Samenwerkfunctie",
    "Samenwerkpatroon",
]
