"""Editing a concept release: its texts, roles, duties, relations, samenwerkfuncties, grondslagen.

Only a ``concept`` release can be edited; any other status is refused with
:class:`~registry.errors.InvalidTransition` before anything is written. Input arrives as the
``…Invoer`` structs of :mod:`roles.schemas`; every invalid field is reported at once with
:class:`~registry.errors.ValidationFailed`, whose parameter names are the form field names
(``code``, ``naam``, ``roltype``, ``soort``, ``rol``, …). After each change the whole release is
checked against the rules of the catalogue format, so a concept can always be exported and
published; a change that would break a rule is refused and rolled back as a whole.

Each function is one audited write with one audit event holding the changed fields.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, WriteTransaction, audited_write, changes_between, snapshot
from registry.clock import Clock
from registry.database import Base
from registry.errors import Conflict, InvalidParam, InvalidTransition, NotFound, ValidationFailed
from roles import catalogue_file as cf
from roles import models, repository, schemas
from roles.services import RELEASE_FIELDS, STATUS_IN_ZIN, get_rol

__all__ = [
    "add_duty",
    "add_grondslag",
    "add_relatie",
    "add_rol",
    "add_samenwerkfunctie",
    "move_duty",
    "remove_duty",
    "remove_grondslag",
    "remove_relatie",
    "remove_rol",
    "remove_samenwerkfunctie",
    "update_duty",
    "update_grondslag",
    "update_release",
    "update_rol",
    "update_samenwerkfunctie",
]

ROL_FIELDS = schemas.RolInvoer.__struct_fields__  # everything the role form sets
DUTY_FIELDS = ("code", "soort", "tekst", "verplicht", "positie")
FUNCTIE_FIELDS = schemas.Samenwerkfunctie.__struct_fields__
GRONDSLAG_FIELDS = (*schemas.Grondslag.__struct_fields__, "positie")
_VELDNAAM = {
    "titel": "de titel",
    "toelichting": "de toelichting",
    "naam": "de naam",
    "invulling": "de invulling",
    "bron": "de bron",
    "tekst": "de tekst",
    "omschrijving": "de omschrijving",
    "uitgewerkte_omschrijving": "de uitgewerkte omschrijving",
    "huidige_voorbeelden": "de huidige voorbeelden",
    "huidige_oplossingen": "de huidige oplossingen",
    "gebruikersverhaal": "het gebruikersverhaal",
    "zakelijke_rechtvaardiging": "de zakelijke rechtvaardiging",
    "wet": "de wet of het verdrag",
}
_CODE = re.compile(cf.CODE_PATTERN)
DUTY = "taak, verantwoordelijkheid of bevoegdheid"  # a duty, in the words of the stelsel
_SOORT_LETTER = {"taak": "t", "verantwoordelijkheid": "v", "bevoegdheid": "b"}


# --- shared checks --------------------------------------------------------------------------------


async def _concept(session: AsyncSession, versie: str) -> models.Release:
    """The release, if it may be edited (read inside the write transaction, after the lock)."""
    release = await repository.release_by_versie(session, versie)
    if release is None:
        raise NotFound(f"Release {versie} van de catalogus bestaat niet.")
    if release.status != cf.Releasestatus.CONCEPT:
        raise InvalidTransition(
            f"Release {versie} is {STATUS_IN_ZIN.get(release.status, release.status)} en kan niet meer "
            "worden gewijzigd; alleen een concept "
            "is te bewerken. Maak een nieuwe release om wijzigingen voor te stellen."
        )
    return release


async def _check_release(session: AsyncSession, release: models.Release) -> None:
    """The release still satisfies every rule of the catalogue format after the change."""
    await session.flush()
    try:
        cf.dump_catalogue(await repository.read_content(session, release))
    except cf.CatalogueFileError as exc:
        raise ValidationFailed.single(
            exc.field or "inhoud", f"De catalogus voldoet dan niet aan de regels: {exc.problem}"
        ) from exc


def _too_long(problems: list[InvalidParam], name: str, value: str, limit: int) -> None:
    """A text longer than ``limit`` characters (a line break counts as one, as a browser counts it)."""
    length = len(value.replace("\r\n", "\n"))
    if length > limit:
        problems.append(
            InvalidParam(
                name,
                f"Ten hoogste {limit} tekens voor {_VELDNAAM.get(name, name)}; nu zijn het er {length}.",
                "too-long",
            )
        )


def _required(problems: list[InvalidParam], name: str, value: str, label: str, limit: int) -> str:
    value = value.strip()
    if not value:
        problems.append(InvalidParam(name, f"Vul {label} in.", "required"))
    else:
        _too_long(problems, name, value, limit)
    return value


def _optional(problems: list[InvalidParam], name: str, value: str, limit: int) -> str:
    value = value.strip()
    _too_long(problems, name, value, limit)
    return value


def _new_code(problems: list[InvalidParam], value: str, taken: Iterable[str], what: str) -> str:
    code = value.strip()
    if not code:
        problems.append(InvalidParam("code", f"Vul een code in voor de {what}.", "required"))
    elif not _CODE.fullmatch(code) or len(code) > models.CODE_LENGTH:
        problems.append(
            InvalidParam(
                "code",
                f"'{code}' is geen geldige code: gebruik kleine letters en cijfers, woorden gescheiden "
                f"door '-' (zoals 'gtk-beheerder'), hoogstens {models.CODE_LENGTH} tekens.",
                "pattern",
            )
        )
    elif code in set(taken):
        problems.append(
            InvalidParam("code", f"De code '{code}' is in deze release al in gebruik.", "duplicate")
        )
    return code


def _one_of(problems: list[InvalidParam], name: str, value: str, allowed: Iterable[str], label: str) -> str:
    """``value`` if it is one of ``allowed``; else the problem, as "Kies de soort: taak, … of …"."""
    value = value.strip()
    options = [str(option) for option in allowed]
    keuzes = f"{', '.join(options[:-1])} of {options[-1]}" if len(options) > 1 else "".join(options)
    if not value:
        problems.append(InvalidParam(name, f"Kies {label}: {keuzes}.", "required"))
    elif value not in options:
        problems.append(
            InvalidParam(name, f"'{value}' is geen geldige keuze. Kies {label}: {keuzes}.", "unknown-value")
        )
    return value


def _raise(problems: list[InvalidParam]) -> None:
    """Refuse with every problem found; the detail names them all, in the order of the form."""
    if len(problems) == 1:
        raise ValidationFailed(problems, detail=problems[0].reason)
    if problems:
        raise ValidationFailed(
            problems, detail="De invoer bevat fouten: " + " ".join(p.reason for p in problems)
        )


def _release_snapshot(
    entity: object, fields: tuple[str, ...], versie: str, **extra: object
) -> dict[str, object]:
    return {**snapshot(entity, fields), "release": versie, **extra}


Found = TypeVar("Found")


def _found(entity: Found | None, what: str, code: str, release: models.Release) -> Found:
    if entity is None:
        raise NotFound(f"De {what} '{code}' staat niet in release {release.versie}.")
    return entity


def _documentstatus(problems: list[InvalidParam], value: str) -> str:
    return _one_of(problems, "documentstatus", value, cf.Documentstatus, "de documentstatus")


async def _added(
    tx: WriteTransaction,
    session: AsyncSession,
    release: models.Release,
    entity: Base,
    fields: tuple[str, ...],
    soort: str,
    **extra: object,
) -> None:
    """Add a new entity of the release; the audit event ``<soort>.toegevoegd`` holds its fields."""
    session.add(entity)
    await _check_release(session, release)
    after = _release_snapshot(entity, fields, release.versie, **extra)
    tx.record(f"{soort}.toegevoegd", soort, entity.id, changes_between({}, after))


async def _changed(
    tx: WriteTransaction,
    session: AsyncSession,
    release: models.Release,
    entity: Base,
    fields: tuple[str, ...],
    values: dict[str, object],
    soort: str,
) -> None:
    """Set the fields of an entity; ``<soort>.gewijzigd`` holds the ones that changed, if any."""
    before = snapshot(entity, fields)
    for name, value in values.items():
        setattr(entity, name, value)
    await _check_release(session, release)
    if changes := changes_between(before, snapshot(entity, fields)):
        tx.record(f"{soort}.gewijzigd", soort, entity.id, changes)


async def _removed(
    tx: WriteTransaction,
    session: AsyncSession,
    release: models.Release,
    entity: Base,
    before: dict[str, object],
    soort: str,
) -> None:
    """Remove an entity of the release; ``<soort>.verwijderd`` holds what it was (``before``)."""
    await session.delete(entity)
    await _check_release(session, release)
    tx.record(f"{soort}.verwijderd", soort, entity.id, changes_between(before, {}))


# --- the release's own texts -------------------------------------------------------------------------


async def update_release(
    session: AsyncSession, versie: str, invoer: schemas.ReleaseInvoer, *, actor: Actor, clock: Clock
) -> schemas.Release:
    problems: list[InvalidParam] = []
    maxima = schemas.RELEASE_MAXIMA
    titel = _required(problems, "titel", invoer.titel, "een titel", maxima["titel"])
    toelichting = _required(
        problems, "toelichting", invoer.toelichting, "een toelichting", maxima["toelichting"]
    )
    ingangsdatum: datetime.date | None = None
    if invoer.ingangsdatum.strip():
        try:
            ingangsdatum = datetime.date.fromisoformat(invoer.ingangsdatum.strip())
        except ValueError:
            problems.append(InvalidParam("ingangsdatum", "Vul een datum in als JJJJ-MM-DD.", "date"))
    _raise(problems)
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        before = snapshot(release, RELEASE_FIELDS)
        release.titel, release.toelichting, release.ingangsdatum = titel, toelichting, ingangsdatum
        if changes := changes_between(before, snapshot(release, RELEASE_FIELDS)):
            tx.record("release.gewijzigd", "release", release.id, changes)
    return repository.release_schema(release)


# --- roles ------------------------------------------------------------------------------------------


def _rol_values(problems: list[InvalidParam], invoer: schemas.RolInvoer) -> dict[str, object]:
    documentstatus = invoer.documentstatus.strip()
    if documentstatus:
        _documentstatus(problems, documentstatus)
    maxima = schemas.ROL_MAXIMA
    return {
        "naam": _required(problems, "naam", invoer.naam, "een naam", maxima["naam"]),
        "roltype": _one_of(problems, "roltype", invoer.roltype, cf.Roltype, "het roltype"),
        "toelichting": _required(
            problems, "toelichting", invoer.toelichting, "een toelichting", maxima["toelichting"]
        ),
        "toelichting_afgeleid": invoer.toelichting_afgeleid,
        "invulling": _optional(problems, "invulling", invoer.invulling, maxima["invulling"]),
        "verklaring_vereist": invoer.verklaring_vereist,
        "documentstatus": documentstatus or None,
        "bron": _required(problems, "bron", invoer.bron, "de bron", maxima["bron"]),
        "duties_afgeleid": invoer.duties_afgeleid,
    }


def _duty_list_rules(
    problems: list[InvalidParam], values: dict[str, object], duties: list[models.Duty]
) -> None:
    if values["verklaring_vereist"] and not any(duty.verplicht for duty in duties):
        problems.append(
            InvalidParam(
                "verklaring_vereist",
                "Een rol waarvoor een verklaring nodig is, moet minstens één verplichte taak, "
                "verantwoordelijkheid of bevoegdheid hebben; voeg die eerst toe.",
            )
        )
    if values["duties_afgeleid"] and not duties:
        problems.append(
            InvalidParam(
                "duties_afgeleid",
                "Een afgeleide takenlijst kan niet leeg zijn; voeg eerst taken, verantwoordelijkheden of "
                "bevoegdheden toe.",
            )
        )


async def add_rol(
    session: AsyncSession, versie: str, invoer: schemas.RolInvoer, *, actor: Actor, clock: Clock
) -> schemas.Rol:
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        problems: list[InvalidParam] = []
        taken = [rol.code for rol in await repository.rollen_of(session, release)]
        code = _new_code(problems, invoer.code, taken, "rol")
        values = _rol_values(problems, invoer)
        _duty_list_rules(problems, values, [])
        _raise(problems)
        positie = await session.scalar(
            select(func.coalesce(func.max(models.Rol.positie), 0)).where(models.Rol.release_id == release.id)
        )
        rol = models.Rol(release_id=release.id, positie=int(positie or 0) + 1, code=code, **values)
        await _added(tx, session, release, rol, ROL_FIELDS, "rol")
    return await get_rol(session, code, versie, include_concept=True)


async def _rol(session: AsyncSession, release: models.Release, code: str) -> models.Rol:
    return _found(await repository.rol_by_code(session, release, code), "rol", code, release)


async def update_rol(
    session: AsyncSession, versie: str, code: str, invoer: schemas.RolInvoer, *, actor: Actor, clock: Clock
) -> schemas.Rol:
    """Change a role's texts and flags; its code stays (codes are stable identifiers)."""
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        rol = await _rol(session, release, code)
        problems: list[InvalidParam] = []
        values = _rol_values(problems, invoer)
        _duty_list_rules(problems, values, await repository.duties_of(session, rol))
        _raise(problems)
        await _changed(tx, session, release, rol, ROL_FIELDS, values, "rol")
    return await get_rol(session, code, versie, include_concept=True)


