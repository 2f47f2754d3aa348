"""What the catalogue services hand out and take in: msgspec structs, never ORM rows.

Read schemas (``Release``, ``Rol``, ``Duty``, …) are what the API returns (JSON names in
lowerCamelCase) and what the pages and other domains read. Every release-qualified answer carries
a :class:`ReleaseRef` saying which release (versie and status) it comes from. ``…Invoer`` structs
are the input of the editing services: loosely typed on purpose, so that the service can check
every field and report all problems at once (:class:`~registry.errors.ValidationFailed`). The
``…verschil`` structs describe the differences between two releases.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar

import msgspec

from registry.api import Page

T = TypeVar("T")

Waarde = str | int | bool | None


# --- releases -----------------------------------------------------------------------------------


class ReleaseRef(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """Which release an answer comes from."""

    versie: str
    status: str


class Release(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A catalogue release and its life cycle dates (``None`` until the step happened)."""

    versie: str
    status: str
    titel: str
    toelichting: str
    ingangsdatum: date | None
    gebaseerd_op: str | None
    aangemaakt: datetime
    consultatie_vanaf: datetime | None
    gepubliceerd_op: datetime | None
    vervallen_op: datetime | None

    @property
    def ref(self) -> ReleaseRef:
        return ReleaseRef(versie=self.versie, status=self.status)


