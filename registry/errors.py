"""Domain errors. Services raise these; one place (:mod:`registry.problems`) maps them to HTTP.

Services never raise HTTP exceptions, so the same rule reads the same from the API, a form or the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InvalidParam:
    """One invalid input: which field (a JSON pointer-ish name or CSV ``row N, column``) and why."""

    name: str
    reason: str
    code: str = "invalid"


class DomainError(Exception):
    """Base of all rule violations a user can cause; ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Ongeldig verzoek"
    type_slug = "bad-request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status = 404
    title = "Niet gevonden"
    type_slug = "not-found"


class Conflict(DomainError):
    """The request clashes with the register's current state (duplicate, overlap, stale version)."""

    status = 409
    title = "Conflict"
    type_slug = "conflict"


class InvalidTransition(DomainError):
    """A lifecycle step that is not allowed from the current status."""

    status = 409
    title = "Overgang niet toegestaan"
    type_slug = "invalid-transition"


class PermissionDenied(DomainError):
    status = 403
    title = "Geen toegang"
    type_slug = "forbidden"


class NotAuthenticated(DomainError):
    status = 401
    title = "Niet ingelogd"
    type_slug = "unauthorized"
    # the ``WWW-Authenticate`` challenge an API caller gets with this refusal
    challenge = 'Bearer realm="stelselregister"'


class RateLimited(DomainError):
    status = 429
    title = "Te veel verzoeken"
    type_slug = "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ValidationFailed(DomainError):
    """Input that breaks one or more rules; every problem is listed at once in ``invalid_params``."""

    status = 400
    title = "Ongeldige invoer"
    type_slug = "invalid-input"

    def __init__(self, invalid_params: Sequence[InvalidParam], detail: str | None = None) -> None:
        self.invalid_params = list(invalid_params)
        names = ", ".join(param.name for param in self.invalid_params)
        super().__init__(detail or f"De invoer bevat fouten: {names}.")

    @classmethod
    def single(cls, name: str, reason: str, code: str = "invalid") -> ValidationFailed:
        return cls([InvalidParam(name=name, reason=reason, code=code)], detail=reason)


class ServiceUnavailable(DomainError):
    status = 503
    title = "Dienst tijdelijk niet beschikbaar"
    type_slug = "service-unavailable"