async def remove_rol(session: AsyncSession, versie: str, code: str, *, actor: Actor, clock: Clock) -> None:
    """Remove a role with its duties and relations; refused while other roles relate to it."""
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        rol = await _rol(session, release, code)
        if incoming := await repository.relaties_naar(session, rol):
            names = ", ".join(f"{other} ({soort})" for other, soort in incoming)
            raise Conflict(
                f"De rol '{code}' kan niet weg: andere rollen verwijzen ernaar ({names}). "
                "Verwijder eerst die relaties."
            )
        duties = await repository.duties_of(session, rol)
        before = _release_snapshot(rol, ROL_FIELDS, versie, duties=[duty.code for duty in duties])
        await _removed(tx, session, release, rol, before, "rol")


# --- relations --------------------------------------------------------------------------------------


def _record_relaties(
    tx: WriteTransaction, action: str, rol: models.Rol, before: list[str], after: list[str]
) -> None:
    """A relation change is an event of the role: its relations ("<soort> <rol>") before and after."""
    tx.record(action, "rol", rol.id, {"relaties": {"before": before, "after": after}})


async def add_relatie(
    session: AsyncSession,
    versie: str,
    code: str,
    invoer: schemas.RelatieInvoer,
    *,
    actor: Actor,
    clock: Clock,
) -> schemas.Rol:
    """Relate role ``code`` to another role of the same release: "<code> <soort> <rol>"."""
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        rol = await _rol(session, release, code)
        problems: list[InvalidParam] = []
        soort = _one_of(problems, "soort", invoer.soort, cf.Relatiesoort, "de soort relatie")
        doelrol = invoer.rol.strip()
        existing = await repository.relaties_of(session, rol)
        if await repository.rol_by_code(session, release, doelrol) is None:
            problems.append(
                InvalidParam("rol", f"De rol '{doelrol}' staat niet in release {versie}.", "unknown")
            )
        elif doelrol == code:
            problems.append(InvalidParam("rol", "Een rol kan geen relatie met zichzelf hebben.", "self"))
        elif any(r.soort == soort and r.doelrol == doelrol for r in existing):
            problems.append(InvalidParam("rol", f"De relatie '{soort} {doelrol}' bestaat al.", "duplicate"))
        _raise(problems)
        before = [f"{r.soort} {r.doelrol}" for r in existing]
        relatie = models.Rolrelatie(
            release_id=release.id,
            rol_id=rol.id,
            positie=max((r.positie for r in existing), default=0) + 1,
            soort=soort,
            doelrol=doelrol,
        )
        session.add(relatie)
        await _check_release(session, release)
        _record_relaties(tx, "rol.relatie-toegevoegd", rol, before, [*before, f"{soort} {doelrol}"])
    return await get_rol(session, code, versie, include_concept=True)


