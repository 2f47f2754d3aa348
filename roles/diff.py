"""The differences between two catalogue releases, entry by entry and field by field.

Entries are matched by their stable code (steps of the samenwerkingsproces by their number), so a
renamed role is *changed*, not removed and added. The result is a
:class:`roles.schemas.Releaseverschil`, which the API returns as it is and the pages render.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from roles import catalogue_file as cf
from roles.schemas import (
    DutyRef,
    Dutyverschil,
    Onderdeel,
    Onderdeelverschil,
    Onderdeelwijziging,
    Relatie,
    ReleaseRef,
    Releaseverschil,
    Rolverschil,
    Rolwijziging,
    Veldwijziging,
    Waarde,
)

E = TypeVar("E")

ROL_VELDEN = (
    "naam",
    "roltype",
    "toelichting",
    "toelichting_afgeleid",
    "invulling",
    "verklaring_vereist",
    "documentstatus",
    "bron",
    "duties_afgeleid",
)
DUTY_VELDEN = ("soort", "tekst", "verplicht")
FUNCTIE_VELDEN = (
    "nummer",
    "naam",
    "omschrijving",
    "uitgewerkte_omschrijving",
    "huidige_voorbeelden",
    "huidige_oplossingen",
    "gebruikersverhaal",
    "zakelijke_rechtvaardiging",
    "documentstatus",
)
PATROON_VELDEN = ("letter", "naam", "omschrijving", "documentstatus")
GRONDSLAG_VELDEN = ("wet", "toelichting", "documentstatus")
STAP_VELDEN = ("naam", "omschrijving", "documentstatus")
RELEASE_VELDEN = ("titel", "toelichting", "ingangsdatum")


def _waarde(value: object) -> Waarde:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def velden(old: object, new: object, names: Iterable[str]) -> list[Veldwijziging]:
    """The named fields whose value differs between ``old`` and ``new``."""
    changed: list[Veldwijziging] = []
    for name in names:
        before, after = _waarde(getattr(old, name)), _waarde(getattr(new, name))
        if before != after:
            changed.append(Veldwijziging(veld=name, oud=before, nieuw=after))
    return changed


def _onderdelen(
    old: Sequence[E],
    new: Sequence[E],
    *,
    key: Callable[[E], str],
    naam: Callable[[E], str],
    names: Sequence[str],
) -> Onderdeelverschil:
    before = {key(entry): entry for entry in old}
    after = {key(entry): entry for entry in new}
    gewijzigd: list[Onderdeelwijziging] = []
    for code, entry in after.items():
        if code in before and (changes := velden(before[code], entry, names)):
            gewijzigd.append(Onderdeelwijziging(code=code, naam=naam(entry), velden=changes))
    return Onderdeelverschil(
        toegevoegd=[
            Onderdeel(code=code, naam=naam(entry)) for code, entry in after.items() if code not in before
        ],
        verwijderd=[
            Onderdeel(code=code, naam=naam(entry)) for code, entry in before.items() if code not in after
        ],
        gewijzigd=gewijzigd,
    )


def _duty_ref(duty: cf.Duty) -> DutyRef:
    return DutyRef(code=duty.code, soort=str(duty.soort), tekst=duty.tekst, verplicht=duty.verplicht)


def _duties(old: Sequence[cf.Duty], new: Sequence[cf.Duty]) -> Dutyverschil:
    before = {duty.code: duty for duty in old}
    after = {duty.code: duty for duty in new}
    gewijzigd = [
        Onderdeelwijziging(code=code, naam=duty.tekst, velden=changes)
        for code, duty in after.items()
        if code in before and (changes := velden(before[code], duty, DUTY_VELDEN))
    ]
    kept_before = [code for code in before if code in after]
    kept_after = [code for code in after if code in before]
    return Dutyverschil(
        toegevoegd=[_duty_ref(duty) for code, duty in after.items() if code not in before],
        verwijderd=[_duty_ref(duty) for code, duty in before.items() if code not in after],
        gewijzigd=gewijzigd,
        volgorde_gewijzigd=kept_before != kept_after,
    )


def _relatie(relatie: cf.Relatie) -> Relatie:
    return Relatie(soort=str(relatie.soort), rol=relatie.rol)


def _rollen(old: Sequence[cf.Rol], new: Sequence[cf.Rol]) -> Rolverschil:
    before = {rol.code: rol for rol in old}
    after = {rol.code: rol for rol in new}
    gewijzigd: list[Rolwijziging] = []
    for code, rol in after.items():
        if code not in before:
            continue
        earlier = before[code]
        changes = velden(earlier, rol, ROL_VELDEN)
        duties = _duties(earlier.duties, rol.duties)
        relaties_before = [_relatie(relatie) for relatie in earlier.relaties]
        relaties_after = [_relatie(relatie) for relatie in rol.relaties]
        toegevoegd = [relatie for relatie in relaties_after if relatie not in relaties_before]
        verwijderd = [relatie for relatie in relaties_before if relatie not in relaties_after]
        if changes or not duties.leeg or toegevoegd or verwijderd:
            gewijzigd.append(
                Rolwijziging(
                    code=code,
                    naam=rol.naam,
                    velden=changes,
                    duties=duties,
                    relaties_toegevoegd=toegevoegd,
                    relaties_verwijderd=verwijderd,
                )
            )
    return Rolverschil(
        toegevoegd=[Onderdeel(code=code, naam=rol.naam) for code, rol in after.items() if code not in before],
        verwijderd=[Onderdeel(code=code, naam=rol.naam) for code, rol in before.items() if code not in after],
        gewijzigd=gewijzigd,
    )


def compare(old: cf.CatalogueFile, new: cf.CatalogueFile) -> Releaseverschil:
    """What changed from release ``old`` to release ``new``."""
    return Releaseverschil(
        van=ReleaseRef(versie=old.release.versie, status=str(old.release.status)),
        naar=ReleaseRef(versie=new.release.versie, status=str(new.release.status)),
        release=velden(old.release, new.release, RELEASE_VELDEN),
        rollen=_rollen(old.rollen, new.rollen),
        samenwerkfuncties=_onderdelen(
            old.samenwerkfuncties,
            new.samenwerkfuncties,
            key=lambda f: f.code,
            naam=lambda f: f.naam,
            names=FUNCTIE_VELDEN,
        ),
        samenwerkpatronen=_onderdelen(
            old.samenwerkpatronen,
            new.samenwerkpatronen,
            key=lambda p: p.code,
            naam=lambda p: p.naam,
            names=PATROON_VELDEN,
        ),
        grondslagen=_onderdelen(
            old.grondslagen,
            new.grondslagen,
            key=lambda g: g.code,
            naam=lambda g: g.wet,
            names=GRONDSLAG_VELDEN,
        ),
        samenwerkingsproces=_onderdelen(
            old.samenwerkingsproces,
            new.samenwerkingsproces,
            key=lambda s: str(s.stap),
            naam=lambda s: s.naam,
            names=STAP_VELDEN,
        ),
    )
