"""Database queries of the catalogue, and the conversion between its rows and the file format.

A release's whole content is read as a :class:`roles.catalogue_file.CatalogueFile`, the same
typed structure the TOML files are read into, so export, comparison and validation all work on
one shape. Nothing here checks rules or writes audit events; the services do.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import catalogue_file as cf
from roles import models, schemas
from roles.versies import versie_key

# --- releases -------------------------------------------------------------------------------------


async def release_by_versie(session: AsyncSession, versie: str) -> models.Release | None:
    release: models.Release | None = await session.scalar(
        select(models.Release).where(models.Release.versie == versie)
    )
    return release


async def all_releases(session: AsyncSession) -> list[models.Release]:
    """Every release, newest version first."""
    releases = list((await session.scalars(select(models.Release))).all())
    return sorted(releases, key=lambda release: versie_key(release.versie), reverse=True)


async def definitief_release(session: AsyncSession) -> models.Release | None:
    release: models.Release | None = await session.scalar(
        select(models.Release).where(models.Release.status == cf.Releasestatus.DEFINITIEF)
    )
    return release


def release_schema(release: models.Release) -> schemas.Release:
    return schemas.Release(
        versie=release.versie,
        status=release.status,
        titel=release.titel,
        toelichting=release.toelichting,
        ingangsdatum=release.ingangsdatum,
        gebaseerd_op=release.gebaseerd_op,
        aangemaakt=release.aangemaakt,
        consultatie_vanaf=release.consultatie_vanaf,
        gepubliceerd_op=release.gepubliceerd_op,
        vervallen_op=release.vervallen_op,
    )


def release_ref(release: models.Release) -> schemas.ReleaseRef:
    return schemas.ReleaseRef(versie=release.versie, status=release.status)


# --- single entries -------------------------------------------------------------------------------


async def rol_by_code(session: AsyncSession, release: models.Release, code: str) -> models.Rol | None:
    rol: models.Rol | None = await session.scalar(
        select(models.Rol).where(models.Rol.release_id == release.id, models.Rol.code == code)
    )
    return rol


async def rollen_of(session: AsyncSession, release: models.Release) -> list[models.Rol]:
    return list(
        (
            await session.scalars(
                select(models.Rol).where(models.Rol.release_id == release.id).order_by(models.Rol.positie)
            )
        ).all()
    )


async def duty_by_code(session: AsyncSession, release: models.Release, code: str) -> models.Duty | None:
    duty: models.Duty | None = await session.scalar(
        select(models.Duty).where(models.Duty.release_id == release.id, models.Duty.code == code)
    )
    return duty


async def duties_of(session: AsyncSession, rol: models.Rol) -> list[models.Duty]:
    return list(
        (
            await session.scalars(
                select(models.Duty).where(models.Duty.rol_id == rol.id).order_by(models.Duty.positie)
            )
        ).all()
    )


async def duty_codes_of(session: AsyncSession, release: models.Release) -> set[str]:
    return set(
        (await session.scalars(select(models.Duty.code).where(models.Duty.release_id == release.id))).all()
    )


async def relaties_of(session: AsyncSession, rol: models.Rol) -> list[models.Rolrelatie]:
    return list(
        (
            await session.scalars(
                select(models.Rolrelatie)
                .where(models.Rolrelatie.rol_id == rol.id)
                .order_by(models.Rolrelatie.positie)
            )
        ).all()
    )


async def relaties_naar(session: AsyncSession, rol: models.Rol) -> list[tuple[str, str]]:
    """``(role code, soort)`` of every other role that has a relation to ``rol``."""
    rows = await session.execute(
        select(models.Rol.code, models.Rolrelatie.soort)
        .join(models.Rol, models.Rol.id == models.Rolrelatie.rol_id)
        .where(models.Rolrelatie.release_id == rol.release_id, models.Rolrelatie.doelrol == rol.code)
        .order_by(models.Rol.positie)
    )
    return [(code, soort) for code, soort in rows.all()]


async def samenwerkfunctie_by_code(
    session: AsyncSession, release: models.Release, code: str
) -> models.Samenwerkfunctie | None:
    functie: models.Samenwerkfunctie | None = await session.scalar(
        select(models.Samenwerkfunctie).where(
            models.Samenwerkfunctie.release_id == release.id, models.Samenwerkfunctie.code == code
        )
    )
    return functie


async def samenwerkfuncties_of(
    session: AsyncSession, release: models.Release
) -> list[models.Samenwerkfunctie]:
    return list(
        (
            await session.scalars(
                select(models.Samenwerkfunctie)
                .where(models.Samenwerkfunctie.release_id == release.id)
                .order_by(models.Samenwerkfunctie.nummer)
            )
        ).all()
    )


async def grondslag_by_code(
    session: AsyncSession, release: models.Release, code: str
) -> models.Grondslag | None:
    grondslag: models.Grondslag | None = await session.scalar(
        select(models.Grondslag).where(
            models.Grondslag.release_id == release.id, models.Grondslag.code == code
        )
    )
    return grondslag


async def grondslagen_of(session: AsyncSession, release: models.Release) -> list[models.Grondslag]:
    return list(
        (
            await session.scalars(
                select(models.Grondslag)
                .where(models.Grondslag.release_id == release.id)
                .order_by(models.Grondslag.positie)
            )
        ).all()
    )


async def count_duties(session: AsyncSession, release: models.Release) -> int:
    return int(await session.scalar(select(func.count()).where(models.Duty.release_id == release.id)) or 0)


# --- the whole content of a release ---------------------------------------------------------------


def _status(value: str | None) -> cf.Documentstatus | None:
    return cf.Documentstatus(value) if value is not None else None


async def read_content(session: AsyncSession, release: models.Release) -> cf.CatalogueFile:
    """Everything the release holds, in catalogue order, as the file format's typed structure."""
    where = {"release_id": release.id}
    stappen = (await session.scalars(select(models.Processtap).filter_by(**where).order_by("stap"))).all()
    functies = await samenwerkfuncties_of(session, release)
    patronen = (
        await session.scalars(select(models.Samenwerkpatroon).filter_by(**where).order_by("letter"))
    ).all()
    grondslagen = await grondslagen_of(session, release)
    rollen = await rollen_of(session, release)
    duties: dict[uuid.UUID, list[cf.Duty]] = defaultdict(list)
    for duty in (await session.scalars(select(models.Duty).filter_by(**where).order_by("positie"))).all():
        duties[duty.rol_id].append(
            cf.Duty(
                code=duty.code, soort=cf.Dutysoort(duty.soort), tekst=duty.tekst, verplicht=duty.verplicht
            )
        )
    relaties: dict[uuid.UUID, list[cf.Relatie]] = defaultdict(list)
    for relatie in (
        await session.scalars(select(models.Rolrelatie).filter_by(**where).order_by("positie"))
    ).all():
        relaties[relatie.rol_id].append(cf.Relatie(soort=cf.Relatiesoort(relatie.soort), rol=relatie.doelrol))
    return cf.CatalogueFile(
        release=cf.Release(
            versie=release.versie,
            status=cf.Releasestatus(release.status),
            titel=release.titel,
            toelichting=release.toelichting,
            ingangsdatum=release.ingangsdatum,
        ),
        samenwerkingsproces=[
            cf.Processtap(
                stap=stap.stap,
                naam=stap.naam,
                omschrijving=stap.omschrijving,
                documentstatus=cf.Documentstatus(stap.documentstatus),
            )
            for stap in stappen
        ],
        samenwerkfuncties=[
            cf.Samenwerkfunctie(
                nummer=functie.nummer,
                code=functie.code,
                naam=functie.naam,
                omschrijving=functie.omschrijving,
                uitgewerkte_omschrijving=functie.uitgewerkte_omschrijving,
                huidige_voorbeelden=functie.huidige_voorbeelden,
                huidige_oplossingen=functie.huidige_oplossingen,
                gebruikersverhaal=functie.gebruikersverhaal,
                zakelijke_rechtvaardiging=functie.zakelijke_rechtvaardiging,
                documentstatus=cf.Documentstatus(functie.documentstatus),
            )
            for functie in functies
        ],
        samenwerkpatronen=[
            cf.Samenwerkpatroon(
                letter=patroon.letter,
                code=patroon.code,
                naam=patroon.naam,
                omschrijving=patroon.omschrijving,
                documentstatus=cf.Documentstatus(patroon.documentstatus),
            )
            for patroon in patronen
        ],
        grondslagen=[
            cf.Grondslag(
                code=grondslag.code,
                wet=grondslag.wet,
                toelichting=grondslag.toelichting,
                documentstatus=cf.Documentstatus(grondslag.documentstatus),
            )
            for grondslag in grondslagen
        ],
        rollen=[
            cf.Rol(
                code=rol.code,
                naam=rol.naam,
                roltype=cf.Roltype(rol.roltype),
                toelichting=rol.toelichting,
                toelichting_afgeleid=rol.toelichting_afgeleid,
                invulling=rol.invulling,
                verklaring_vereist=rol.verklaring_vereist,
                documentstatus=_status(rol.documentstatus),
                bron=rol.bron,
                duties_afgeleid=rol.duties_afgeleid,
                relaties=relaties[rol.id],
                duties=duties[rol.id],
            )
            for rol in rollen
        ],
    )


