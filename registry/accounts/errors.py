"""Why a login is refused; the login page shows the message, the audit trail counts the attempt."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from registry.errors import DomainError, NotAuthenticated

_LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
BAD_CREDENTIALS = "Het e-mailadres of het wachtwoord klopt niet."
# What every refused first login step says: an unknown address, a wrong password and a locked
# account read the same, so the answer never tells whether an account exists.
LOGIN_REFUSED = (
    f"{BAD_CREDENTIALS} Na vijf mislukte pogingen kan een account een kwartier niet inloggen; "
    "probeer het dan later opnieuw, of vraag een beheerder het account te ontgrendelen."
)


class LoginFailed(DomainError):
    """The credentials or the code were not accepted (deliberately vague about which part)."""

    status = 400
    title = "Inloggen mislukt"
    type_slug = "login-failed"


class AccountLocked(LoginFailed):
    """Too many failed attempts: the account refuses every login until ``locked_until``.

    Only someone who has shown the password (the second factor step) is told so; at the first step
    ``reveal=False`` gives the same answer as an unknown address (:data:`LOGIN_REFUSED`)."""

    title = "Account geblokkeerd"
    type_slug = "account-locked"

    def __init__(self, locked_until: datetime, *, reveal: bool = True) -> None:
        local = locked_until.astimezone(_LOCAL_TIME)
        super().__init__(
            "Dit account is tijdelijk geblokkeerd na te veel mislukte inlogpogingen. "
            f"Probeer het na {local:%H:%M} uur opnieuw, of vraag een beheerder het account te ontgrendelen."
            if reveal
            else LOGIN_REFUSED
        )
        if not reveal:
            self.title, self.type_slug = LoginFailed.title, LoginFailed.type_slug
        self.locked_until = locked_until


class InvalidBearerToken(NotAuthenticated):
    """An API call presented a bearer token that is wrong, of a deactivated client or malformed
    (RFC 6750 ``invalid_token``, or ``invalid_request`` for an empty one). It is refused, never
    treated as an anonymous call."""

    def __init__(self, *, empty: bool = False) -> None:
        if empty:
            super().__init__("De header Authorization bevat het schema Bearer maar geen token.")
            self.challenge = 'Bearer realm="stelselregister", error="invalid_request"'
        else:
            super().__init__(
                "Het bearer-token is ongeldig of ingetrokken. Vraag de stelselbeheerder om een nieuw "
                "token, of stel de vraag zonder Authorization-header als de openbare gegevens volstaan."
            )
            self.challenge = 'Bearer realm="stelselregister", error="invalid_token"'
