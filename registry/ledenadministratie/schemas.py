"""The shapes in which the ledenadministratie is read and written (msgspec structs, lowerCamelCase JSON).

Input structs (``…Invoer``, ``…Create``, ``…Update``) take text as typed, so that the services can
check every field and report all problems at once; read structs are what the lookup API returns.
Fields that only callers with full lookup access may see (contactpersonen, history) are ``UNSET``
in the public view and then left out of the JSON.

Dates: ``geldigVan`` is the first day something holds, ``geldigTot`` the first day it no longer
holds (exclusive); ``null`` means open-ended. Moments are RFC 3339 date-times in UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

GELDIG_VAN = msgspec.Meta(description="Eerste dag waarop dit geldt (00:00 Nederlandse tijd).")
GELDIG_TOT = msgspec.Meta(
    description="Eerste dag waarop dit niet meer geldt (exclusief); null betekent: zonder einddatum."
)


class Invoer(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Base of the input structs."""


class IdentificatieInvoer(Invoer):
    soort: str
    waarde: str


class AdresInvoer(Invoer):
    straat: str = ""
    huisnummer: str = ""
    postcode: str = ""
    plaats: str = ""


class ContactpersoonInvoer(Invoer):
    naam: str = ""
    functie: str = ""
    email: str = ""
    telefoon: str = ""


class DeelnemerCreate(Invoer):
    """A new deelnemer. ``aangemeldOp`` registers an earlier moment of aanmelding (an import of an
    existing register); by default the deelnemer is aangemeld now."""

    naam: str
    soort: str
    identificaties: list[IdentificatieInvoer]
    adres: AdresInvoer | None = None
    regio: str = ""
    website: str = ""
    contactpersonen: list[ContactpersoonInvoer] = msgspec.field(default_factory=list)
    aangemeld_op: datetime | None = None


class DeelnemerUpdate(Invoer):
    """Changes to a deelnemer; only the fields given are changed. Lists replace the whole list."""

    naam: str | UnsetType = UNSET
    soort: str | UnsetType = UNSET
    identificaties: list[IdentificatieInvoer] | UnsetType = UNSET
    adres: AdresInvoer | UnsetType | None = UNSET
    regio: str | UnsetType = UNSET
    website: str | UnsetType = UNSET
    contactpersonen: list[ContactpersoonInvoer] | UnsetType = UNSET


class StatuswijzigingInvoer(Invoer):
    """A status change with its reason; ``ingang`` registers an earlier moment of effect."""

    status: str
    reden: str
    ingang: datetime | None = None


class BasisInvoer(Invoer):
    soort: str
    referentie: str


class RolvervullingCreate(Invoer):
    rol_code: str
    geldig_van: date
    basis: BasisInvoer
    geldig_tot: date | None = None
    toelichting: str = ""


class Beeindiging(Invoer):
    """Ending a rolvervulling or ondersteuningsrelatie: ``einddatum`` is the first day it no longer holds."""

    einddatum: date
    reden: str


class OndersteuningsrelatieCreate(Invoer):
    dienstverlener_id: uuid.UUID
    deelnemer_id: uuid.UUID
    taken: list[str]
    geldig_van: date
    geldig_tot: date | None = None


# --- read ---------------------------------------------------------------------------------------


class Schema(msgspec.Struct, rename="camel", kw_only=True):
    """Base of the read structs."""


class Identificatie(Schema):
    """An identificatie in its standard form; ``tekst`` is the ``soort:waarde`` form used in queries."""

    soort: str
    waarde: str
    tekst: str


class Adres(Schema):
    straat: str
    huisnummer: str
    postcode: str
    plaats: str


class Contactpersoon(Schema):
    naam: str
    functie: str
    email: str
    telefoon: str | None


class Statuswijziging(Schema):
    """One period of a deelnemer's status: from ``geldigVan`` until ``geldigTot`` (moments)."""

    status: str
    vorige_status: str | None
    geldig_van: datetime
    geldig_tot: datetime | None
    reden: str
    door: str
    geregistreerd_op: datetime


class Basis(Schema):
    """On what ground a role is held: ``verklaring`` (with its reference) or ``besluit`` (its kenmerk)."""

    soort: str
    referentie: str


