"""The stelsel catalogue: reading releases, loading and exporting catalogue files, the life cycle.

Rules
    A release is ``concept`` → ``consultatie`` → ``definitief`` → ``vervallen``. Only a concept can
    be edited (see :mod:`roles.editing`). A new release is a copy of the latest definitive one and
    its versie must be higher than every existing versie. Publishing makes a release
    ``definitief`` and the previous definitive release ``vervallen``; a versie lower than the
    current definitive one is never published. Loading a catalogue file is idempotent: the same
    file twice changes nothing, and a definitive (or consultation, or expired) release is never
    overwritten with other content.

Visibility
    Readers see ``consultatie``, ``definitief`` and ``vervallen`` releases; ``concept`` releases
    only when the caller passes ``include_concept=True`` (pages and API do so for principals with
    ``Permission.CATALOGUS_LEZEN``). A concept release asked for without that permission is
    reported as not found. Without a versie the latest ``definitief`` release is meant.

For other domains (the ledenadministratie's role assignments, the verklaringen's intake list)
    - :func:`current_release` → the definitive :class:`~roles.schemas.Release`, or ``None``;
    - :func:`get_rol` ``(session, code, release=None)`` → the :class:`~roles.schemas.Rol` with its
      ordered duties and relations from that release (default: the definitive one), or
      :class:`~registry.errors.NotFound`;
    - :func:`rol_exists` ``(session, code, release=None)`` → whether that release has the role.
    Role codes are stable across releases; store the code together with the versie it was read
    from when the exact duty list matters (as an intake does).

Every write runs in :func:`registry.audit.services.audited_write` and records one audit event per
meaningful change with the fields before and after.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, WriteTransaction, audited_write, changes_between, snapshot
from registry.clock import Clock
from registry.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from roles import catalogue_file as cf
from roles import diff, models, repository, schemas
from roles.versies import is_higher, is_versie, versie_key

__all__ = [
    "Laadresultaat",
    "Laaduitkomst",
    "compare_releases",
    "create_release",
    "current_release",
    "export_catalogue",
    "get_release",
    "get_rol",
    "get_samenwerkfunctie",
    "list_grondslagen",
    "list_releases",
    "list_rollen",
    "list_samenwerkfuncties",
    "load_catalogue",
    "load_catalogue_file",
    "publish_release",
    "release_content",
    "release_detail",
    "rol_exists",
    "start_consultatie",
]

Status = cf.Releasestatus
STATUS_IN_ZIN: dict[str, str] = {
    Status.CONCEPT.value: "een concept",
    Status.CONSULTATIE.value: "in consultatie",
    Status.DEFINITIEF.value: "definitief",
    Status.VERVALLEN.value: "vervallen",
}
"""A release status as it reads after "Release 1.3.0 is …"."""
PUBLIC_STATUSES = frozenset({Status.CONSULTATIE, Status.DEFINITIEF, Status.VERVALLEN})
RELEASE_FIELDS = (
    "versie",
    "status",
    "titel",
    "toelichting",
    "ingangsdatum",
    "gebaseerd_op",
    "consultatie_vanaf",
    "gepubliceerd_op",
    "vervallen_op",
)


# --- finding a release ----------------------------------------------------------------------------


def _visible(release: models.Release, include_concept: bool) -> bool:
    return include_concept or release.status in PUBLIC_STATUSES


async def _release(
    session: AsyncSession, versie: str | None, *, include_concept: bool = False
) -> models.Release:
    """The release with this versie (default: the definitive one) if the caller may see it."""
    if versie is None:
        release = await repository.definitief_release(session)
        if release is None:
            raise NotFound("Er is nog geen definitieve release van de catalogus.")
        return release
    release = await repository.release_by_versie(session, versie)
    if release is None or not _visible(release, include_concept):
        raise NotFound(f"Release {versie} van de catalogus bestaat niet.")
    return release


async def list_releases(session: AsyncSession, *, include_concept: bool = False) -> list[schemas.Release]:
    """Every release the caller may see, newest versie first."""
    return [
        repository.release_schema(release)
        for release in await repository.all_releases(session)
        if _visible(release, include_concept)
    ]


async def get_release(
    session: AsyncSession, versie: str | None = None, *, include_concept: bool = False
) -> schemas.Release:
    """The release with this versie (default: the definitive one); ``NotFound`` if not visible."""
    return repository.release_schema(await _release(session, versie, include_concept=include_concept))


async def current_release(session: AsyncSession) -> schemas.Release | None:
    """The definitive release: the agreements in force now (``None`` before the first one)."""
    release = await repository.definitief_release(session)
    return repository.release_schema(release) if release else None


async def release_detail(
    session: AsyncSession, versie: str | None = None, *, include_concept: bool = False
) -> schemas.ReleaseDetail:
    release = await _release(session, versie, include_concept=include_concept)
    content = await repository.read_content(session, release)
    return schemas.ReleaseDetail(
        release=repository.release_schema(release),
        aantallen=schemas.Aantallen(
            rollen=len(content.rollen),
            duties=sum(len(rol.duties) for rol in content.rollen),
            samenwerkfuncties=len(content.samenwerkfuncties),
            samenwerkpatronen=len(content.samenwerkpatronen),
            grondslagen=len(content.grondslagen),
        ),
        samenwerkingsproces=[
            schemas.Processtap(
                stap=stap.stap,
                naam=stap.naam,
                omschrijving=stap.omschrijving,
                documentstatus=stap.documentstatus,
            )
            for stap in content.samenwerkingsproces
        ],
        samenwerkpatronen=[
            msgspec.convert(patroon, schemas.Samenwerkpatroon, from_attributes=True)
            for patroon in content.samenwerkpatronen
        ],
    )


async def release_content(
    session: AsyncSession, versie: str | None = None, *, include_concept: bool = False
) -> tuple[schemas.Release, cf.CatalogueFile]:
    """A release and its whole content, in the typed structure of the catalogue files."""
    release = await _release(session, versie, include_concept=include_concept)
    return repository.release_schema(release), await repository.read_content(session, release)


# --- roles and the other entries --------------------------------------------------------------------


def _rol_schema(release: models.Release, rol: cf.Rol) -> schemas.Rol:
    return schemas.Rol(
        release=repository.release_ref(release),
        code=rol.code,
        naam=rol.naam,
        roltype=str(rol.roltype),
        toelichting=rol.toelichting,
        toelichting_afgeleid=rol.toelichting_afgeleid,
        invulling=rol.invulling,
        verklaring_vereist=rol.verklaring_vereist,
        documentstatus=str(rol.documentstatus) if rol.documentstatus else None,
        bron=rol.bron,
        duties_afgeleid=rol.duties_afgeleid,
        duties=[
            schemas.Duty(
                code=duty.code,
                soort=str(duty.soort),
                tekst=duty.tekst,
                verplicht=duty.verplicht,
                positie=positie,
            )
            for positie, duty in enumerate(rol.duties, start=1)
        ],
        relaties=[schemas.Relatie(soort=str(relatie.soort), rol=relatie.rol) for relatie in rol.relaties],
    )


def _rol_samenvatting(rol: models.Rol) -> schemas.RolSamenvatting:
    return schemas.RolSamenvatting(
        code=rol.code,
        naam=rol.naam,
        roltype=rol.roltype,
        toelichting=rol.toelichting,
        invulling=rol.invulling,
        verklaring_vereist=rol.verklaring_vereist,
        documentstatus=rol.documentstatus,
    )


async def list_rollen(
    session: AsyncSession,
    release: str | None = None,
    *,
    roltype: str | None = None,
    include_concept: bool = False,
) -> tuple[schemas.Release, list[schemas.RolSamenvatting]]:
    """The roles of a release in catalogue order, optionally only those of one ``roltype``."""
    if roltype is not None and roltype not in set(cf.Roltype):
        allowed = ", ".join(cf.Roltype)
        raise ValidationFailed.single("roltype", f"Onbekend roltype '{roltype}'; kies uit {allowed}.")
    found = await _release(session, release, include_concept=include_concept)
    rollen = await repository.rollen_of(session, found)
    return repository.release_schema(found), [
        _rol_samenvatting(rol) for rol in rollen if roltype is None or rol.roltype == roltype
    ]


async def get_rol(
    session: AsyncSession, code: str, release: str | None = None, *, include_concept: bool = False
) -> schemas.Rol:
    """A role with its ordered duties and relations, from ``release`` (default: the definitive one)."""
    found = await _release(session, release, include_concept=include_concept)
    rol = await repository.rol_by_code(session, found, code)
    if rol is None:
        raise NotFound(f"De rol '{code}' staat niet in release {found.versie} van de catalogus.")
    duties = await repository.duties_of(session, rol)
    relaties = await repository.relaties_of(session, rol)
    return _rol_schema(
        found,
        cf.Rol(
            code=rol.code,
            naam=rol.naam,
            roltype=cf.Roltype(rol.roltype),
            toelichting=rol.toelichting,
            toelichting_afgeleid=rol.toelichting_afgeleid,
            invulling=rol.invulling,
            verklaring_vereist=rol.verklaring_vereist,
            documentstatus=cf.Documentstatus(rol.documentstatus) if rol.documentstatus else None,
            bron=rol.bron,
            duties_afgeleid=rol.duties_afgeleid,
            duties=[
                cf.Duty(code=d.code, soort=cf.Dutysoort(d.soort), tekst=d.tekst, verplicht=d.verplicht)
                for d in duties
            ],
            relaties=[cf.Relatie(soort=cf.Relatiesoort(r.soort), rol=r.doelrol) for r in relaties],
        ),
    )


async def rol_exists(session: AsyncSession, code: str, release: str | None = None) -> bool:
    """Whether ``release`` (default: the definitive one) has a role with this code."""
    try:
        found = await _release(session, release, include_concept=True)
    except NotFound:
        return False
    return await repository.rol_by_code(session, found, code) is not None


def _functie_schema(functie: models.Samenwerkfunctie) -> schemas.Samenwerkfunctie:
    return msgspec.convert(functie, schemas.Samenwerkfunctie, from_attributes=True)


async def list_samenwerkfuncties(
    session: AsyncSession, release: str | None = None, *, include_concept: bool = False
) -> tuple[schemas.Release, list[schemas.Samenwerkfunctie]]:
    found = await _release(session, release, include_concept=include_concept)
    functies = await repository.samenwerkfuncties_of(session, found)
    return repository.release_schema(found), [_functie_schema(functie) for functie in functies]


async def get_samenwerkfunctie(
    session: AsyncSession, code: str, release: str | None = None, *, include_concept: bool = False
) -> tuple[schemas.Release, schemas.Samenwerkfunctie]:
    found = await _release(session, release, include_concept=include_concept)
    functie = await repository.samenwerkfunctie_by_code(session, found, code)
    if functie is None:
        raise NotFound(f"De samenwerkfunctie '{code}' staat niet in release {found.versie}.")
    return repository.release_schema(found), _functie_schema(functie)


async def list_grondslagen(
    session: AsyncSession, release: str | None = None, *, include_concept: bool = False
) -> tuple[schemas.Release, list[schemas.Grondslag]]:
    found = await _release(session, release, include_concept=include_concept)
    grondslagen = await repository.grondslagen_of(session, found)
    return repository.release_schema(found), [
        msgspec.convert(grondslag, schemas.Grondslag, from_attributes=True) for grondslag in grondslagen
    ]


# --- differences ----------------------------------------------------------------------------------


async def compare_releases(
    session: AsyncSession,
    versie: str,
    ten_opzichte_van: str | None = None,
    *,
    include_concept: bool = False,
) -> schemas.Releaseverschil:
    """What changed in release ``versie`` compared with ``ten_opzichte_van``.

    Without ``ten_opzichte_van`` the nearest lower versie the caller may see is taken.
    """
    release = await _release(session, versie, include_concept=include_concept)
    if ten_opzichte_van is None:
        earlier = [
            other
            for other in await repository.all_releases(session)
            if _visible(other, include_concept) and versie_key(other.versie) < versie_key(release.versie)
        ]
        if not earlier:
            raise ValidationFailed.single(
                "tenOpzichteVan", f"Er is geen eerdere release om release {versie} mee te vergelijken."
            )
        other = earlier[0]
    else:
        other = await _release(session, ten_opzichte_van, include_concept=include_concept)
    return diff.compare(
        await repository.read_content(session, other), await repository.read_content(session, release)
    )


# --- loading and exporting catalogue files --------------------------------------------------------


class Laaduitkomst(enum.StrEnum):
    """What loading a catalogue file did."""

    INGELEZEN = "ingelezen"  # a new release was created from the file
    BIJGEWERKT = "bijgewerkt"  # an existing concept release now holds the file's content
    ONGEWIJZIGD = "ongewijzigd"  # the release already held exactly this content


@dataclass(frozen=True, slots=True)
class Laadresultaat:
    versie: str
    status: str
    uitkomst: Laaduitkomst


def _same_content(stored: cf.CatalogueFile, catalogue: cf.CatalogueFile) -> bool:
    """Equal apart from the status: a release's status moves on after it was loaded."""
    aligned = msgspec.structs.replace(
        stored, release=msgspec.structs.replace(stored.release, status=catalogue.release.status)
    )
    return aligned == catalogue