async def remove_relatie(
    session: AsyncSession,
    versie: str,
    code: str,
    invoer: schemas.RelatieInvoer,
    *,
    actor: Actor,
    clock: Clock,
) -> schemas.Rol:
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        rol = await _rol(session, release, code)
        existing = await repository.relaties_of(session, rol)
        relatie = next(
            (r for r in existing if r.soort == invoer.soort.strip() and r.doelrol == invoer.rol.strip()),
            None,
        )
        if relatie is None:
            raise NotFound(f"De rol '{code}' heeft geen relatie '{invoer.soort} {invoer.rol}'.")
        await session.delete(relatie)
        await _check_release(session, release)
        before = [f"{r.soort} {r.doelrol}" for r in existing]
        after = [r for r in before if r != f"{relatie.soort} {relatie.doelrol}"]
        _record_relaties(tx, "rol.relatie-verwijderd", rol, before, after)
    return await get_rol(session, code, versie, include_concept=True)


# --- duties -----------------------------------------------------------------------------------------


def _next_duty_code(rol: models.Rol, soort: str, taken: set[str]) -> str:
    """``<rol>-<t|v|b><nn>``: the naming of the catalogue files, with the next free number."""
    prefix = f"{rol.code}-{_SOORT_LETTER[soort]}"
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    numbers = [int(match.group(1)) for code in taken if (match := pattern.match(code))]
    code = f"{prefix}{max(numbers, default=0) + 1:02d}"
    return code[-models.CODE_LENGTH :] if len(code) > models.CODE_LENGTH else code