class Rolvervullingwijziging(Schema):
    moment: datetime
    soort: str
    geldig_tot: date | None
    reden: str
    door: str


VERKLARINGBEZWAAR = msgspec.Meta(
    description=(
        "Waarom de verklaring waarop deze rolvervulling rust op de peildatum niet geldt (bijvoorbeeld "
        "geschorst of ingetrokken), in de woorden van de rolcheck na 'Niet toegekend: '; de rol is dan "
        "niet toegekend. null als de verklaring geldt, als de rol niet op een verklaring rust of als de "
        "rolvervulling de datum van de peildatum niet dekt."
    )
)


class Rolvervulling(Schema):
    """A role a deelnemer holds (or held) for a period, on a basis, under a catalogue release.

    ``verklaringbezwaar`` says why the verklaring the role rests on does not hold on the peildatum,
    as the rolcheck judges it (its reason after "Niet toegekend: "): such a rolvervulling grants
    nothing then. It is ``null`` when the verklaring holds, when the role rests on no verklaring and
    when the rolvervulling does not cover the peildatum's date (history and plans are not judged).
    Lookup answers always carry it; a list that does not judge verklaringen (the register export, the
    dienstverlener list, which shows each verklaring's own state) leaves it out."""

    id: uuid.UUID
    rol_code: str
    rol_naam: str | None
    geldig_van: Annotated[date, GELDIG_VAN]
    geldig_tot: Annotated[date | None, GELDIG_TOT]
    status: str
    basis: Basis
    release: str
    geregistreerd_op: datetime
    verklaringbezwaar: Annotated[str | UnsetType | None, VERKLARINGBEZWAAR] = UNSET
    geschiedenis: list[Rolvervullingwijziging] | UnsetType = UNSET


class Partij(Schema):
    """A deelnemer as named in another answer: its id, name and identificaties."""

    id: uuid.UUID
    naam: str
    identificaties: list[Identificatie]


class Ondersteuning(Schema):
    """A dienstverlener supporting a deelnemer with ``taken`` (duty codes of the dienstverlener role)."""

    id: uuid.UUID
    dienstverlener: Partij
    deelnemer: Partij
    taken: list[str]
    geldig_van: Annotated[date, GELDIG_VAN]
    geldig_tot: Annotated[date | None, GELDIG_TOT]
    status: str


class Deelnemer(Schema):
    """A deelnemer as it stood on ``peildatum``: its status, the roles it held and its
    ondersteuningsrelaties then. ``contactpersonen`` and ``statusgeschiedenis`` only with full
    lookup access."""

    id: uuid.UUID
    naam: str
    soort: str
    status: str
    identificaties: list[Identificatie]
    adres: Adres | None
    regio: str | None
    website: str | None
    rollen: list[Rolvervulling]
    ondersteund_door: list[Ondersteuning]
    ondersteunt: list[Ondersteuning]
    peildatum: datetime
    contactpersonen: list[Contactpersoon] | UnsetType = UNSET
    statusgeschiedenis: list[Statuswijziging] | UnsetType = UNSET


class RolRef(Schema):
    code: str
    naam: str | None


class Rolcheck(Schema):
    """Whether a deelnemer holds a role on the peildatum, and if not, why not.

    ``vervuld`` is the answer. When a rolvervulling covers the peildatum, ``geldigVan``, ``geldigTot``,
    ``basis`` and ``release`` describe it, also when it grants nothing because the deelnemer is
    geschorst. ``redenCode`` is one of ``geen-rolvervulling``, ``deelnemer-geschorst``,
    ``deelnemer-niet-actief``, ``deelnemer-beeindigd``, ``niet-geregistreerd``; ``reden`` explains it.
    """

    deelnemer: Partij
    rol: RolRef
    peildatum: datetime
    vervuld: bool
    deelnemer_status: str | None
    geldig_van: Annotated[date | None, GELDIG_VAN] = None
    geldig_tot: Annotated[date | None, GELDIG_TOT] = None
    basis: Basis | None = None
    release: str | None = None
    rolvervulling_id: uuid.UUID | None = None
    reden: str | None = None
    reden_code: str | None = None