def _counts(catalogue: cf.CatalogueFile) -> dict[str, int]:
    return {
        "rollen": len(catalogue.rollen),
        "duties": sum(len(rol.duties) for rol in catalogue.rollen),
        "samenwerkfuncties": len(catalogue.samenwerkfuncties),
        "samenwerkpatronen": len(catalogue.samenwerkpatronen),
        "grondslagen": len(catalogue.grondslagen),
        "processtappen": len(catalogue.samenwerkingsproces),
    }


async def _check_new_versie(session: AsyncSession, versie: str, status: Status) -> None:
    """A new concept, consultation or definitive release must be newer than what exists."""
    if status == Status.VERVALLEN:
        return
    releases = await repository.all_releases(session)
    if status == Status.DEFINITIEF:
        current = next((r for r in releases if r.status == Status.DEFINITIEF), None)
        if current is not None and not is_higher(versie, current.versie):
            raise InvalidTransition(
                f"Release {versie} kan niet definitief worden: de definitieve release is {current.versie} "
                "en een lagere of gelijke versie publiceren is niet toegestaan."
            )
        return
    if releases and not is_higher(versie, releases[0].versie):
        raise ValidationFailed.single(
            "versie",
            f"Versie {versie} moet hoger zijn dan elke bestaande release; "
            f"de hoogste is {releases[0].versie}.",
        )