async def _duty_rol(
    session: AsyncSession, problems: list[InvalidParam], release: models.Release, code: str
) -> models.Rol | None:
    """The role a duty is put on; it must be a role of this very release."""
    code = code.strip()
    if not code:
        problems.append(InvalidParam("rol", f"Kies de rol waar deze {DUTY} bij hoort.", "required"))
        return None
    rol = await repository.rol_by_code(session, release, code)
    if rol is None:
        problems.append(
            InvalidParam(
                "rol",
                f"De rol '{code}' hoort niet bij release {release.versie}; een {DUTY} kan alleen "
                "bij een rol van dezelfde release horen.",
                "other-release",
            )
        )
    return rol


def _mandatory_rules(problems: list[InvalidParam], rol: models.Rol, verplicht: int, total: int) -> None:
    """What a role needs of its duty list after a change (``verplicht`` and ``total`` duties left):
    a verplicht duty when it needs a verklaring, and any duty when the stelsel wrote the list."""
    if rol.verklaring_vereist and verplicht == 0:
        problems.append(
            InvalidParam(
                "verplicht",
                f"De rol '{rol.code}' vereist een verklaring en moet minstens één verplichte {DUTY} houden.",
            )
        )
    if rol.duties_afgeleid and total == 0:
        problems.append(
            InvalidParam("code", f"De afgeleide takenlijst van de rol '{rol.code}' kan niet leeg worden.")
        )


