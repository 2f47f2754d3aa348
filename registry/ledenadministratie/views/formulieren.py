"""What the ledenadministratie's pages share: the forms as posted, the way the services' problems are put
next to the form fields, the acting user, and the redirect after a change.

Forms post flat fields; a form struct turns them into the service input, and the services' field names
(``adres.postcode``, ``identificaties[1].waarde``) are mapped back onto the form's fields so that every
problem shows next to the field it concerns.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import msgspec
from litestar import Request
from litestar.response import Redirect

from registry.accounts.permissions import Permission
from registry.accounts.services import actor_for
from registry.accounts.views import current_principal
from registry.audit.services import Actor
from registry.errors import InvalidParam, ValidationFailed
from registry.ledenadministratie.models import Deelnemer, DeelnemerSoort, DeelnemerStatus
from registry.ledenadministratie.schemas import (
    AdresInvoer,
    BasisInvoer,
    Beeindiging,
    Contactgegevens,
    ContactpersoonInvoer,
    DeelnemerCreate,
    DeelnemerUpdate,
    IdentificatieInvoer,
    RolvervullingCreate,
)
from registry.ledenadministratie.services.rolvervullingen import check_rol_en_basis
from registry.templating import flash

READ = {"permission": Permission.DEELNEMERS_LEZEN}
MANAGE = {"permission": Permission.DEELNEMERS_BEHEREN}
SOORT_OPTIONS = [(soort.value, soort.label) for soort in DeelnemerSoort]
STATUS_OPTIONS = [(status.value, status.label) for status in DeelnemerStatus]


class ContactgegevensForm(msgspec.Struct, kw_only=True, rename="camel"):
    """Address, website and contactpersonen (as parallel lists), as posted."""

    website: str = ""
    adres_straat: str = ""
    adres_huisnummer: str = ""
    adres_postcode: str = ""
    adres_plaats: str = ""
    contact_naam: list[str] = msgspec.field(default_factory=list)
    contact_functie: list[str] = msgspec.field(default_factory=list)
    contact_email: list[str] = msgspec.field(default_factory=list)
    contact_telefoon: list[str] = msgspec.field(default_factory=list)

    def adres_invoer(self) -> AdresInvoer:
        return AdresInvoer(
            straat=self.adres_straat, huisnummer=self.adres_huisnummer,
            postcode=self.adres_postcode, plaats=self.adres_plaats,
        )  # fmt: skip

    def contact_invoer(self) -> list[ContactpersoonInvoer]:
        rows = []
        for index in range(max(len(self.contact_naam), len(self.contact_email), len(self.contact_functie))):
            values = [
                column[index] if index < len(column) else ""
                for column in (
                    self.contact_naam,
                    self.contact_functie,
                    self.contact_email,
                    self.contact_telefoon,
                )
            ]
            if any(value.strip() for value in values):
                naam, functie, email, telefoon = values
                rows.append(ContactpersoonInvoer(naam=naam, functie=functie, email=email, telefoon=telefoon))
        return rows

    def contactgegevens(self) -> Contactgegevens:
        return Contactgegevens(
            adres=self.adres_invoer(), website=self.website, contactpersonen=self.contact_invoer()
        )

    def contact_rows(self) -> list[dict[str, str]]:
        """The contactpersonen as the form shows them: every row up to the last one filled in, and one
        empty row for one more. The same input shows the same rows, however often it is shown again."""
        columns = (
            ("naam", self.contact_naam),
            ("functie", self.contact_functie),
            ("email", self.contact_email),
            ("telefoon", self.contact_telefoon),
        )
        rows = [
            {field: (values[index] if index < len(values) else "") for field, values in columns}
            for index in range(max(len(values) for _, values in columns))
        ]
        while rows and not any(value.strip() for value in rows[-1].values()):
            rows.pop()
        return [*rows, dict.fromkeys(("naam", "functie", "email", "telefoon"), "")]

    @classmethod
    def contact_fields(cls, deelnemer: Deelnemer) -> dict[str, Any]:
        """The fields of this form for a stored deelnemer."""
        contacts = deelnemer.contactpersonen
        return {
            "website": deelnemer.website or "",
            "adres_straat": deelnemer.adres_straat or "",
            "adres_huisnummer": deelnemer.adres_huisnummer or "",
            "adres_postcode": deelnemer.adres_postcode or "",
            "adres_plaats": deelnemer.adres_plaats or "",
            "contact_naam": [c.naam for c in contacts],
            "contact_functie": [c.functie for c in contacts],
            "contact_email": [c.email for c in contacts],
            "contact_telefoon": [c.telefoon or "" for c in contacts],
        }

    @classmethod
    def of(cls, deelnemer: Deelnemer) -> ContactgegevensForm:
        return cls(**cls.contact_fields(deelnemer))


class DeelnemerForm(ContactgegevensForm, kw_only=True, rename="camel"):
    """The deelnemer form as posted: the contactgegevens, and identificaties one per line
    (``kvk:12345678``)."""

    naam: str = ""
    soort: str = ""
    identificaties: str = ""
    regio: str = ""

    def identificatie_invoer(self) -> list[IdentificatieInvoer]:
        lines = [line.strip() for line in self.identificaties.splitlines()]
        return [
            IdentificatieInvoer(soort=soort.strip(), waarde=waarde.strip())
            for soort, _, waarde in (line.partition(":") for line in lines if line)
        ]

    def create(self) -> DeelnemerCreate:
        return DeelnemerCreate(
            naam=self.naam, soort=self.soort, identificaties=self.identificatie_invoer(),
            adres=self.adres_invoer(), regio=self.regio, website=self.website,
            contactpersonen=self.contact_invoer(),
        )  # fmt: skip

    def update(self) -> DeelnemerUpdate:
        return DeelnemerUpdate(
            naam=self.naam, soort=self.soort, identificaties=self.identificatie_invoer(),
            adres=self.adres_invoer(), regio=self.regio, website=self.website,
            contactpersonen=self.contact_invoer(),
        )  # fmt: skip

    @classmethod
    def of(cls, deelnemer: Deelnemer) -> DeelnemerForm:
        return cls(
            naam=deelnemer.naam,
            soort=deelnemer.soort,
            identificaties="\n".join(f"{i.soort}:{i.waarde}" for i in deelnemer.identificaties),
            regio=deelnemer.regio or "",
            **cls.contact_fields(deelnemer),
        )


_INDEXED = re.compile(r"^(identificaties|contactpersonen)\[(\d+)\](?:\.(\w+))?$")


def form_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """The service's problems keyed by the id of the form field they belong to."""
    errors: dict[str, list[str]] = {}
    for param in exc.invalid_params:
        name, reason = param.name, param.reason
        if match := _INDEXED.match(name):
            lijst, index, veld = match.group(1), int(match.group(2)), match.group(3) or "naam"
            if lijst == "identificaties":
                name, reason = "identificaties", f"Regel {index + 1}: {reason}"
            else:
                name, reason = f"contact{veld.capitalize()}-{index}", f"Contactpersoon {index + 1}: {reason}"
        elif name.startswith("adres."):
            name = "adres" + name.removeprefix("adres.").capitalize()
        elif name == "contactpersonen":
            name = "contactNaam-0"
        errors.setdefault(name, []).append(reason)
    return errors