async def load_catalogue(
    session: AsyncSession, catalogue: cf.CatalogueFile, *, actor: Actor, clock: Clock
) -> Laadresultaat:
    """Put a catalogue file's release into the register; idempotent.

    - a new versie becomes a release with the file's status (a definitive one replaces the current
      definitive release, which must be lower);
    - an existing release with the same content is left as it is (``ongewijzigd``), whatever its
      status became since;
    - an existing *concept* with other content gets the file's content (``bijgewerkt``);
    - an existing consultation, definitive or expired release with other content is refused
      (:class:`Conflict`): published agreements never change; make a new release instead.
    """
    meta = catalogue.release
    async with audited_write(session, actor, clock) as tx:
        existing = await repository.release_by_versie(session, meta.versie)
        if existing is not None:
            stored = await repository.read_content(session, existing)
            if _same_content(stored, catalogue):
                return Laadresultaat(meta.versie, existing.status, Laaduitkomst.ONGEWIJZIGD)
            if existing.status != Status.CONCEPT:
                raise Conflict(
                    f"Release {meta.versie} is {existing.status} en het bestand heeft andere inhoud. "
                    "Een vastgestelde release wijzigt niet; maak een nieuwe release met een hogere versie."
                )
            if meta.status != Status.CONCEPT:
                raise Conflict(
                    f"Release {meta.versie} is een concept in het register maar '{meta.status}' in het "
                    "bestand; lees het bestand in als concept en gebruik de statusovergangen."
                )
            before = snapshot(existing, RELEASE_FIELDS)
            verschil = diff.compare(stored, catalogue)
            await repository.delete_content(session, existing)
            existing.titel, existing.toelichting = meta.titel, meta.toelichting
            existing.ingangsdatum = meta.ingangsdatum
            await repository.write_content(session, existing, catalogue)
            changes = changes_between(before, snapshot(existing, RELEASE_FIELDS))
            changes["inhoud"] = {"before": _counts(stored), "after": _counts(catalogue)}
            changes["rollen"] = {
                "before": None,
                "after": {
                    "toegevoegd": [rol.code for rol in verschil.rollen.toegevoegd],
                    "verwijderd": [rol.code for rol in verschil.rollen.verwijderd],
                    "gewijzigd": [rol.code for rol in verschil.rollen.gewijzigd],
                },
            }
            tx.record("release.bijgewerkt", "release", existing.id, changes)
            return Laadresultaat(meta.versie, existing.status, Laaduitkomst.BIJGEWERKT)

        await _check_new_versie(session, meta.versie, meta.status)
        release = models.Release(
            versie=meta.versie,
            status=str(meta.status),
            titel=meta.titel,
            toelichting=meta.toelichting,
            ingangsdatum=meta.ingangsdatum,
            aangemaakt=tx.now,
            consultatie_vanaf=tx.now if meta.status == Status.CONSULTATIE else None,
            gepubliceerd_op=tx.now if meta.status == Status.DEFINITIEF else None,
            vervallen_op=tx.now if meta.status == Status.VERVALLEN else None,
        )
        if meta.status == Status.DEFINITIEF:
            await _expire_current(tx.session, tx, release.versie)
        session.add(release)
        await session.flush()
        await repository.write_content(session, release, catalogue)
        changes = changes_between({}, snapshot(release, RELEASE_FIELDS))
        changes["inhoud"] = {"before": None, "after": _counts(catalogue)}
        tx.record("release.ingelezen", "release", release.id, changes)
        return Laadresultaat(meta.versie, release.status, Laaduitkomst.INGELEZEN)


