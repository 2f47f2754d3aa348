"""Who fills a role of the catalogue: its *invulling* as the register knows it.

The catalogue describes a role's invulling in words (``invulling``, taken from the source). Which
deelnemers actually hold the role is known to the ledenadministratie, which the catalogue does not
import: the ledenadministratie registers one :class:`InvullingProvider` at start-up::

    from roles.invulling import register_invulling_provider

    register_invulling_provider(my_provider)

and the public role page asks it for the deelnemers holding the role today. Without a provider the
page shows the words alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Invuller:
    """A deelnemer holding the role: its public name and, where there is one, its public page."""

    naam: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Invulling:
    """The first deelnemers holding a role (by name) and how many hold it in all."""

    invullers: list[Invuller] = field(default_factory=list)
    totaal: int = 0


class InvullingProvider(Protocol):
    """Answers "which deelnemers hold role ``rol_code`` at ``moment``?", the first ``limit`` by name."""

    async def __call__(
        self, session: AsyncSession, rol_code: str, moment: datetime, limit: int
    ) -> Invulling: ...


_registered: InvullingProvider | None = None


def register_invulling_provider(provider: InvullingProvider) -> None:
    """Install the provider (the ledenadministratie does this once; a second call replaces it)."""
    global _registered  # noqa: PLW0603 — one process-wide hook, set at start-up
    _registered = provider


async def invulling_van(
    session: AsyncSession, rol_code: str, moment: datetime, limit: int = 25
) -> Invulling | None:
    """The deelnemers holding the role at ``moment``, or ``None`` when no provider is registered."""
    if _registered is None:
        return None
    return await _registered(session, rol_code, moment, limit)


@contextmanager
def invulling_provider_installed(provider: InvullingProvider | None) -> Iterator[None]:
    """Use ``provider`` (or none) within the block and restore the previous one after it."""
    global _registered  # noqa: PLW0603
    previous, _registered = _registered, provider
    try:
        yield
    finally:
        _registered = previous
