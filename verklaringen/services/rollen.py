"""The catalogue as the verklaring process needs it: a role that requires a verklaring, with its
ordered duty list from the release in force (through :mod:`roles.services`, never its tables)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import NotFound, ValidationFailed
from roles import services as catalogus
from roles.schemas import Rol


async def verklaringsrol(session: AsyncSession, code: str, release: str | None = None) -> Rol:
    """The role ``code`` from ``release`` (default: the definitive one), if it needs a verklaring."""
    if not code:
        raise ValidationFailed.single("rol", "Kies de rol waarvoor u zich aanmeldt.", "required")
    try:
        rol = await catalogus.get_rol(session, code, release=release)
    except NotFound as exc:
        raise ValidationFailed.single("rol", exc.detail, "unknown-role") from None
    if not rol.verklaring_vereist:
        raise ValidationFailed.single(
            "rol",
            f"Voor de rol {rol.naam} is geen verklaring nodig; daarvoor meldt u zich niet hier aan.",
            "geen-verklaring-nodig",
        )
    return rol


async def verklaringsrollen(session: AsyncSession) -> list[tuple[str, str]]:
    """``(code, naam)`` of every role in the release in force that needs a verklaring (for the form)."""
    try:
        _release, rollen = await catalogus.list_rollen(session)
    except NotFound:
        return []
    return [(rol.code, rol.naam) for rol in rollen if rol.verklaring_vereist]