DATE_LABELS = {"geldigVan": "Geldig van", "geldigTot": "Geldig tot", "einddatum": "Einddatum"}
"""The label of each date field of the forms, so that a problem in the error summary names its field."""


def parse_date(text: str, field: str, problems: list[InvalidParam], *, required: bool) -> date | None:
    """A date typed as 2026-01-01; a problem under ``field`` when it is not one (or missing and required)."""
    label = DATE_LABELS.get(field, field)
    if not text.strip():
        if required:
            problems.append(InvalidParam(field, f"Vul de datum bij {label} in.", "required"))
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(InvalidParam(field, f"'{text.strip()}' bij {label} is geen datum zoals 2026-01-01."))
        return None


class BeeindigForm(msgspec.Struct, kw_only=True):
    """Ending a rolvervulling or ondersteuningsrelatie: from which day, and why."""

    einddatum: str = ""
    reden: str = ""

    def invoer(self) -> Beeindiging:
        problems: list[InvalidParam] = []
        einddatum = parse_date(self.einddatum, "einddatum", problems, required=True)
        if problems or einddatum is None:
            raise ValidationFailed(problems)
        return Beeindiging(einddatum=einddatum, reden=self.reden)


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The logged-in user, as the audit trail names whoever makes a change."""
    return actor_for(current_principal(request))


def redirect_with(
    request: Request[Any, Any, Any], url: str, message: str, category: str = "success"
) -> Redirect:
    """See ``url`` next, with ``message`` shown on it."""
    response = Redirect(url, status_code=303)
    flash(request, response, message, category)
    return response


BASIS_OPTIONS = [("besluit", "Besluit (kenmerk)"), ("verklaring", "Verklaring (nummer)")]


class RolForm(msgspec.Struct, kw_only=True, rename="camel"):
    """A role to grant, as posted from the deelnemer page."""

    rol_code: str = ""
    geldig_van: str = ""
    geldig_tot: str = ""
    basis_soort: str = "besluit"
    basis_referentie: str = ""
    toelichting: str = ""

    def invoer(self) -> RolvervullingCreate:
        """The service input; an unreadable date is reported under its field name."""
        problems: list[InvalidParam] = []
        van = parse_date(self.geldig_van, "geldigVan", problems, required=True)
        tot = parse_date(self.geldig_tot, "geldigTot", problems, required=False)
        basis = BasisInvoer(soort=self.basis_soort, referentie=self.basis_referentie)
        if problems or van is None:
            # Every other problem too, in the order of the form, not only the dates.
            rest = check_rol_en_basis(self.rol_code, basis)
            raise ValidationFailed(
                [p for p in rest if p.name == "rolCode"] + problems + [p for p in rest if p.name != "rolCode"]
            )
        return RolvervullingCreate(
            rol_code=self.rol_code, geldig_van=van, geldig_tot=tot, basis=basis, toelichting=self.toelichting
        )


def rol_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for param in exc.invalid_params:
        name = {"basis.soort": "basisSoort", "basis.referentie": "basisReferentie"}.get(
            param.name, param.name
        )
        errors.setdefault(name, []).append(param.reason)
    return errors


ONDERSTEUND_DOOR = "ondersteund-door"
ONDERSTEUNT = "ondersteunt"


class RelatieForm(msgspec.Struct, kw_only=True, rename="camel"):
    """An ondersteuningsrelatie to enter into, as posted from a deelnemer's page.

    ``kant`` is the side this deelnemer is on: :data:`ONDERSTEUND_DOOR` (``partij`` is the
    dienstverlener) or :data:`ONDERSTEUNT` (this deelnemer is the dienstverlener and ``partij`` the
    deelnemer it supports). ``partij`` is an id or an identificatie such as ``kvk:12345678``.
    """

    kant: str = ONDERSTEUND_DOOR
    partij: str = ""
    taken: list[str] = msgspec.field(default_factory=list)
    geldig_van: str = ""
    geldig_tot: str = ""

    def periode(self) -> tuple[date, date | None]:
        problems: list[InvalidParam] = []
        van = parse_date(self.geldig_van, "geldigVan", problems, required=True)
        tot = parse_date(self.geldig_tot, "geldigTot", problems, required=False)
        if not self.partij.strip():
            problems.append(
                InvalidParam(
                    "partij", "Geef de andere partij: een id of bijvoorbeeld kvk:12345678.", "required"
                )
            )
        if problems or van is None:
            raise ValidationFailed(problems)
        return van, tot


def relatie_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """The service's problems on the relatie form: a party's problem at ``partij``, a duty's at ``taken``."""
    errors: dict[str, list[str]] = {}
    for param in exc.invalid_params:
        name = param.name
        if name in {"dienstverlenerId", "deelnemerId"}:
            name = "partij"
        elif name.startswith("taken["):
            name = "taken"
        errors.setdefault(name, []).append(param.reason)
    return errors