class Dienstverlener(Schema):
    """A dienstverlener on the peildatum: how to reach it, the dienstverlening roles it holds with
    the verklaringen they rest on, the duties it supports (``taken``: those of its
    ondersteuningsrelaties then) and the deelnemers it supports.

    ``dienstverlenerSinds`` is the first day of the earliest of its roles."""

    id: uuid.UUID
    naam: str
    identificaties: list[Identificatie]
    website: str | None
    regio: str | None
    dienstverlener_sinds: date
    taken: list[str]
    ondersteunt: list[Ondersteuning]
    adres: Adres | None = None
    rollen: list[Dienstverleningsrol] = msgspec.field(default_factory=list)


class Wijziging(Schema):
    """One change to the register, from the audit trail's gap-free sequence.

    ``gegevens`` holds the new values of the public fields that changed (never contact persons or
    reasons). An import of deelnemers from a file is entity ``import``: ``deelnemerIds`` names the
    deelnemers it registered, to be fetched.
    """

    seq: int
    tijdstip: datetime
    actie: str
    entiteit: str
    entiteit_id: str
    deelnemer_ids: list[str]
    gegevens: dict[str, Any]


# --- import ---------------------------------------------------------------------------------------


class Importprobleem(Schema):
    """One problem in an import file: the ``regel`` as a spreadsheet numbers it (the header is regel
    1, the first deelnemer regel 2), the ``kolom`` (empty when it concerns the file or the whole
    regel) and what is wrong."""

    regel: int
    kolom: str
    melding: str


class Importverslag(Schema):
    """What an import of deelnemers did, or in a ``proef`` (dry run) would do.

    ``regels`` counts the deelnemer regels read; ``aangemeld`` the deelnemers registered, which is 0
    whenever there is a problem (all or nothing) and in a proef. ``problemen`` lists the first
    problems found; ``weggelaten`` says how many more there were.
    """

    regels: int
    aangemeld: int
    proef: bool
    problemen: list[Importprobleem]
    weggelaten: int = 0

    @property
    def in_orde(self) -> bool:
        return not self.problemen


# --- export ---------------------------------------------------------------------------------------


class OndersteundeDeelnemer(Schema):
    """An ondersteuningsrelatie seen from its dienstverlener: whom it supports, with what, when."""

    id: uuid.UUID
    deelnemer_id: uuid.UUID
    taken: list[str]
    geldig_van: Annotated[date, GELDIG_VAN]
    geldig_tot: Annotated[date | None, GELDIG_TOT]
    status: str


class Registerdeelnemer(Schema):
    """A deelnemer in the export of the whole register: its current details and contactpersonen,
    every rolvervulling it ever had, and every ondersteuningsrelatie in which it is the dienstverlener."""

    id: uuid.UUID
    naam: str
    soort: str
    status: str
    identificaties: list[Identificatie]
    adres: Adres | None
    regio: str | None
    website: str | None
    contactpersonen: list[Contactpersoon]
    rollen: list[Rolvervulling]
    ondersteunt: list[OndersteundeDeelnemer]


# --- the public list of dienstverleners -----------------------------------------------------------


class Verklaringstand(Schema):
    """The verklaring on which a role rests, as the verklaringen domain judges it on the peildatum.

    ``geldig`` is ``null`` when verklaringen cannot be checked now; ``toelichting`` says why a
    verklaring is not geldig; ``verificatie`` is the page where anyone can verify it."""

    nummer: str
    geldig: bool | None
    toelichting: str | None
    verificatie: str


class Dienstverleningsrol(Schema):
    """A dienstverlening role (dienstverlener or GtK beheerder) a deelnemer holds on the peildatum."""

    code: str
    naam: str | None
    geldig_van: Annotated[date, GELDIG_VAN]
    geldig_tot: Annotated[date | None, GELDIG_TOT]
    basis: Basis
    verklaring: Verklaringstand | None


class Contactgegevens(Invoer):
    """The details by which a deelnemer is reached, which its own contact may keep up to date."""

    adres: AdresInvoer | None = None
    website: str = ""
    contactpersonen: list[ContactpersoonInvoer] = msgspec.field(default_factory=list)