async def add_duty(
    session: AsyncSession, versie: str, invoer: schemas.DutyInvoer, *, actor: Actor, clock: Clock
) -> schemas.Rol:
    """Add a duty at the end of the list of role ``invoer.rol``; returns that role."""
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        problems: list[InvalidParam] = []
        rol = await _duty_rol(session, problems, release, invoer.rol)
        soort = _one_of(problems, "soort", invoer.soort, cf.Dutysoort, "de soort")
        tekst = _required(problems, "tekst", invoer.tekst, "de tekst", schemas.DUTY_MAXIMA["tekst"])
        taken = await repository.duty_codes_of(session, release)
        if invoer.code.strip():
            code = _new_code(problems, invoer.code, taken, DUTY)
        elif rol is not None and soort in _SOORT_LETTER:
            code = _next_duty_code(rol, soort, taken)
        else:
            code = ""
        _raise(problems)
        assert rol is not None
        duties = await repository.duties_of(session, rol)
        duty = models.Duty(
            release_id=release.id,
            rol_id=rol.id,
            positie=max((d.positie for d in duties), default=0) + 1,
            code=code,
            soort=soort,
            tekst=tekst,
            verplicht=invoer.verplicht,
        )
        await _added(tx, session, release, duty, DUTY_FIELDS, "duty", rol=rol.code)
    return await get_rol(session, rol.code, versie, include_concept=True)