async def load_catalogue_file(
    session: AsyncSession, path: Path, *, actor: Actor, clock: Clock
) -> Laadresultaat:
    """Read and check the file at ``path`` (see :func:`roles.catalogue_file.read_catalogue`), then load it."""
    try:
        catalogue = cf.read_catalogue(path)
    except cf.CatalogueFileError as exc:
        raise ValidationFailed.single("bestand", str(exc)) from exc
    return await load_catalogue(session, catalogue, actor=actor, clock=clock)


async def export_catalogue(
    session: AsyncSession, versie: str | None = None, *, include_concept: bool = True
) -> str:
    """The release (default: the definitive one) as catalogue file text, in the canonical layout."""
    release = await _release(session, versie, include_concept=include_concept)
    return cf.dump_catalogue(await repository.read_content(session, release))


# --- life cycle -----------------------------------------------------------------------------------


async def create_release(
    session: AsyncSession,
    versie: str,
    *,
    actor: Actor,
    clock: Clock,
    titel: str | None = None,
    toelichting: str | None = None,
) -> schemas.Release:
    """A new concept release ``versie``, copied from the latest definitive release.

    ``versie`` must be a semantic version higher than every existing release (``ValidationFailed``
    on the field ``versie`` otherwise). Without a definitive release the concept starts empty.
    """
    versie = versie.strip()
    if not is_versie(versie) or len(versie) > models.VERSIE_LENGTH:
        raise ValidationFailed.single(
            "versie", f"'{versie}' is geen geldige versie; gebruik MAJOR.MINOR.PATCH, zoals 1.3.0."
        )
    titel = (titel or "").strip()
    if len(titel) > (limit := schemas.RELEASE_MAXIMA["titel"]):
        raise ValidationFailed.single(
            "titel", f"Ten hoogste {limit} tekens voor de titel; nu zijn het er {len(titel)}."
        )
    async with audited_write(session, actor, clock) as tx:
        if await repository.release_by_versie(session, versie) is not None:
            raise ValidationFailed.single("versie", f"Release {versie} bestaat al; kies een hogere versie.")
        await _check_new_versie(session, versie, Status.CONCEPT)
        source = await repository.definitief_release(session)
        content = await repository.read_content(session, source) if source else None
        release = models.Release(
            versie=versie,
            status=Status.CONCEPT.value,
            titel=(titel or "").strip() or (source.titel if source else f"Catalogus {versie}"),
            toelichting=(toelichting or "").strip()
            or (source.toelichting if source else "Nieuwe release van de catalogus."),
            ingangsdatum=None,
            gebaseerd_op=source.versie if source else None,
            aangemaakt=tx.now,
        )
        session.add(release)
        await session.flush()
        if content is not None:
            copy = msgspec.structs.replace(
                content,
                release=cf.Release(
                    versie=versie, status=Status.CONCEPT, titel=release.titel, toelichting=release.toelichting
                ),
            )
            await repository.write_content(session, release, copy)
        changes = changes_between({}, snapshot(release, RELEASE_FIELDS))
        if content is not None:
            changes["inhoud"] = {"before": None, "after": _counts(content)}
        tx.record("release.aangemaakt", "release", release.id, changes)
    return repository.release_schema(release)


