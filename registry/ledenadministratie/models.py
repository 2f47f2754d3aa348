"""Ledenadministratie tables: deelnemers, their identificaties, contactpersonen and status history,
the rolvervullingen they hold and the ondersteuningsrelaties between dienstverleners and deelnemers.

Time is kept so that every question can be asked *as of* a moment (the peildatum) with a plain range
query on an index:

- a deelnemer's status is a series of :class:`Statusperiode` rows with ``geldig_van`` (inclusive) and
  ``geldig_tot`` (exclusive, ``NULL`` while current) as moments;
- a :class:`Rolvervulling` and an :class:`Ondersteuningsrelatie` are valid on the dates
  ``geldig_van`` (inclusive) to ``geldig_tot`` (exclusive, ``NULL`` for open-ended). A date boundary
  falls at 00:00 Europe/Amsterdam.

Nothing here is ever deleted: ending a status, a role or a relation closes its period.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from advanced_alchemy.types import JsonB
from advanced_alchemy.types.datetime import DateTimeUTC
from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import Base


class DeelnemerSoort(StrEnum):
    """The kind of organisation a deelnemer is.

    - ``gemeente``: a municipality (responsible for jeugdhulp and Wmo);
    - ``zorgaanbieder``: a provider of care (Wmo, Zvw, Wlz, GGZ), not primarily youth care;
    - ``jeugdhulpaanbieder``: a provider of jeugdhulp under the Jeugdwet;
    - ``politie``: a unit of the Nationale Politie;
    - ``veilig-thuis``: a Veilig Thuis organisation (advice and reporting point for domestic violence
      and child abuse);
    - ``gecertificeerde-instelling``: an organisation certified for jeugdbescherming and
      jeugdreclassering;
    - ``onderwijs``: a school board or samenwerkingsverband passend onderwijs;
    - ``softwareleverancier``: a supplier of software or services for the stelsel (often a
      dienstverlener);
    - ``overig``: any other organisation (Raad voor de Kinderbescherming, OM, a zorg- en
      veiligheidshuis, a GGD, …).
    """

    GEMEENTE = "gemeente"
    ZORGAANBIEDER = "zorgaanbieder"
    JEUGDHULPAANBIEDER = "jeugdhulpaanbieder"
    POLITIE = "politie"
    VEILIG_THUIS = "veilig-thuis"
    GECERTIFICEERDE_INSTELLING = "gecertificeerde-instelling"
    ONDERWIJS = "onderwijs"
    SOFTWARELEVERANCIER = "softwareleverancier"
    OVERIG = "overig"

    @property
    def label(self) -> str:
        return _SOORT_LABELS[self]


_SOORT_LABELS = {
    DeelnemerSoort.GEMEENTE: "Gemeente",
    DeelnemerSoort.ZORGAANBIEDER: "Zorgaanbieder",
    DeelnemerSoort.JEUGDHULPAANBIEDER: "Jeugdhulpaanbieder",
    DeelnemerSoort.POLITIE: "Politie",
    DeelnemerSoort.VEILIG_THUIS: "Veilig Thuis",
    DeelnemerSoort.GECERTIFICEERDE_INSTELLING: "Gecertificeerde instelling",
    DeelnemerSoort.ONDERWIJS: "Onderwijs",
    DeelnemerSoort.SOFTWARELEVERANCIER: "Softwareleverancier",
    DeelnemerSoort.OVERIG: "Overig",
}


class DeelnemerStatus(StrEnum):
    """Where a deelnemer stands: ``aangemeld → actief → geschorst → actief | beeindigd``.

    Only an ``actief`` deelnemer's rolvervullingen grant anything; ``geschorst`` suspends them
    without changing them; ``beeindigd`` is final (the record and its history stay). The value is
    written without diaeresis so it can be used in a URL as is; the label is ``Beëindigd``.
    """

    AANGEMELD = "aangemeld"
    ACTIEF = "actief"
    GESCHORST = "geschorst"
    BEEINDIGD = "beeindigd"

    @property
    def label(self) -> str:
        return {"beeindigd": "Beëindigd"}.get(self.value, self.value.capitalize())


STATUS_TRANSITIONS: dict[DeelnemerStatus, frozenset[DeelnemerStatus]] = {
    DeelnemerStatus.AANGEMELD: frozenset({DeelnemerStatus.ACTIEF, DeelnemerStatus.BEEINDIGD}),
    DeelnemerStatus.ACTIEF: frozenset({DeelnemerStatus.GESCHORST, DeelnemerStatus.BEEINDIGD}),
    DeelnemerStatus.GESCHORST: frozenset({DeelnemerStatus.ACTIEF, DeelnemerStatus.BEEINDIGD}),
    DeelnemerStatus.BEEINDIGD: frozenset(),
}
"""The allowed status changes of a deelnemer; anything else is an ``InvalidTransition``."""


class Basissoort(StrEnum):
    """On what ground a rolvervulling was granted.

    ``verklaring``: a verklaring issued by the stelsel organisation (required for roles whose
    catalogue entry says ``verklaring_vereist``); ``besluit``: a decision of the stelsel's governance,
    referred to by its kenmerk.
    """

    VERKLARING = "verklaring"
    BESLUIT = "besluit"


class Vervullingstatus(StrEnum):
    """Status of a rolvervulling or ondersteuningsrelatie: ``actief`` until ended, then ``beeindigd``."""

    ACTIEF = "actief"
    BEEINDIGD = "beeindigd"


class Deelnemer(Base):
    """A participating organisation of the afsprakenstelsel (gemeente, zorgaanbieder, politie, …).

    ``naam`` is stored NFC-normalised; ``zoeknaam`` is the same name folded for searching and sorting
    (diacritics removed, case-folded, single spaces), see :mod:`registry.ledenadministratie.naam`.
    ``status`` is the current status, a copy of the open :class:`Statusperiode` for quick filtering.
    """

    __tablename__ = "deelnemer"

    naam: Mapped[str] = mapped_column(String(300))
    zoeknaam: Mapped[str] = mapped_column(String(300), index=True)
    soort: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    regio: Mapped[str | None] = mapped_column(String(200), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    adres_straat: Mapped[str | None] = mapped_column(String(200))
    adres_huisnummer: Mapped[str | None] = mapped_column(String(20))
    adres_postcode: Mapped[str | None] = mapped_column(String(7))
    adres_plaats: Mapped[str | None] = mapped_column(String(100))

    identificaties: Mapped[list[DeelnemerIdentificatie]] = relationship(
        back_populates="deelnemer",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="[DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde]",
    )
    contactpersonen: Mapped[list[Contactpersoon]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Contactpersoon.volgorde"
    )


class DeelnemerIdentificatie(Base):
    """One identificatie (soort + waarde) of a deelnemer; a number belongs to one deelnemer only."""

    __tablename__ = "deelnemer_identificatie"
    __table_args__ = (UniqueConstraint("soort", "waarde"),)

    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"), index=True)
    soort: Mapped[str] = mapped_column(String(20))
    # searching by a bare number (without its soort) uses this index
    waarde: Mapped[str] = mapped_column(String(40), index=True)

    deelnemer: Mapped[Deelnemer] = relationship(back_populates="identificaties")


class Zoekterm(Base):
    """A searchable tail of a deelnemer's folded name, starting at each word.

    ``Gemeente Súdwest-Fryslân`` gives ``gemeente sudwest fryslan``, ``sudwest fryslan`` and
    ``fryslan``, so a prefix query on ``term`` finds a name by its start or by the start of any word.
    """

    __tablename__ = "deelnemer_zoekterm"
    __table_args__ = (
        # text_pattern_ops lets PostgreSQL answer ``LIKE 'prefix%'`` from the index in any collation.
        Index("ix_deelnemer_zoekterm_term", "term", postgresql_ops={"term": "text_pattern_ops"}),
    )

    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"), index=True)
    term: Mapped[str] = mapped_column(String(300))


class Contactpersoon(Base):
    """A person to contact at a deelnemer; only callers with full lookup access see them."""

    __tablename__ = "deelnemer_contactpersoon"

    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"), index=True)
    volgorde: Mapped[int] = mapped_column(default=0)
    naam: Mapped[str] = mapped_column(String(200))
    functie: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    telefoon: Mapped[str | None] = mapped_column(String(40))


class Statusperiode(Base):
    """A period in which a deelnemer had one status, opened by a status change.

    ``geldig_van`` is the moment the status took effect, ``geldig_tot`` the moment the next one did
    (``NULL`` for the current status). ``reden`` and the actor say why and by whom it was changed;
    ``geregistreerd_op`` is when the register recorded it (equal to ``geldig_van`` unless an earlier
    moment was registered, as when an existing register is imported).
    """

    __tablename__ = "deelnemer_statusperiode"
    __table_args__ = (
        Index("ix_deelnemer_statusperiode_deelnemer_van", "deelnemer_id", "geldig_van"),
        # On PostgreSQL the index also carries the period's end and the deelnemer, so that "which
        # deelnemers had this status at that moment" (the count of the dienstverleners list) is read
        # from the index alone, not from the table.
        Index(
            "ix_deelnemer_statusperiode_status_van",
            "status",
            "geldig_van",
            postgresql_include=["geldig_tot", "deelnemer_id"],
        ),
    )

    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"))
    status: Mapped[str] = mapped_column(String(20))
    vorige_status: Mapped[str | None] = mapped_column(String(20))
    geldig_van: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    geldig_tot: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    reden: Mapped[str] = mapped_column(Text)
    actor_soort: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_naam: Mapped[str] = mapped_column(String(200))
    geregistreerd_op: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Rolvervulling(Base):
    """A deelnemer holding a role of the catalogue for a period, on a stated basis.

    ``geldig_tot`` is exclusive: a rolvervulling with ``geldig_tot = 2026-01-01`` was last held on
    31 December 2025. ``release`` is the catalogue release under which it was granted. The ``basis``
    is a ``verklaring`` (``basis_referentie`` names the verklaring) or a ``besluit`` (the decision's
    kenmerk). ``status`` is ``actief`` until it is ended; an ended rolvervulling keeps its period,
    so as-of questions about the time it was held still find it.
    """

    __tablename__ = "rolvervulling"
    __table_args__ = (
        Index("ix_rolvervulling_rol_van", "rol_code", "geldig_van"),
        Index("ix_rolvervulling_deelnemer_rol_van", "deelnemer_id", "rol_code", "geldig_van"),
    )

    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"))
    rol_code: Mapped[str] = mapped_column(String(80))
    geldig_van: Mapped[date] = mapped_column(Date)
    geldig_tot: Mapped[date | None] = mapped_column(Date)
    release: Mapped[str] = mapped_column(String(40))
    basis_soort: Mapped[str] = mapped_column(String(20))
    basis_referentie: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))
    toelichting: Mapped[str | None] = mapped_column(Text)

    wijzigingen: Mapped[list[Rolvervullingwijziging]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Rolvervullingwijziging.moment"
    )


class Rolvervullingwijziging(Base):
    """One step in a rolvervulling's history: granted (``toegekend``) or ended (``beeindigd``)."""

    __tablename__ = "rolvervulling_wijziging"

    rolvervulling_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rolvervulling.id"), index=True)
    moment: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    soort: Mapped[str] = mapped_column(String(20))
    geldig_tot: Mapped[date | None] = mapped_column(Date)
    reden: Mapped[str] = mapped_column(Text)
    actor_soort: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_naam: Mapped[str] = mapped_column(String(200))


class Ondersteuningsrelatie(Base):
    """A dienstverlener supporting a deelnemer with a set of the dienstverlener role's duties.

    ``taken`` are duty codes of the dienstverlener role in the catalogue. Dates as in
    :class:`Rolvervulling` (``geldig_tot`` exclusive). Both the dienstverlener and the supported
    deelnemer see the relation.
    """

    __tablename__ = "ondersteuningsrelatie"
    __table_args__ = (
        Index("ix_ondersteuningsrelatie_dienstverlener_van", "dienstverlener_id", "geldig_van"),
        Index("ix_ondersteuningsrelatie_deelnemer_van", "deelnemer_id", "geldig_van"),
    )

    dienstverlener_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"))
    deelnemer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deelnemer.id"))
    taken: Mapped[list[str]] = mapped_column(JsonB)
    geldig_van: Mapped[date] = mapped_column(Date)
    geldig_tot: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    reden_einde: Mapped[str | None] = mapped_column(Text)
