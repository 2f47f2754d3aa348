"""Who acts, and the object-level rules the route guard cannot know.

The route guard (:func:`registry.guards.guard`) checks the permission a route
needs; the rules that depend on the record are here: only the assigned casemanager (or a
stelselbeheerder) works on an aanmelding's intake and proposal, and only a contact person of the
deelnemer itself signs its verklaring.
"""

from __future__ import annotations

import uuid
from typing import cast

from registry.accounts.permissions import AccountRole, Principal
from registry.audit.services import Actor, ActorKind
from registry.errors import PermissionDenied
from verklaringen.models import Aanmelding, Verklaring


def actor_of(principal: Principal) -> Actor:
    """The audit actor for a logged-in user or an API client."""
    return Actor(kind=cast(ActorKind, principal.kind), id=principal.id, name=principal.display_name)


def user_id_of(principal: Principal) -> uuid.UUID | None:
    """The account id of a logged-in user (``None`` for an API client)."""
    return uuid.UUID(principal.id) if principal.kind == "user" else None


def is_stelselbeheerder(principal: Principal) -> bool:
    return principal.kind == "user" and principal.role is AccountRole.STELSELBEHEERDER


def require_handler(principal: Principal, aanmelding: Aanmelding) -> None:
    """Only the assigned casemanager or a stelselbeheerder may work on this aanmelding."""
    if is_stelselbeheerder(principal):
        return
    if aanmelding.casemanager_id is not None and str(aanmelding.casemanager_id) == principal.id:
        return
    raise PermissionDenied(
        f"Aanmelding {aanmelding.referentie} is toegewezen aan een andere casemanager; "
        "alleen die casemanager of een stelselbeheerder kan de intake en het voorstel doen."
    )


def require_deelnemer_contact(principal: Principal, verklaring: Verklaring) -> None:
    """Only a contact person of the deelnemer the verklaring is about signs on its behalf."""
    if (
        principal.kind == "user"
        and principal.role is AccountRole.DEELNEMER_CONTACT
        and principal.deelnemer_id is not None
        and principal.deelnemer_id == str(verklaring.deelnemer_id)
    ):
        return
    raise PermissionDenied(
        f"Alleen een contactpersoon van {verklaring.deelnemer_naam} kan verklaring "
        f"{verklaring.nummer} namens de organisatie ondertekenen."
    )
