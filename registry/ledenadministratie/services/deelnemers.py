"""Registering deelnemers, changing their details and moving them through their lifecycle.

Every function checks all input first and reports every problem at once
(:class:`~registry.errors.ValidationFailed`), then writes inside one
:func:`~registry.audit.services.audited_write`: the change and its audit events are stored together,
or nothing is. :func:`register_deelnemer` and :func:`set_deelnemer_status` do the same inside a
caller's open :class:`~registry.audit.services.WriteTransaction`, so another domain can make them
part of its own change (an aanmelding, an afgifte) that is stored as a whole or not at all.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from msgspec import UnsetType
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, WriteTransaction, audited_write, changes_between
from registry.clock import Clock
from registry.errors import InvalidParam, InvalidTransition, PermissionDenied, ValidationFailed
from registry.ledenadministratie.errors import ConflictingInput
from registry.ledenadministratie.identifiers import (
    Identificatie,
    InvalidIdentificatie,
    InvalidPostcode,
    validate,
    validate_postcode,
)
from registry.ledenadministratie.models import (
    STATUS_TRANSITIONS,
    Contactpersoon,
    Deelnemer,
    DeelnemerIdentificatie,
    DeelnemerSoort,
    DeelnemerStatus,
    Ondersteuningsrelatie,
    Rolvervulling,
    Statusperiode,
    Vervullingstatus,
    Zoekterm,
)
from registry.ledenadministratie.naam import fold, normalise_naam, tails, zoektermen
from registry.ledenadministratie.peildatum import AMSTERDAM, day_start
from registry.ledenadministratie.schemas import (
    AdresInvoer,
    Contactgegevens,
    ContactpersoonInvoer,
    DeelnemerCreate,
    DeelnemerUpdate,
    IdentificatieInvoer,
)
from registry.ledenadministratie.services.queries import get_deelnemer_by_id, holders_of, open_statusperiode
from registry.ledenadministratie.services.rolvervullingen import (
    close_ondersteuningsrelatie,
    close_rolvervulling,
)
from registry.templating import format_datumtijd

ENTITY = "deelnemer"
_AANGEMELD = DeelnemerStatus.AANGEMELD.value
_SOORTEN = frozenset(DeelnemerSoort)


def _opsomming(woorden: Iterable[str]) -> str:
    """``a, b of c``: a choice as a sentence says it."""
    lijst = list(woorden)
    return lijst[0] if len(lijst) == 1 else f"{', '.join(lijst[:-1])} of {lijst[-1]}"


# The choices by their labels (``Veilig Thuis``, ``beëindigd``), as the forms show them.
_SOORTEN_TEKST = _opsomming(soort.label for soort in DeelnemerSoort)
_STATUSSEN_TEKST = _opsomming(status.label.lower() for status in DeelnemerStatus)
# An address part with its article, as a sentence names it.
_ADRESDELEN = {
    "straat": "de straat",
    "huisnummer": "het huisnummer",
    "postcode": "de postcode",
    "plaats": "de plaats",
}
MAX_NAAM = 300
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HUISNUMMER = re.compile(r"^[1-9][0-9]{0,4}(?:[ -]?[A-Za-z0-9]{1,6})?$")
_TELEFOON_TEKENS = re.compile(r"^\+?[0-9 ()\-]+$")
# A URL scheme (``javascript:``, ``https:``), not a host followed by a port (``voorbeeld.nl:8080``).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?![0-9]+(?:[/?#]|$))")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# An address that plainly passes every check of _website (http or https, host labels of letters,
# digits and inner hyphens, a top-level domain of letters, a plain path): most websites, checked at once.
_GEWOON_WEBADRES = re.compile(
    r"https?://(?:(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+[A-Za-z]{1,63}(?:/[A-Za-z0-9._~/-]*)?"
)
# Fields of a deelnemer that the audit trail records and the public change feed may show.
PUBLIC_FIELDS = ("naam", "soort", "status", "identificaties", "regio", "website", "adres")


@dataclass(frozen=True, slots=True)
class _Adres:
    straat: str
    huisnummer: str
    postcode: str
    plaats: str


@dataclass(frozen=True, slots=True)
class _Contact:
    naam: str
    functie: str
    email: str
    telefoon: str | None


@dataclass(frozen=True, slots=True)
class NieuweDeelnemer:
    """A new deelnemer whose input passed every rule (:func:`check_nieuwe_deelnemer`), each value in
    the form in which it is stored."""

    naam: str
    soort: str
    identificaties: list[Identificatie]
    adres: _Adres | None
    regio: str | None
    website: str | None
    contactpersonen: list[_Contact]
    aangemeld_op: datetime
    zoeknaam: str  # the folded name, whole

    COLUMNS: ClassVar = (
        "naam", "zoeknaam", "soort", "regio", "website",
        "adres_straat", "adres_huisnummer", "adres_postcode", "adres_plaats",
    )  # fmt: skip
    """The columns of its ``deelnemer`` row that :meth:`row` gives (all but ``status`` and the id)."""
    CONTACT_COLUMNS: ClassVar = ("volgorde", "naam", "functie", "email", "telefoon")
    """The columns of a ``deelnemer_contactpersoon`` row that :meth:`contact_rows` gives."""

    def row(self) -> tuple[object, ...]:
        """The values of :data:`COLUMNS`, in that order."""
        adres = self.adres
        gegevens = (self.naam, self.zoeknaam[:300], self.soort, self.regio, self.website)
        if adres is None:
            return (*gegevens, None, None, None, None)
        return (*gegevens, adres.straat, adres.huisnummer, adres.postcode, adres.plaats)

    def values(self) -> dict[str, object]:
        """The columns of its ``deelnemer`` row (status ``aangemeld``)."""
        return {**dict(zip(self.COLUMNS, self.row(), strict=True)), "status": _AANGEMELD}

    def contact_rows(self) -> list[tuple[object, ...]]:
        """The values of :data:`CONTACT_COLUMNS` of each contactpersoon, in order."""
        return _contact_rows(self.contactpersonen)

    def contact_values(self) -> list[dict[str, object]]:
        """The columns of its ``deelnemer_contactpersoon`` rows, in order."""
        return _contact_values(self.contactpersonen)

    def audit_changes(self) -> dict[str, dict[str, object]]:
        """What the ``deelnemer.aangemeld`` audit event records: every public field that has a value,
        and the contacts (the shape of :func:`changes_between` from nothing; built directly, as an
        import records it for every deelnemer)."""
        snapshot = snapshot_of(
            self.values(),
            (f"{i.soort}:{i.waarde}" for i in self.identificaties),  # a StrEnum formats as its value
            ((c.naam, c.email) for c in self.contactpersonen),
        )
        return {
            name: {"before": None, "after": value} for name, value in snapshot.items() if value is not None
        }


# --- checking input ---------------------------------------------------------------------------------


def _naam(naam: str, problems: list[InvalidParam]) -> tuple[str, str]:
    """The name as stored, and folded for searching."""
    value = normalise_naam(naam)
    folded = fold(value)
    if not value:
        problems.append(InvalidParam("naam", "Vul de naam van de organisatie in.", "required"))
    elif len(value) > MAX_NAAM or not folded:
        problems.append(
            InvalidParam("naam", f"Een naam heeft letters of cijfers en ten hoogste {MAX_NAAM} tekens.")
        )
    return value, folded


def _soort(soort: str, problems: list[InvalidParam]) -> str:
    value = soort.strip().lower()
    if not value:
        problems.append(InvalidParam("soort", f"Kies de soort organisatie: {_SOORTEN_TEKST}.", "required"))
    elif value not in _SOORTEN:
        problems.append(
            InvalidParam("soort", f"Onbekende soort organisatie '{soort.strip()}'; kies {_SOORTEN_TEKST}.")
        )
    return value


def _identificaties(invoer: list[IdentificatieInvoer], problems: list[InvalidParam]) -> list[Identificatie]:
    if not invoer:
        problems.append(
            InvalidParam("identificaties", "Geef ten minste één identificatie, bijvoorbeeld het KvK-nummer.")
        )
    seen: dict[tuple[str, str], int] = {}
    result: list[Identificatie] = []
    for index, item in enumerate(invoer):
        try:
            identificatie = validate(item.soort, item.waarde)
        except InvalidIdentificatie as exc:
            field = "soort" if exc.field == "soort" else "waarde"
            problems.append(InvalidParam(f"identificaties[{index}].{field}", exc.message))
            continue
        key = (identificatie.soort.value, identificatie.waarde)
        if key in seen:
            problems.append(
                InvalidParam(
                    f"identificaties[{index}].waarde",
                    f"{identificatie.soort.label} {identificatie.waarde} staat al op regel {seen[key] + 1}.",
                    "duplicate",
                )
            )
            continue
        seen[key] = index
        result.append(identificatie)
    return result


def _adres(invoer: AdresInvoer | None, problems: list[InvalidParam]) -> _Adres | None:
    if invoer is None:
        return None
    fields = {
        "straat": invoer.straat.strip(),
        "huisnummer": invoer.huisnummer.strip(),
        "postcode": invoer.postcode.strip(),
        "plaats": invoer.plaats.strip(),
    }
    if not any(fields.values()):
        return None
    for name, value in fields.items():
        if not value:
            problems.append(
                InvalidParam(
                    f"adres.{name}", f"Vul ook {_ADRESDELEN[name]} in, of laat het adres leeg.", "required"
                )
            )
    postcode = fields["postcode"]
    if postcode:
        try:
            postcode = validate_postcode(postcode)
        except InvalidPostcode as exc:
            problems.append(InvalidParam("adres.postcode", exc.message))
    if fields["huisnummer"] and not _HUISNUMMER.match(fields["huisnummer"]):
        problems.append(
            InvalidParam(
                "adres.huisnummer", f"'{fields['huisnummer']}' is geen huisnummer (zoals 12, 12a of 12-3)."
            )
        )
    for name, limit in (("straat", 200), ("plaats", 100)):
        if len(fields[name]) > limit:
            problems.append(
                InvalidParam(
                    f"adres.{name}", f"{_ADRESDELEN[name].capitalize()} heeft ten hoogste {limit} tekens."
                )
            )
    return _Adres(
        normalise_naam(fields["straat"]), fields["huisnummer"], postcode, normalise_naam(fields["plaats"])
    )


def _regio(regio: str, problems: list[InvalidParam]) -> str | None:
    value = normalise_naam(regio)
    if len(value) > 200:
        problems.append(InvalidParam("regio", "De regio heeft ten hoogste 200 tekens."))
    return value or None


def _website(website: str, problems: list[InvalidParam]) -> str | None:
    """A website is an ``http``/``https`` address of a named host; without a scheme, ``https://`` is
    put in front (``www.voorbeeld.nl``). Any other scheme (``javascript:``, ``data:``, ``ftp://``) is
    refused, never turned into a web address."""
    value = website.strip()
    if not value:
        return None
    if "://" not in value and not _SCHEME.match(value):
        value = f"https://{value}"
    if len(value) <= 500 and _GEWOON_WEBADRES.fullmatch(value):
        return value
    scheme = value.partition(":")[0].lower() if _SCHEME.match(value) else ""
    if scheme not in {"http", "https"}:
        problems.append(
            InvalidParam(
                "website",
                f"'{website.strip()}' is geen webadres: alleen een adres met http:// of https:// kan, "
                "zoals https://www.voorbeeld.nl.",
            )
        )
    elif len(value) > 500 or not _host_of(value):
        problems.append(
            InvalidParam("website", f"'{website.strip()}' is geen webadres zoals https://www.voorbeeld.nl.")
        )
    return value


def _host_of(url: str) -> str | None:
    """The host name of an ``http(s)://`` address, or ``None`` when it names no real host: no name
    with a dot and a top-level domain, a user or password in it, a port that cannot be, or a space,
    control character or backslash anywhere."""
    # isprintable() is False for every whitespace character but the space itself
    if not url.isprintable() or " " in url or "\\" in url:
        return None
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port that cannot be
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    labels = host.rstrip(".").split(".")
    if (
        parts.username is not None
        or len(labels) < 2
        or not all(_HOST_LABEL.match(label) for label in labels)
        or not (labels[-1].isalpha() or labels[-1].startswith("xn--"))
    ):
        return None
    return host


def _contactpersonen(invoer: list[ContactpersoonInvoer], problems: list[InvalidParam]) -> list[_Contact]:
    result = []
    for index, item in enumerate(invoer):
        prefix = f"contactpersonen[{index}]"
        naam, functie, email = (
            normalise_naam(item.naam),
            normalise_naam(item.functie),
            item.email.strip().lower(),
        )
        telefoon = item.telefoon.strip()
        if not naam or len(naam) > 200:
            problems.append(
                InvalidParam(f"{prefix}.naam", "Vul een naam in van ten hoogste 200 tekens.", "required")
            )
        if not functie or len(functie) > 200:
            problems.append(
                InvalidParam(
                    f"{prefix}.functie", "Vul de functie of rol in (ten hoogste 200 tekens).", "required"
                )
            )
        if not _EMAIL.match(email) or len(email) > 254:
            problems.append(
                InvalidParam(f"{prefix}.email", "Vul een geldig e-mailadres in, zoals naam@organisatie.nl.")
            )
        digits = sum(map(str.isdigit, telefoon))
        if telefoon and (not _TELEFOON_TEKENS.match(telefoon) or not 10 <= digits <= 15):
            problems.append(
                InvalidParam(
                    f"{prefix}.telefoon",
                    f"'{telefoon}' is geen telefoonnummer zoals 030 123 45 67 of +31 30 123 45 67.",
                )
            )
        result.append(_Contact(naam, functie, email, telefoon or None))
    return result


def _moment(value: datetime | None, now: datetime, field: str, problems: list[InvalidParam]) -> datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        problems.append(
            InvalidParam(field, "Geef het tijdstip met tijdzone, zoals 2025-01-01T09:00:00+01:00.")
        )
        return now
    if value > now:
        problems.append(
            InvalidParam(
                field, "Dit tijdstip ligt in de toekomst; registreer een wijziging pas als ze ingaat."
            )
        )
    return value


# --- writing ----------------------------------------------------------------------------------------


SNAPSHOT_COLUMNS = (
    "naam", "soort", "status", "regio", "website",
    "adres_straat", "adres_huisnummer", "adres_postcode", "adres_plaats",
)  # fmt: skip


def snapshot_of(
    columns: Mapping[str, object], identificaties: Iterable[str], contacts: Iterable[tuple[str, str]]
) -> dict[str, object]:
    """What the audit trail records of a deelnemer: its public fields and its contactpersonen.

    ``columns`` holds :data:`SNAPSHOT_COLUMNS`, ``identificaties`` the ``soort:waarde`` texts,
    ``contacts`` each contactpersoon's name and e-mail address.
    """
    adres = None
    if columns["adres_straat"] is not None:
        straat = f"{columns['adres_straat']} {columns['adres_huisnummer']}"
        adres = f"{straat}, {columns['adres_postcode']} {columns['adres_plaats']}"
    return {
        **{name: columns[name] for name in ("naam", "soort", "status", "regio", "website")},
        "identificaties": sorted(identificaties),
        "adres": adres,
        "contactpersonen": [f"{naam} <{email}>" for naam, email in contacts],
    }


def _snapshot(deelnemer: Deelnemer) -> dict[str, object]:
    return snapshot_of(
        {name: getattr(deelnemer, name) for name in SNAPSHOT_COLUMNS},
        (f"{record.soort}:{record.waarde}" for record in deelnemer.identificaties),
        ((c.naam, c.email) for c in deelnemer.contactpersonen),
    )


async def _refuse_taken_identificaties(
    session: AsyncSession,
    identificaties: list[Identificatie],
    exclude: uuid.UUID | None,
    offset_of: dict[tuple[str, str], int],
) -> None:
    keys = [(i.soort.value, i.waarde) for i in identificaties]
    taken = await holders_of(session, keys, exclude=exclude)
    if taken:
        raise ConflictingInput(
            [
                InvalidParam(
                    f"identificaties[{offset_of[key]}].waarde",
                    f"{validate(key[0], key[1]).soort.label} {key[1]} hoort al bij deelnemer "
                    f"{holder.naam} ({holder.id}).",
                    "duplicate",
                )
                for key, holder in sorted(taken.items(), key=lambda item: offset_of[item[0]])
            ]
        )


def zoekterm_values(naam: str, *, folded: str | None = None) -> list[str]:
    """The ``deelnemer_zoekterm`` terms of a name (or of its ``folded`` form, when known): each tail
    once, cut to the column's length."""
    return [term[:300] for term in dict.fromkeys(zoektermen(naam) if folded is None else tails(folded))]


def _set_zoektermen(session: AsyncSession, deelnemer: Deelnemer) -> None:
    for term in zoekterm_values(deelnemer.naam):
        session.add(Zoekterm(deelnemer_id=deelnemer.id, term=term))


def _set_adres(deelnemer: Deelnemer, adres: _Adres | None) -> None:
    deelnemer.adres_straat = adres.straat if adres else None
    deelnemer.adres_huisnummer = adres.huisnummer if adres else None
    deelnemer.adres_postcode = adres.postcode if adres else None
    deelnemer.adres_plaats = adres.plaats if adres else None


def _contact_rows(contacts: list[_Contact]) -> list[tuple[object, ...]]:
    return [(index, c.naam, c.functie, c.email, c.telefoon) for index, c in enumerate(contacts)]


def _contact_values(contacts: list[_Contact]) -> list[dict[str, object]]:
    return [dict(zip(NieuweDeelnemer.CONTACT_COLUMNS, row, strict=True)) for row in _contact_rows(contacts)]


def _set_contactpersonen(deelnemer: Deelnemer, contacts: list[_Contact]) -> None:
    deelnemer.contactpersonen = [Contactpersoon(**values) for values in _contact_values(contacts)]


def check_nieuwe_deelnemer(data: DeelnemerCreate, now: datetime) -> NieuweDeelnemer:
    """Check a new deelnemer against every rule and report all problems at once.

    Refuses a missing name, an unknown soort, no or invalid identificaties, an incomplete address
    or invalid postcode, an invalid website or contactpersoon, and an ``aangemeldOp`` in the future
    or without timezone (:class:`ValidationFailed`). Whether an identificatie belongs to another
    deelnemer is for the caller to ask the register.
    """
    problems: list[InvalidParam] = []
    naam, zoeknaam = _naam(data.naam, problems)
    soort = _soort(data.soort, problems)
    identificaties = _identificaties(data.identificaties, problems)
    adres = _adres(data.adres, problems)
    regio = _regio(data.regio, problems)
    website = _website(data.website, problems)
    contacts = _contactpersonen(data.contactpersonen, problems)
    aangemeld_op = _moment(data.aangemeld_op, now, "aangemeldOp", problems)
    if problems:
        raise ValidationFailed(problems)
    return NieuweDeelnemer(
        naam, soort, identificaties, adres, regio, website, contacts, aangemeld_op, zoeknaam
    )


def periode_values(
    deelnemer_id: uuid.UUID,
    status: DeelnemerStatus,
    vorige: str | None,
    van: datetime,
    reden: str,
    tx: WriteTransaction,
) -> dict[str, object]:
    """The columns of a new, open :class:`Statusperiode` opened by ``tx``'s actor."""
    return {
        "deelnemer_id": deelnemer_id,
        "status": status.value,
        "vorige_status": vorige,
        "geldig_van": van,
        "geldig_tot": None,
        "reden": reden,
        "actor_soort": tx.actor.kind,
        "actor_id": tx.actor.id,
        "actor_naam": tx.actor.name,
        "geregistreerd_op": tx.now,
    }


AANGEMELD_REDEN = "Aangemeld"
"""The reason recorded with the first status period of a new deelnemer."""


async def create_deelnemer(
    session: AsyncSession, data: DeelnemerCreate, *, actor: Actor, clock: Clock
) -> Deelnemer:
    """Register a new deelnemer with status ``aangemeld``, in a transaction of its own.

    Refuses (all at once) what :func:`check_nieuwe_deelnemer` refuses; refuses with a 409 naming the
    field an identificatie that belongs to another deelnemer.
    """
    nieuw = check_nieuwe_deelnemer(data, clock.now())
    async with audited_write(session, actor, clock) as tx:
        return await _add_deelnemer(tx, data, nieuw)


async def register_deelnemer(tx: WriteTransaction, data: DeelnemerCreate) -> Deelnemer:
    """:func:`create_deelnemer` inside the caller's write transaction: the deelnemer, its first
    status period and its audit event are stored or rolled back with the rest of that transaction
    (an aanmelding registers an unknown organisation this way)."""
    return await _add_deelnemer(tx, data, check_nieuwe_deelnemer(data, tx.now))


async def _add_deelnemer(tx: WriteTransaction, data: DeelnemerCreate, nieuw: NieuweDeelnemer) -> Deelnemer:
    session = tx.session
    offsets = _offsets(data.identificaties, nieuw.identificaties)
    await _refuse_taken_identificaties(session, nieuw.identificaties, None, offsets)
    deelnemer = Deelnemer(**nieuw.values())
    deelnemer.identificaties = [
        DeelnemerIdentificatie(soort=i.soort.value, waarde=i.waarde) for i in nieuw.identificaties
    ]
    _set_contactpersonen(deelnemer, nieuw.contactpersonen)
    session.add(deelnemer)
    await session.flush()
    _set_zoektermen(session, deelnemer)
    session.add(
        Statusperiode(
            **periode_values(
                deelnemer.id, DeelnemerStatus.AANGEMELD, None, nieuw.aangemeld_op, AANGEMELD_REDEN, tx
            )
        )
    )
    tx.record("deelnemer.aangemeld", ENTITY, deelnemer.id, nieuw.audit_changes())
    await session.flush()
    return deelnemer


def _offsets(
    invoer: list[IdentificatieInvoer], identificaties: list[Identificatie]
) -> dict[tuple[str, str], int]:
    """Where each valid identificatie stood in the input, to name the field of a clash."""
    offsets: dict[tuple[str, str], int] = {}
    for index, item in enumerate(invoer):
        try:
            parsed = validate(item.soort, item.waarde)
        except InvalidIdentificatie:
            continue
        offsets.setdefault((parsed.soort.value, parsed.waarde), index)
    return {key: offsets[key] for key in ((i.soort.value, i.waarde) for i in identificaties)}


async def update_deelnemer(
    session: AsyncSession, deelnemer_id: uuid.UUID, data: DeelnemerUpdate, *, actor: Actor, clock: Clock
) -> Deelnemer:
    """Change a deelnemer's details; only the fields given change. A beëindigde deelnemer is final."""
    problems: list[InvalidParam] = []
    naam = _naam(data.naam, problems)[0] if isinstance(data.naam, str) else None
    soort = _soort(data.soort, problems) if isinstance(data.soort, str) else None
    identificaties = (
        _identificaties(data.identificaties, problems) if isinstance(data.identificaties, list) else None
    )
    adres = None if isinstance(data.adres, UnsetType) else _adres(data.adres, problems)
    regio = _regio(data.regio, problems) if isinstance(data.regio, str) else None
    website = _website(data.website, problems) if isinstance(data.website, str) else None
    contacts = (
        _contactpersonen(data.contactpersonen, problems) if isinstance(data.contactpersonen, list) else None
    )
    if problems:
        raise ValidationFailed(problems)
    async with audited_write(session, actor, clock) as tx:
        deelnemer = await get_deelnemer_by_id(session, deelnemer_id)
        if deelnemer.status == DeelnemerStatus.BEEINDIGD:
            raise InvalidTransition(f"{deelnemer.naam} is beëindigd; de gegevens blijven zoals ze waren.")
        before = _snapshot(deelnemer)
        if naam is not None and naam != deelnemer.naam:
            deelnemer.naam, deelnemer.zoeknaam = naam, fold(naam)[:300]
            await session.execute(delete(Zoekterm).where(Zoekterm.deelnemer_id == deelnemer.id))
            _set_zoektermen(session, deelnemer)
        if soort is not None:
            deelnemer.soort = soort
        if identificaties is not None:
            assert isinstance(data.identificaties, list)
            await _refuse_taken_identificaties(
                session, identificaties, deelnemer.id, _offsets(data.identificaties, identificaties)
            )
            await _replace_identificaties(session, deelnemer, identificaties)
        if not isinstance(data.adres, UnsetType):
            _set_adres(deelnemer, adres)
        if isinstance(data.regio, str):
            deelnemer.regio = regio
        if isinstance(data.website, str):
            deelnemer.website = website
        if contacts is not None:
            _set_contactpersonen(deelnemer, contacts)
        await session.flush()
        after = _snapshot(deelnemer)
        changes = changes_between(before, after)
        if changes:
            tx.record("deelnemer.gewijzigd", ENTITY, deelnemer.id, changes)
    return deelnemer


async def _replace_identificaties(
    session: AsyncSession, deelnemer: Deelnemer, identificaties: list[Identificatie]
) -> None:
    wanted = {(i.soort.value, i.waarde) for i in identificaties}
    kept = [record for record in deelnemer.identificaties if (record.soort, record.waarde) in wanted]
    removed = [record for record in deelnemer.identificaties if (record.soort, record.waarde) not in wanted]
    for record in removed:
        deelnemer.identificaties.remove(record)
    # Deleting first lets a number move between soorten within one change without a unique clash.
    await session.flush()
    present = {(record.soort, record.waarde) for record in kept}
    for soort, waarde in sorted(wanted - present):
        deelnemer.identificaties.append(DeelnemerIdentificatie(soort=soort, waarde=waarde))


def _first_day_after(moment: datetime) -> datetime:
    """The first date boundary at or after ``moment`` (as a date): the day an ending takes effect."""
    day = moment.astimezone(AMSTERDAM).date()
    return day_start(day) if day_start(day) == moment else day_start(day + timedelta(days=1))


async def change_deelnemer_status(
    session: AsyncSession,
    deelnemer_id: uuid.UUID,
    status: str,
    reden: str,
    *,
    actor: Actor,
    clock: Clock,
    ingang: datetime | None = None,
) -> Statusperiode:
    """Move a deelnemer to ``status`` for ``reden``, from ``ingang`` (default: now), in a transaction
    of its own.

    Allowed: aangemeld → actief | beeindigd, actief → geschorst | beeindigd, geschorst → actief |
    beeindigd; anything else is an :class:`InvalidTransition`. Schorsen leaves the rolvervullingen as
    they are (a rolcheck then answers "deelnemer geschorst"); beëindigen ends every open
    rolvervulling and ondersteuningsrelatie of the deelnemer from the day it takes effect.
    """
    nieuw, reden, moment = _check_statuswijziging(status, reden, ingang, clock.now())
    async with audited_write(session, actor, clock) as tx:
        return await _wijzig_status(tx, deelnemer_id, nieuw, reden, moment)


async def set_deelnemer_status(
    tx: WriteTransaction, deelnemer_id: uuid.UUID, status: str, reden: str, *, ingang: datetime | None = None
) -> Statusperiode:
    """:func:`change_deelnemer_status` inside the caller's write transaction: the new status period,
    whatever it ends and the audit event are stored or rolled back with the rest of that transaction
    (an afgifte makes an aangemelde deelnemer actief this way)."""
    nieuw, reden, moment = _check_statuswijziging(status, reden, ingang, tx.now)
    return await _wijzig_status(tx, deelnemer_id, nieuw, reden, moment)


def _check_statuswijziging(
    status: str, reden: str, ingang: datetime | None, now: datetime
) -> tuple[DeelnemerStatus, str, datetime]:
    problems: list[InvalidParam] = []
    value = status.strip().lower().replace("ë", "e")
    if not value:
        problems.append(InvalidParam("status", f"Kies de nieuwe status: {_STATUSSEN_TEKST}.", "required"))
    elif value not in DeelnemerStatus.__members__.values():
        problems.append(
            InvalidParam("status", f"Onbekende status '{status.strip()}'; kies {_STATUSSEN_TEKST}.")
        )
    reden = reden.strip()
    if not reden:
        problems.append(InvalidParam("reden", "Geef de reden van de statuswijziging.", "required"))
    moment = _moment(ingang, now, "ingang", problems)
    if problems:
        raise ValidationFailed(problems)
    return DeelnemerStatus(value), reden, moment


async def _wijzig_status(
    tx: WriteTransaction, deelnemer_id: uuid.UUID, nieuw: DeelnemerStatus, reden: str, moment: datetime
) -> Statusperiode:
    session = tx.session
    deelnemer = await get_deelnemer_by_id(session, deelnemer_id)
    huidig = await open_statusperiode(session, deelnemer.id)
    van = DeelnemerStatus(huidig.status)
    if nieuw not in STATUS_TRANSITIONS[van]:
        allowed = sorted(s.label.lower() for s in STATUS_TRANSITIONS[van])
        hint = (
            f"vanuit {van.label.lower()} kan alleen: {', '.join(allowed)}" if allowed else "dit is definitief"
        )
        raise InvalidTransition(
            f"{deelnemer.naam} is {van.label.lower()} en kan niet naar {nieuw.label.lower()}; {hint}."
        )
    if moment < huidig.geldig_van:
        raise ValidationFailed.single(
            "ingang",
            f"De wijziging kan niet ingaan vóór de huidige status ({format_datumtijd(huidig.geldig_van)}).",
        )
    huidig.geldig_tot = moment
    periode = Statusperiode(**periode_values(deelnemer.id, nieuw, van.value, moment, reden, tx))
    session.add(periode)
    deelnemer.status = nieuw.value
    if nieuw is DeelnemerStatus.BEEINDIGD:
        await _end_everything(session, tx, deelnemer, moment, reden)
    tx.record(
        "deelnemer.status-gewijzigd",
        ENTITY,
        deelnemer.id,
        {"status": {"before": van.value, "after": nieuw.value}, "reden": {"before": None, "after": reden},
         "ingang": {"before": None, "after": moment}},
    )  # fmt: skip
    # Written now, so that what the caller's transaction reads next (a reload of the deelnemer
    # included) sees the new status.
    await session.flush()
    return periode


async def _end_everything(
    session: AsyncSession, tx: WriteTransaction, deelnemer: Deelnemer, moment: datetime, reden: str
) -> None:
    einddatum = _first_day_after(moment).astimezone(AMSTERDAM).date()
    toelichting = f"Deelnemer beëindigd: {reden}"
    rolvervullingen = await session.scalars(
        select(Rolvervulling).where(
            Rolvervulling.deelnemer_id == deelnemer.id, Rolvervulling.status == Vervullingstatus.ACTIEF.value
        )
    )
    for rolvervulling in rolvervullingen.all():
        close_rolvervulling(tx, rolvervulling, einddatum, toelichting)
    relaties = await session.scalars(
        select(Ondersteuningsrelatie).where(
            (Ondersteuningsrelatie.dienstverlener_id == deelnemer.id)
            | (Ondersteuningsrelatie.deelnemer_id == deelnemer.id),
            Ondersteuningsrelatie.status == Vervullingstatus.ACTIEF.value,
        )
    )
    for relatie in relaties.all():
        close_ondersteuningsrelatie(tx, relatie, einddatum, toelichting)


async def update_eigen_contactgegevens(
    session: AsyncSession,
    deelnemer_id: uuid.UUID,
    data: Contactgegevens,
    *,
    eigen_deelnemer_id: uuid.UUID | None,
    actor: Actor,
    clock: Clock,
) -> Deelnemer:
    """A deelnemer's contact changes the contactgegevens (address, website, contactpersonen) of the
    deelnemer its account belongs to, and of no other: anything else is :class:`PermissionDenied`.

    At least one contactpersoon stays, so the stelsel can always reach the deelnemer.
    """
    if eigen_deelnemer_id is None or deelnemer_id != eigen_deelnemer_id:
        raise PermissionDenied("U kunt alleen de contactgegevens van uw eigen organisatie wijzigen.")
    if not data.contactpersonen:
        raise ValidationFailed.single(
            "contactpersonen", "Laat ten minste één contactpersoon staan.", "required"
        )
    return await update_deelnemer(
        session,
        deelnemer_id,
        DeelnemerUpdate(adres=data.adres, website=data.website, contactpersonen=data.contactpersonen),
        actor=actor,
        clock=clock,
    )
