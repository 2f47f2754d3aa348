"""Who may do what: account roles, permissions, and the guard that checks every route.

Every route handler declares exactly one decision in its ``opt``:

- ``opt={"public": True}``: anyone, including anonymous callers;
- ``opt={"permission": Permission.X}``: a logged-in user whose account role grants X, or an
  API client holding the scope mapped to X (see :data:`SCOPE_PERMISSIONS`);
- ``opt={"authenticated": True}``: any logged-in user (the own profile). Logging out is public: ending
  whatever session a browser holds is always allowed.

A route without a decision is refused for everybody (fail closed), and the route×role test in
``tests/accounts`` fails, so a new route cannot ship without one. Object-level rules (a
casemanager's own intakes, a deelnemer-contact's own deelnemer) are checked in the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from registry.errors import NotAuthenticated, PermissionDenied


class AccountRole(StrEnum):
    """The role of a person's account in the portal (not a role in the stelsel's catalogue)."""

    STELSELBEHEERDER = "stelselbeheerder"
    CASEMANAGER = "casemanager"
    AUDITOR = "auditor"
    DEELNEMER_CONTACT = "deelnemer-contact"

    @property
    def label(self) -> str:
        return {
            AccountRole.STELSELBEHEERDER: "Stelselbeheerder",
            AccountRole.CASEMANAGER: "Casemanager",
            AccountRole.AUDITOR: "Auditor",
            AccountRole.DEELNEMER_CONTACT: "Contactpersoon deelnemer",
        }[self]


class Permission(StrEnum):
    """A capability a route can require."""

    ADMIN_OPENEN = "admin:openen"  # see the admin dashboard
    CATALOGUS_LEZEN = "catalogus:lezen"  # concept releases and the admin catalogue screens
    CATALOGUS_BEHEREN = "catalogus:beheren"
    DEELNEMERS_LEZEN = "deelnemers:lezen"
    DEELNEMERS_BEHEREN = "deelnemers:beheren"
    ROLVERVULLINGEN_BEHEREN = "rolvervullingen:beheren"
    EIGEN_DEELNEMER_LEZEN = "eigen-deelnemer:lezen"
    EIGEN_DEELNEMER_BEHEREN = "eigen-deelnemer:beheren"
    GEBRUIKERS_BEHEREN = "gebruikers:beheren"
    API_CLIENTS_BEHEREN = "api-clients:beheren"
    SLEUTELS_BEHEREN = "sleutels:beheren"
    AUDIT_LEZEN = "audit:lezen"
    AANMELDINGEN_LEZEN = "aanmeldingen:lezen"
    AANMELDINGEN_TOEWIJZEN = "aanmeldingen:toewijzen"
    INTAKES_UITVOEREN = "intakes:uitvoeren"
    BESLUITEN_NEMEN = "besluiten:nemen"
    VERKLARINGEN_LEZEN = "verklaringen:lezen"
    VERKLARINGEN_ONDERTEKENEN_STELSEL = "verklaringen:ondertekenen-stelsel"
    VERKLARINGEN_ONDERTEKENEN_DEELNEMER = "verklaringen:ondertekenen-deelnemer"
    VERKLARINGEN_BEHEREN = "verklaringen:beheren"  # intrekken, schorsen, herstellen
    LOOKUP_VOLLEDIG = "lookup:volledig"  # contact persons and history in the lookup API
    VERIFIEREN = "verifieren"


_READ_ALL = frozenset(
    {
        Permission.ADMIN_OPENEN,
        Permission.CATALOGUS_LEZEN,
        Permission.DEELNEMERS_LEZEN,
        Permission.AUDIT_LEZEN,
        Permission.AANMELDINGEN_LEZEN,
        Permission.VERKLARINGEN_LEZEN,
        Permission.LOOKUP_VOLLEDIG,
        Permission.VERIFIEREN,
    }
)

ROLE_PERMISSIONS: dict[AccountRole, frozenset[Permission]] = {
    AccountRole.STELSELBEHEERDER: frozenset(Permission)
    - {
        Permission.VERKLARINGEN_ONDERTEKENEN_DEELNEMER,
        Permission.EIGEN_DEELNEMER_LEZEN,
        Permission.EIGEN_DEELNEMER_BEHEREN,
    },
    AccountRole.CASEMANAGER: frozenset(
        {
            Permission.ADMIN_OPENEN,
            Permission.CATALOGUS_LEZEN,
            Permission.DEELNEMERS_LEZEN,
            Permission.AANMELDINGEN_LEZEN,
            Permission.INTAKES_UITVOEREN,
            Permission.VERKLARINGEN_LEZEN,
            Permission.LOOKUP_VOLLEDIG,
            Permission.VERIFIEREN,
        }
    ),
    AccountRole.AUDITOR: _READ_ALL,
    AccountRole.DEELNEMER_CONTACT: frozenset(
        {
            Permission.EIGEN_DEELNEMER_LEZEN,
            Permission.EIGEN_DEELNEMER_BEHEREN,
            Permission.VERKLARINGEN_ONDERTEKENEN_DEELNEMER,
            Permission.VERIFIEREN,
        }
    ),
}


class Scope(StrEnum):
    """What an API client may do with its bearer token."""

    LOOKUP_READ = "lookup:read"
    VERIFY = "verify"
    AANMELDINGEN = "aanmeldingen"


SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.LOOKUP_READ: frozenset({Permission.LOOKUP_VOLLEDIG, Permission.DEELNEMERS_LEZEN}),
    Scope.VERIFY: frozenset({Permission.VERIFIEREN}),
    Scope.AANMELDINGEN: frozenset({Permission.AANMELDINGEN_LEZEN}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of a request: a user (with a session) or an API client."""

    kind: str  # "user" | "api-client"
    id: str
    display_name: str
    role: AccountRole | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    deelnemer_id: str | None = None
    session_id: str | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.kind == "user" and self.role is not None:
            return ROLE_PERMISSIONS[self.role]
        granted: set[Permission] = set()
        for scope in self.scopes:
            granted |= SCOPE_PERMISSIONS.get(scope, frozenset())
        return frozenset(granted)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else "API-client"


# What the guard says when it refuses (the route×role test tells these apart from other 403s).
REFUSED_WITHOUT_RULE = "Deze pagina heeft geen toegangsregel en is daarom voor niemand toegankelijk."
REFUSED_ANONYMOUS = "Log in om deze pagina te gebruiken."
REFUSED_WITHOUT_PERMISSION = "U heeft geen toegang tot deze functie."


def route_decision(handler: BaseRouteHandler) -> str | None:
    """The access decision a route declares, or ``None`` when it declares none."""
    opt = handler.opt
    if opt.get("public"):
        return "public"
    if opt.get("permission"):
        return f"permission:{opt['permission']}"
    if opt.get("authenticated"):
        return "authenticated"
    return None


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def check_access(connection: ASGIConnection[Any, Any, Any, Any], opt: Mapping[str, Any]) -> None:
    """Enforce the access decision a route declares in its ``opt``; no decision means no access.

    Called by the app's one guard (:func:`registry.guards.guard`)."""
    if opt.get("public"):
        return
    principal = principal_of(connection)
    permission = opt.get("permission")
    if permission is None and not opt.get("authenticated"):
        raise PermissionDenied(REFUSED_WITHOUT_RULE)
    if principal is None:
        raise NotAuthenticated(REFUSED_ANONYMOUS)
    if opt.get("authenticated") and principal.kind == "user":
        return
    if permission is not None and principal.can(Permission(permission)):
        return
    raise PermissionDenied(REFUSED_WITHOUT_PERMISSION)