async def _locked_release(session: AsyncSession, versie: str) -> models.Release:
    release = await repository.release_by_versie(session, versie)
    if release is None:
        raise NotFound(f"Release {versie} van de catalogus bestaat niet.")
    return release


async def start_consultatie(
    session: AsyncSession, versie: str, *, actor: Actor, clock: Clock
) -> schemas.Release:
    """Publish a concept for consultation; from now on its content is frozen."""
    async with audited_write(session, actor, clock) as tx:
        release = await _locked_release(session, versie)
        if release.status != Status.CONCEPT:
            raise InvalidTransition(
                f"Release {versie} is {STATUS_IN_ZIN.get(release.status, release.status)}; "
                "alleen een concept kan in consultatie worden gebracht."
            )
        await _check_publishable(session, release)
        before = snapshot(release, RELEASE_FIELDS)
        release.status = Status.CONSULTATIE.value
        release.consultatie_vanaf = tx.now
        tx.record(
            "release.in-consultatie",
            "release",
            release.id,
            changes_between(before, snapshot(release, RELEASE_FIELDS)),
        )
    return repository.release_schema(release)


async def publish_release(
    session: AsyncSession, versie: str, *, actor: Actor, clock: Clock
) -> schemas.Release:
    """Make a release in consultation definitive; the previous definitive release expires.

    Refused (:class:`InvalidTransition`) for a release that is not in consultation, and for a
    versie that is not higher than the current definitive release.
    """
    async with audited_write(session, actor, clock) as tx:
        release = await _locked_release(session, versie)
        if release.status != Status.CONSULTATIE:
            hint = " Breng het concept eerst in consultatie." if release.status == Status.CONCEPT else ""
            raise InvalidTransition(
                f"Release {versie} is {STATUS_IN_ZIN.get(release.status, release.status)}; "
                "alleen een release in consultatie kan definitief "
                f"worden.{hint}"
            )
        await _check_new_versie(session, versie, Status.DEFINITIEF)
        await _check_publishable(session, release)
        await _expire_current(session, tx, versie)
        before = snapshot(release, RELEASE_FIELDS)
        release.status = Status.DEFINITIEF.value
        release.gepubliceerd_op = tx.now
        if release.ingangsdatum is None:
            release.ingangsdatum = tx.now.date()
        tx.record(
            "release.gepubliceerd",
            "release",
            release.id,
            changes_between(before, snapshot(release, RELEASE_FIELDS)),
        )
    return repository.release_schema(release)


async def _expire_current(session: AsyncSession, tx: WriteTransaction, opvolger: str) -> None:
    """Mark the current definitive release ``vervallen`` (flushed before the successor is)."""
    current = await repository.definitief_release(session)
    if current is None:
        return
    before = snapshot(current, RELEASE_FIELDS)
    current.status = Status.VERVALLEN.value
    current.vervallen_op = tx.now
    # At most one definitive release exists (a unique index): the old one must go first.
    await session.flush()
    changes = changes_between(before, snapshot(current, RELEASE_FIELDS))
    changes["opvolger"] = {"before": None, "after": opvolger}
    tx.record("release.vervallen", "release", current.id, changes)


async def _check_publishable(session: AsyncSession, release: models.Release) -> None:
    """The release's content satisfies every rule of the catalogue format (it can be exported)."""
    content = await repository.read_content(session, release)
    try:
        cf.dump_catalogue(content)
    except cf.CatalogueFileError as exc:
        raise ValidationFailed.single(exc.field or "inhoud", str(exc)) from exc