async def _duty(session: AsyncSession, release: models.Release, code: str) -> models.Duty:
    return _found(await repository.duty_by_code(session, release, code), DUTY, code, release)


async def _owner(session: AsyncSession, duty: models.Duty) -> models.Rol:
    rol = await session.get(models.Rol, duty.rol_id)
    assert rol is not None  # the foreign key guarantees it
    return rol


async def update_duty(
    session: AsyncSession, versie: str, code: str, invoer: schemas.DutyInvoer, *, actor: Actor, clock: Clock
) -> schemas.Rol:
    """Change a duty's soort, tekst or verplicht, or move it to another role of the same release
    (``invoer.rol``; empty keeps its role). Its code stays. Returns the role it belongs to."""
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        duty = await _duty(session, release, code)
        owner = await _owner(session, duty)
        problems: list[InvalidParam] = []
        rol = owner if not invoer.rol.strip() else await _duty_rol(session, problems, release, invoer.rol)
        soort = _one_of(problems, "soort", invoer.soort, cf.Dutysoort, "de soort")
        tekst = _required(problems, "tekst", invoer.tekst, "de tekst", schemas.DUTY_MAXIMA["tekst"])
        others = [d for d in await repository.duties_of(session, owner) if d.id != duty.id]
        stays = rol is None or rol is owner
        verplicht = sum(d.verplicht for d in others) + int(stays and invoer.verplicht)
        _mandatory_rules(problems, owner, verplicht, len(others) + int(stays))
        _raise(problems)
        assert rol is not None
        before = _release_snapshot(duty, DUTY_FIELDS, versie, rol=owner.code)
        if rol is not owner:
            duty.rol_id = rol.id
            duty.positie = max((d.positie for d in await repository.duties_of(session, rol)), default=0) + 1
        duty.soort, duty.tekst, duty.verplicht = soort, tekst, invoer.verplicht
        await _check_release(session, release)
        if changes := changes_between(before, _release_snapshot(duty, DUTY_FIELDS, versie, rol=rol.code)):
            tx.record("duty.gewijzigd", "duty", duty.id, changes)
    return await get_rol(session, rol.code, versie, include_concept=True)


async def remove_duty(
    session: AsyncSession, versie: str, code: str, *, actor: Actor, clock: Clock
) -> schemas.Rol:
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        duty = await _duty(session, release, code)
        rol = await _owner(session, duty)
        problems: list[InvalidParam] = []
        others = [d for d in await repository.duties_of(session, rol) if d.id != duty.id]
        _mandatory_rules(problems, rol, sum(d.verplicht for d in others), len(others))
        _raise(problems)
        before = _release_snapshot(duty, DUTY_FIELDS, versie, rol=rol.code)
        await _removed(tx, session, release, duty, before, "duty")
    return await get_rol(session, rol.code, versie, include_concept=True)


