"""What the ledenadministratie needs to know of the stelsel catalogue, behind one small function.

The catalogue (releases, roles and their duties) belongs to the ``roles`` domain; the register only
asks "does role X exist, does it need a verklaring, which duties does it have, and in which release?".
:func:`catalogus_rol` answers that through ``roles.services``, imported when first called so that
this package does not need the catalogue at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import Conflict, NotFound

DIENSTVERLENER = "dienstverlener"
"""Code of the catalogue role that makes a deelnemer a dienstverlener."""


class CatalogusOntbreekt(Conflict):
    """There is no definitive catalogue release yet, so no role can be checked or granted."""


@dataclass(frozen=True, slots=True)
class CatalogusRol:
    """A role as the register needs it: code, name, whether it needs a verklaring, its duty codes
    (with their texts in ``teksten``), and the catalogue release it was read from."""

    code: str
    naam: str
    verklaring_vereist: bool
    taken: tuple[str, ...]
    release: str
    teksten: dict[str, str] = field(default_factory=dict)


async def catalogus_rol(session: AsyncSession, code: str, release: str | None = None) -> CatalogusRol | None:
    """The role ``code`` in ``release`` (default: the definitive release), or ``None`` if it has none.

    Raises :class:`CatalogusOntbreekt` while the catalogue has no definitive release.
    """
    from roles import services as catalogus

    if release is None and await catalogus.current_release(session) is None:
        raise CatalogusOntbreekt("Er is nog geen definitieve release van de rollencatalogus.")
    try:
        rol = await catalogus.get_rol(session, code, release, include_concept=release is not None)
    except NotFound:
        return None
    return CatalogusRol(
        code=rol.code,
        naam=rol.naam,
        verklaring_vereist=rol.verklaring_vereist,
        taken=tuple(duty.code for duty in rol.duties),
        release=rol.release.versie,
        teksten={duty.code: duty.tekst for duty in rol.duties},
    )


async def catalogus_rollen(session: AsyncSession) -> list[tuple[str, str]]:
    """``(code, naam)`` of every role in the definitive release, in catalogue order (empty before it)."""
    from roles import services as catalogus

    if await catalogus.current_release(session) is None:
        return []
    _release, rollen = await catalogus.list_rollen(session)
    return [(rol.code, rol.naam) for rol in rollen]


@dataclass(frozen=True, slots=True)
class Catalogusstand:
    """The definitive catalogue release (``None`` before there is one) and its roles' names: what a
    lookup answer needs of the catalogue, read once per version of the register."""

    release: str | None
    namen: dict[str, str]

    def bekend(self, code: str) -> bool:
        """Whether the definitive release has role ``code``; :class:`CatalogusOntbreekt` before one."""
        if self.release is None:
            raise CatalogusOntbreekt("Er is nog geen definitieve release van de rollencatalogus.")
        return code in self.namen


async def catalogusstand(session: AsyncSession) -> Catalogusstand:
    from roles import services as catalogus

    release = await catalogus.current_release(session)
    if release is None:
        return Catalogusstand(None, {})
    _release, rollen = await catalogus.list_rollen(session)
    return Catalogusstand(release.versie, {rol.code: rol.naam for rol in rollen})