class Processtap(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A step of the samenwerkingsproces."""

    stap: int
    naam: str
    omschrijving: str
    documentstatus: str


class Samenwerkpatroon(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """An interaction pattern: opdracht, inzage or gebeurtenissen."""

    letter: str
    code: str
    naam: str
    omschrijving: str
    documentstatus: str


class Aantallen(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """How many entries of each kind a release holds."""

    rollen: int
    duties: int
    samenwerkfuncties: int
    samenwerkpatronen: int
    grondslagen: int


class ReleaseDetail(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A release with its samenwerkingsproces, samenwerkpatronen and the size of its catalogue."""

    release: Release
    aantallen: Aantallen
    samenwerkingsproces: list[Processtap]
    samenwerkpatronen: list[Samenwerkpatroon]


# --- rollen ---------------------------------------------------------------------------------------


class Duty(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """One line of a role's duty list (``soort``: taak, verantwoordelijkheid or bevoegdheid)."""

    code: str
    soort: str
    tekst: str
    verplicht: bool
    positie: int


class Relatie(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A relation read as "<this role> <soort> <rol>"; ``rol`` is a role code of the same release."""

    soort: str
    rol: str


class RolSamenvatting(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A role as listed in the catalogue."""

    code: str
    naam: str
    roltype: str
    toelichting: str
    invulling: str
    verklaring_vereist: bool
    documentstatus: str | None


class Rol(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A role with its duty list (in order) and its relations, from one release."""

    release: ReleaseRef
    code: str
    naam: str
    roltype: str
    toelichting: str
    toelichting_afgeleid: bool
    invulling: str
    verklaring_vereist: bool
    documentstatus: str | None
    bron: str
    duties_afgeleid: bool
    duties: list[Duty]
    relaties: list[Relatie]

    def duties_van_soort(self, soort: str) -> list[Duty]:
        return [duty for duty in self.duties if duty.soort == soort]

    @property
    def verplichte_duties(self) -> list[Duty]:
        return [duty for duty in self.duties if duty.verplicht]


class Samenwerkfunctie(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A samenwerkfunctie with its worked-out texts (empty where the stelsel gives none yet)."""

    nummer: int
    code: str
    naam: str
    omschrijving: str
    uitgewerkte_omschrijving: str
    huidige_voorbeelden: str
    huidige_oplossingen: str
    gebruikersverhaal: str
    zakelijke_rechtvaardiging: str
    documentstatus: str


class SamenwerkfunctieInRelease(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """One samenwerkfunctie and the release it comes from."""

    release: ReleaseRef
    samenwerkfunctie: Samenwerkfunctie


class Grondslag(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A law or treaty of the legal frame."""

    code: str
    wet: str
    toelichting: str
    documentstatus: str


class ReleasePage(Page[T], Generic[T]):
    """A page of a list taken from one release; ``release`` says which."""

    release: ReleaseRef


# --- differences ----------------------------------------------------------------------------------


class Veldwijziging(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """One field that differs: its value in the older and in the newer release."""

    veld: str
    oud: Waarde
    nieuw: Waarde


class Onderdeel(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """An entry (role, function, grondslag, …) named by its code and name."""

    code: str
    naam: str


class Onderdeelwijziging(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """An entry present in both releases, with the fields that differ."""

    code: str
    naam: str
    velden: list[Veldwijziging]


class Onderdeelverschil(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """Entries of one kind added, removed or changed."""

    toegevoegd: list[Onderdeel] = msgspec.field(default_factory=list)
    verwijderd: list[Onderdeel] = msgspec.field(default_factory=list)
    gewijzigd: list[Onderdeelwijziging] = msgspec.field(default_factory=list)

    @property
    def leeg(self) -> bool:
        return not (self.toegevoegd or self.verwijderd or self.gewijzigd)


class DutyRef(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A duty added to or removed from a role."""

    code: str
    soort: str
    tekst: str
    verplicht: bool


class Dutyverschil(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """How a role's duty list differs: added, removed and changed duties, and the order."""

    toegevoegd: list[DutyRef] = msgspec.field(default_factory=list)
    verwijderd: list[DutyRef] = msgspec.field(default_factory=list)
    gewijzigd: list[Onderdeelwijziging] = msgspec.field(default_factory=list)
    volgorde_gewijzigd: bool = False

    @property
    def leeg(self) -> bool:
        return not (self.toegevoegd or self.verwijderd or self.gewijzigd or self.volgorde_gewijzigd)


class Rolwijziging(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A role present in both releases: its changed fields, duties and relations."""

    code: str
    naam: str
    velden: list[Veldwijziging]
    duties: Dutyverschil
    relaties_toegevoegd: list[Relatie]
    relaties_verwijderd: list[Relatie]


class Rolverschil(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """Roles added, removed or changed."""

    toegevoegd: list[Onderdeel] = msgspec.field(default_factory=list)
    verwijderd: list[Onderdeel] = msgspec.field(default_factory=list)
    gewijzigd: list[Rolwijziging] = msgspec.field(default_factory=list)

    @property
    def leeg(self) -> bool:
        return not (self.toegevoegd or self.verwijderd or self.gewijzigd)


class Releaseverschil(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """What changed from release ``van`` (the older) to release ``naar``."""

    van: ReleaseRef
    naar: ReleaseRef
    release: list[Veldwijziging]
    rollen: Rolverschil
    samenwerkfuncties: Onderdeelverschil
    samenwerkpatronen: Onderdeelverschil
    grondslagen: Onderdeelverschil
    samenwerkingsproces: Onderdeelverschil

    @property
    def leeg(self) -> bool:
        return not self.release and all(
            part.leeg
            for part in (
                self.rollen,
                self.samenwerkfuncties,
                self.samenwerkpatronen,
                self.grondslagen,
                self.samenwerkingsproces,
            )
        )


# --- input of the editing services ----------------------------------------------------------------

# The longest text, in characters, each field of a concept release takes: room for the longest
# texts of the stelsel's source documents several times over (a role's toelichting is about 700
# characters, a duty about 250), short enough to read in the catalogue and in an intake. The
# editing services refuse a longer text at its field; the forms say the limit.
NAAM_LENGTE = 200
TITEL_LENGTE = 300
KORTE_TEKST_LENGTE = 1000
TEKST_LENGTE = 5000

RELEASE_MAXIMA: dict[str, int] = {"titel": TITEL_LENGTE, "toelichting": TEKST_LENGTE}
ROL_MAXIMA: dict[str, int] = {
    "naam": NAAM_LENGTE,
    "toelichting": TEKST_LENGTE,
    "invulling": KORTE_TEKST_LENGTE,
    "bron": KORTE_TEKST_LENGTE,
}
DUTY_MAXIMA: dict[str, int] = {"tekst": KORTE_TEKST_LENGTE}
SAMENWERKFUNCTIE_MAXIMA: dict[str, int] = {
    "naam": NAAM_LENGTE,
    "omschrijving": KORTE_TEKST_LENGTE,
    "uitgewerkte_omschrijving": TEKST_LENGTE,
    "huidige_voorbeelden": TEKST_LENGTE,
    "huidige_oplossingen": TEKST_LENGTE,
    "gebruikersverhaal": TEKST_LENGTE,
    "zakelijke_rechtvaardiging": TEKST_LENGTE,
}
GRONDSLAG_MAXIMA: dict[str, int] = {"wet": KORTE_TEKST_LENGTE, "toelichting": TEKST_LENGTE}


class ReleaseInvoer(msgspec.Struct, kw_only=True):
    """The texts of a release a beheerder can change while it is a concept."""

    titel: str
    toelichting: str
    ingangsdatum: str = ""  # ISO date (YYYY-MM-DD) or empty


class RolInvoer(msgspec.Struct, kw_only=True):
    """A role as entered in a form; ``code`` is only used when the role is added."""

    code: str = ""
    naam: str = ""
    roltype: str = ""
    toelichting: str = ""
    toelichting_afgeleid: bool = False
    invulling: str = ""
    verklaring_vereist: bool = False
    documentstatus: str = ""  # empty: the source gives no status
    bron: str = ""
    duties_afgeleid: bool = False


class DutyInvoer(msgspec.Struct, kw_only=True):
    """A duty as entered in a form.

    ``rol`` is the code of the role (of the same release) the duty belongs to. ``code`` may be
    left empty when adding: the next free ``<rol>-<t|v|b><nn>`` is taken.
    """

    rol: str = ""
    code: str = ""
    soort: str = ""
    tekst: str = ""
    verplicht: bool = True


class RelatieInvoer(msgspec.Struct, kw_only=True):
    soort: str = ""
    rol: str = ""


class SamenwerkfunctieInvoer(msgspec.Struct, kw_only=True):
    code: str = ""
    naam: str = ""
    omschrijving: str = ""
    uitgewerkte_omschrijving: str = ""
    huidige_voorbeelden: str = ""
    huidige_oplossingen: str = ""
    gebruikersverhaal: str = ""
    zakelijke_rechtvaardiging: str = ""
    documentstatus: str = ""


class GrondslagInvoer(msgspec.Struct, kw_only=True):
    code: str = ""
    wet: str = ""
    toelichting: str = ""
    documentstatus: str = ""