async def move_duty(
    session: AsyncSession, versie: str, code: str, richting: str, *, actor: Actor, clock: Clock
) -> schemas.Rol:
    """Move a duty one place ``omhoog`` (earlier) or ``omlaag`` (later) in its role's list."""
    if richting not in {"omhoog", "omlaag"}:
        raise ValidationFailed.single("richting", "Kies omhoog of omlaag.")
    async with audited_write(session, actor, clock) as tx:
        release = await _concept(session, versie)
        duty = await _duty(session, release, code)
        rol = await _owner(session, duty)
        duties = await repository.duties_of(session, rol)
        index = next(i for i, d in enumerate(duties) if d.id == duty.id)
        other_index = index - 1 if richting == "omhoog" else index + 1
        if 0 <= other_index < len(duties):
            other = duties[other_index]
            before = duty.positie
            duty.positie, other.positie = other.positie, duty.positie
            tx.record(
                "duty.verplaatst",
                "duty",
                duty.id,
                {"positie": {"before": before, "after": duty.positie}},
            )
    return await get_rol(session, rol.code, versie, include_concept=True)


# --- samenwerkfuncties and grondslagen ----------------------------------------------------------------

Entry = TypeVar("Entry", models.Samenwerkfunctie, models.Grondslag)
Invoer = TypeVar("Invoer", schemas.SamenwerkfunctieInvoer, schemas.GrondslagInvoer)
Read = TypeVar("Read", schemas.Samenwerkfunctie, schemas.Grondslag)


@dataclass(frozen=True, slots=True)
class Lijst(Generic[Entry, Invoer, Read]):
    """A list a release keeps besides its roles, edited alike: samenwerkfuncties and grondslagen.

    A new entry goes at the end of the list with a code of its own; a change keeps the code; every
    change is one audit event ``<soort>.toegevoegd|gewijzigd|verwijderd`` of entity type ``soort``.
    """

    soort: str
    fields: tuple[str, ...]
    model: Callable[..., Entry]
    entries: Callable[[AsyncSession, models.Release], Awaitable[list[Entry]]]
    by_code: Callable[[AsyncSession, models.Release, str], Awaitable[Entry | None]]
    values: Callable[[list[InvalidParam], Invoer], dict[str, object]]
    schema: Callable[[Entry], Read]
    place: Callable[[list[Entry]], dict[str, int]]  # the place of a new entry at the end
    close_gap: Callable[[list[Entry], Entry], None] | None = None  # after one is removed

    async def add(
        self, session: AsyncSession, versie: str, invoer: Invoer, *, actor: Actor, clock: Clock
    ) -> Read:
        async with audited_write(session, actor, clock) as tx:
            release = await _concept(session, versie)
            entries = await self.entries(session, release)
            problems: list[InvalidParam] = []
            code = _new_code(problems, invoer.code, [e.code for e in entries], self.soort)
            values = self.values(problems, invoer)
            _raise(problems)
            entry = self.model(release_id=release.id, code=code, **self.place(entries), **values)
            await _added(tx, session, release, entry, self.fields, self.soort)
        return self.schema(entry)

    async def update(
        self, session: AsyncSession, versie: str, code: str, invoer: Invoer, *, actor: Actor, clock: Clock
    ) -> Read:
        async with audited_write(session, actor, clock) as tx:
            release = await _concept(session, versie)
            entry = _found(await self.by_code(session, release, code), self.soort, code, release)
            problems: list[InvalidParam] = []
            values = self.values(problems, invoer)
            _raise(problems)
            await _changed(tx, session, release, entry, self.fields, values, self.soort)
        return self.schema(entry)

    async def remove(
        self, session: AsyncSession, versie: str, code: str, *, actor: Actor, clock: Clock
    ) -> None:
        async with audited_write(session, actor, clock) as tx:
            release = await _concept(session, versie)
            entry = _found(await self.by_code(session, release, code), self.soort, code, release)
            before = _release_snapshot(entry, self.fields, versie)
            if self.close_gap is not None:
                self.close_gap(await self.entries(session, release), entry)
            await _removed(tx, session, release, entry, before, self.soort)