async def write_content(session: AsyncSession, release: models.Release, catalogue: cf.CatalogueFile) -> None:
    """Insert the entries of ``catalogue`` into ``release`` (which must be empty)."""
    for stap in catalogue.samenwerkingsproces:
        session.add(
            models.Processtap(
                release_id=release.id,
                stap=stap.stap,
                naam=stap.naam,
                omschrijving=stap.omschrijving,
                documentstatus=str(stap.documentstatus),
            )
        )
    for functie in catalogue.samenwerkfuncties:
        session.add(models.Samenwerkfunctie(release_id=release.id, **_fields(functie)))
    for patroon in catalogue.samenwerkpatronen:
        session.add(models.Samenwerkpatroon(release_id=release.id, **_fields(patroon)))
    for positie, grondslag in enumerate(catalogue.grondslagen, start=1):
        session.add(models.Grondslag(release_id=release.id, positie=positie, **_fields(grondslag)))
    rollen: list[tuple[models.Rol, cf.Rol]] = []
    for positie, rol in enumerate(catalogue.rollen, start=1):
        row = models.Rol(
            id=uuid.uuid4(),
            release_id=release.id,
            positie=positie,
            **_fields(rol, leave_out=("duties", "relaties")),
        )
        session.add(row)
        rollen.append((row, rol))
    # Roles first: duties and relations refer to them (and relations to their codes).
    await session.flush()
    for row, rol in rollen:
        for positie, duty in enumerate(rol.duties, start=1):
            session.add(models.Duty(release_id=release.id, rol_id=row.id, positie=positie, **_fields(duty)))
        for positie, relatie in enumerate(rol.relaties, start=1):
            session.add(
                models.Rolrelatie(
                    release_id=release.id,
                    rol_id=row.id,
                    positie=positie,
                    soort=str(relatie.soort),
                    doelrol=relatie.rol,
                )
            )
    await session.flush()


def _fields(entry: object, leave_out: Sequence[str] = ()) -> dict[str, object]:
    """The fields of a file entry as plain column values (enums as their text)."""
    values: dict[str, object] = {}
    for name in entry.__struct_fields__:  # type: ignore[attr-defined]
        if name in leave_out:
            continue
        value = getattr(entry, name)
        values[name] = str(value) if isinstance(value, str) else value
    return values


async def delete_content(session: AsyncSession, release: models.Release) -> None:
    """Remove every entry of ``release`` (relations and duties first, then what they refer to)."""
    for model in (
        models.Rolrelatie,
        models.Duty,
        models.Rol,
        models.Samenwerkfunctie,
        models.Samenwerkpatroon,
        models.Grondslag,
        models.Processtap,
    ):
        await session.execute(delete(model).where(model.release_id == release.id))