def _functie_values(
    problems: list[InvalidParam], invoer: schemas.SamenwerkfunctieInvoer
) -> dict[str, object]:
    maxima = schemas.SAMENWERKFUNCTIE_MAXIMA
    optional = (
        "uitgewerkte_omschrijving",
        "huidige_voorbeelden",
        "huidige_oplossingen",
        "gebruikersverhaal",
        "zakelijke_rechtvaardiging",
    )
    return {
        "naam": _required(problems, "naam", invoer.naam, "een naam", maxima["naam"]),
        "omschrijving": _required(
            problems, "omschrijving", invoer.omschrijving, "een omschrijving", maxima["omschrijving"]
        ),
        **{name: _optional(problems, name, getattr(invoer, name), maxima[name]) for name in optional},
        "documentstatus": _documentstatus(problems, invoer.documentstatus),
    }


def _renumber(functies: list[models.Samenwerkfunctie], removed: models.Samenwerkfunctie) -> None:
    """The samenwerkfuncties after a removed one move up a number."""
    for later in functies:
        if later.nummer > removed.nummer:
            later.nummer -= 1


def _grondslag_values(problems: list[InvalidParam], invoer: schemas.GrondslagInvoer) -> dict[str, object]:
    maxima = schemas.GRONDSLAG_MAXIMA
    return {
        "wet": _required(problems, "wet", invoer.wet, "de wet of het verdrag", maxima["wet"]),
        "toelichting": _required(
            problems, "toelichting", invoer.toelichting, "een toelichting", maxima["toelichting"]
        ),
        "documentstatus": _documentstatus(problems, invoer.documentstatus),
    }


SAMENWERKFUNCTIES: Lijst[
    models.Samenwerkfunctie, schemas.SamenwerkfunctieInvoer, schemas.Samenwerkfunctie
] = Lijst(
    soort="samenwerkfunctie",
    fields=FUNCTIE_FIELDS,
    model=models.Samenwerkfunctie,
    entries=repository.samenwerkfuncties_of,
    by_code=repository.samenwerkfunctie_by_code,
    values=_functie_values,
    schema=lambda functie: schemas.Samenwerkfunctie(**snapshot(functie, FUNCTIE_FIELDS)),
    place=lambda functies: {"nummer": len(functies) + 1},
    close_gap=_renumber,
)
GRONDSLAGEN: Lijst[models.Grondslag, schemas.GrondslagInvoer, schemas.Grondslag] = Lijst(
    soort="grondslag",
    fields=GRONDSLAG_FIELDS,
    model=models.Grondslag,
    entries=repository.grondslagen_of,
    by_code=repository.grondslag_by_code,
    values=_grondslag_values,
    schema=lambda grondslag: schemas.Grondslag(
        code=grondslag.code,
        wet=grondslag.wet,
        toelichting=grondslag.toelichting,
        documentstatus=grondslag.documentstatus,
    ),
    place=lambda grondslagen: {"positie": max((g.positie for g in grondslagen), default=0) + 1},
)

# A samenwerkfunctie is added at the end of the list (it gets the next nummer); removing one moves
# the ones after it up a number.
add_samenwerkfunctie = SAMENWERKFUNCTIES.add
update_samenwerkfunctie = SAMENWERKFUNCTIES.update
remove_samenwerkfunctie = SAMENWERKFUNCTIES.remove
add_grondslag = GRONDSLAGEN.add
update_grondslag = GRONDSLAGEN.update
remove_grondslag = GRONDSLAGEN.remove
