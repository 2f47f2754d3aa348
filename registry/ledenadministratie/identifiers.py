"""Identificaties of deelnemers: KvK-nummer, vestigingsnummer, RSIN, OIN, URA and AGB-code.

The ledenadministratie knows each deelnemer by one or more identificaties. An :class:`Identificatie` is
a soort plus a waarde in its standard form; as text the register writes it ``soort:waarde``, for
example ``kvk:69599084`` or ``oin:00000001002564440000``. Construction normalises and validates, so an
``Identificatie`` that exists is well-formed.

Each rule quotes the standard or register that defines it. Where that register defines no check digit
only the format is checked: a well-formed number may still belong to nobody, and whether it exists is
for the register's own lookup (Handelsregister, COR, UZI-register, AGB-register), not for this module.

The Dutch postcode rule for deelnemer addresses lives here too (:func:`validate_postcode`).
"""

from __future__ import annotations

import operator
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Identificatie",
    "IdentificatieSoort",
    "InvalidIdentificatie",
    "InvalidPostcode",
    "InvalidValue",
    "elfproef",
    "generate_valid",
    "parse_identificatie",
    "validate",
    "validate_postcode",
]


class IdentificatieSoort(StrEnum):
    """The register an identificatie comes from, with its format rule and whether it has a check digit.

    - ``kvk``: KvK-nummer, the inschrijvingsnummer in the Handelsregister (KVK). Always 8 digits. The
      Handelsregister defines no check digit, so only the format is checked.
    - ``vestigingsnummer``: KvK-vestigingsnummer of one vestiging in the Handelsregister. 12 digits, no
      check digit.
    - ``rsin``: Rechtspersonen en Samenwerkingsverbanden Informatienummer (Handelsregister; equal to the
      fiscaal nummer). 9 digits that pass the :func:`elfproef`.
    - ``oin``: Organisatie-identificatienummer of the OIN-stelsel (Logius, used in PKIoverheid
      certificates). 20 positions: an 8-digit prefix naming the source register, the hoofdnummer from
      that register and a suffix of zeros; an embedded RSIN or Fi-nummer must pass the elfproef. No
      check digit of its own.
    - ``ura``: UZI-register abonneenummer (CIBG). At most 8 digits, written as 8 with leading zeros. No
      check digit.
    - ``agb``: AGB-code (Vektis AGB-register). 8 digits, the first two the zorgverlenersoort. No check
      digit.
    """

    KVK = "kvk"
    VESTIGINGSNUMMER = "vestigingsnummer"
    RSIN = "rsin"
    OIN = "oin"
    URA = "ura"
    AGB = "agb"

    @property
    def label(self) -> str:
        """The Dutch name shown to users and used in messages, e.g. ``KvK-nummer``."""
        return _LABELS[self]


_LABELS: dict[IdentificatieSoort, str] = {
    IdentificatieSoort.KVK: "KvK-nummer",
    IdentificatieSoort.VESTIGINGSNUMMER: "Vestigingsnummer",
    IdentificatieSoort.RSIN: "RSIN",
    IdentificatieSoort.OIN: "OIN",
    IdentificatieSoort.URA: "URA",
    IdentificatieSoort.AGB: "AGB-code",
}


# Named like the other domain errors (NotFound, Conflict, InvalidTransition), without an Error suffix.
class InvalidValue(ValueError):
    """A typed-in value breaks a format rule: ``field`` names the input, ``message`` (Dutch) the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidIdentificatie(InvalidValue):
    """An identificatie breaks its register's rule.

    ``field`` is ``"identificatie"`` (the ``soort:waarde`` text as a whole), ``"soort"`` or ``"waarde"``.
    """


class InvalidPostcode(InvalidValue):
    """A postcode breaks the PostNL format; ``field`` is ``"postcode"``."""


# --- normalisation ---------------------------------------------------------------------------------

# What people type or paste inside a number: any whitespace (also non-breaking), dots, and hyphens or
# dashes (U+2010 to U+2015 arrive from word processors).
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]+")


def _compact(waarde: str) -> str:
    if waarde.isascii() and waarde.isalnum():  # nothing to remove: the common case, and much quicker
        return waarde
    return _SEPARATORS.sub("", waarde)


def _is_digits(text: str) -> bool:
    """Only ASCII digits: ``str.isdigit`` alone also accepts superscripts and other scripts' digits."""
    return text.isascii() and text.isdigit()


def _first_non_digit(text: str) -> str:
    return next(teken for teken in text if not "0" <= teken <= "9")


def _invalid(message: str) -> InvalidIdentificatie:
    return InvalidIdentificatie("waarde", message)


def _digits(soort: IdentificatieSoort, waarde: str, lengte: int) -> str:
    """Exactly ``lengte`` ASCII digits, or an error naming the rule broken."""
    if not waarde:
        raise _invalid(f"{soort.label} ontbreekt")
    if not _is_digits(waarde):
        raise _invalid(f"{soort.label} mag alleen cijfers bevatten, niet '{_first_non_digit(waarde)}'")
    if len(waarde) != lengte:
        hint = " (voorloopnullen tellen mee)" if len(waarde) < lengte else ""
        raise _invalid(f"{soort.label} moet {lengte} cijfers hebben, '{waarde}' heeft er {len(waarde)}{hint}")
    return waarde


def elfproef(digits: str) -> bool:
    """The elfproef of the BSN and the RSIN.

    Multiply the digits by n, n-1, ..., 2 and the last digit by -1; the sum must be divisible by 11.
    For the 9 digits of an RSIN the weights are 9, 8, 7, 6, 5, 4, 3, 2, -1 (Logisch Ontwerp BSN; the
    ZGW standards apply the same proef to the RSIN). ``False`` for anything but two or more ASCII
    digits.
    """
    if len(digits) < 2 or not _is_digits(digits):
        return False
    # Each digit's ASCII code is the digit + 48: map() weighs the codes without a Python loop (and
    # stops with the weights, before the last digit), and the 48s are taken off at once.
    gewogen: int = sum(map(operator.mul, digits.encode("ascii"), range(len(digits), 1, -1)))
    som = gewogen - 48 * sum(range(2, len(digits) + 1))
    return (som - int(digits[-1])) % 11 == 0


# --- the rule per soort ------------------------------------------------------------------------------


def _kvk(waarde: str) -> str:
    # Handelsregister (KVK), quoted in the OIN-stelsel begrippenlijst: "dit KVK-nummer bestaat altijd
    # uit 8 cijfers". No check digit is defined.
    return _digits(IdentificatieSoort.KVK, waarde, 8)


def _vestigingsnummer(waarde: str) -> str:
    # Handelsregister (KVK API, vestigingsprofiel): "Vestigingsnummer: uniek nummer dat bestaat uit
    # 12 cijfers". No check digit is defined.
    return _digits(IdentificatieSoort.VESTIGINGSNUMMER, waarde, 12)


def _rsin(waarde: str) -> str:
    # Handelsregister: the RSIN has 9 digits and is identical to the fiscaal nummer; like the BSN it
    # passes the elfproef (weights 9..2 and -1 for the last digit).
    rsin = _digits(IdentificatieSoort.RSIN, waarde, 9)
    if not elfproef(rsin):
        raise _invalid(f"RSIN voldoet niet aan de elfproef: '{rsin}' is waarschijnlijk verkeerd overgetypt")
    return rsin


@dataclass(frozen=True, slots=True)
class _OinRegister:
    """One row of the OIN-stelsel prefix table: what the hoofdnummer after the prefix is."""

    hoofdnummer: str
    lengte: int | None = None
    elfproef: bool = False
    letters: bool = False


# OIN-stelsel (Logius), chapter "Data Architectuur": an OIN has 20 positions, "Prefix 8 posities",
# "Hoofdnummer 8 of 9 posities", "Als het hoofdnummer 9 posities heeft dan is het suffix 000. Als het
# hoofdnummer 8 posities heeft dan is het suffix 0000". The prefix table below follows that chapter;
# Logius keeps it and adds a row when a register joins. 00000005 is "vrij, nog aan te wijzen", so an
# OIN with that prefix cannot exist yet. The hoofdnummer "kan ook alfanumeriek zijn, afhankelijk van
# het geraadpleegde register": of the registers listed only the BRIN (onderwijsinstellingen, DUO)
# uses letters.
_OIN_PREFIXES: dict[str, _OinRegister] = {
    "00000001": _OinRegister("RSIN", lengte=9, elfproef=True),
    # The RSIN is "inhoudelijk gelijk aan het Fiscaal (FI)-nummer" (Digikoppeling Identificatie en
    # Authenticatie): both come from the same Belastingdienst number series, so the RSIN's elfproef
    # is applied to the Fi-nummer too.
    "00000002": _OinRegister("Fi-nummer", lengte=9, elfproef=True),
    "00000003": _OinRegister("KvK-nummer", lengte=8),
    # SubOIN register: "Hoofdnummer 9 posities, Gegenereerd nummer; Suffix 3 posities, 000".
    "00000004": _OinRegister("SubOIN", lengte=9),
    "00000006": _OinRegister("Logius OIN-hoofdnummer"),
    "00000007": _OinRegister("BRIN-nummer", letters=True),
    "00000008": _OinRegister("buitenlands nummer"),
    "00000009": _OinRegister("Dezi-nummer zorgaanbieder"),
    "00000010": _OinRegister("TRR-BD-nummer"),
    "00000011": _OinRegister("Dezi-nummer zorgverzekeraar"),
    "00000099": _OinRegister("test-OIN"),
}
_BRIN_PREFIX = "00000007"


def _oin(waarde: str) -> str:
    oin = waarde.upper()
    if not oin:
        raise _invalid("OIN ontbreekt")
    letters_toegestaan = oin.startswith(_BRIN_PREFIX)
    if not _is_digits(oin):  # else every character is fine: no need to look at each
        for teken in oin:
            if not ("0" <= teken <= "9" or (letters_toegestaan and "A" <= teken <= "Z")):
                raise _invalid(f"OIN mag alleen cijfers bevatten, niet '{teken}'")
    if len(oin) != 20:
        raise _invalid(f"OIN moet 20 cijfers hebben, '{oin}' heeft er {len(oin)}")
    prefix = oin[:8]
    register = _OIN_PREFIXES.get(prefix)
    if register is None:
        raise _invalid(
            f"OIN-prefix {prefix} komt niet voor in de prefixtabel van het OIN-stelsel; "
            f"bekende prefixen zijn {', '.join(_OIN_PREFIXES)}"
        )
    # Where the standard leaves the length open (8 or 9) only the last three positions are known to be
    # zero: 8 positions + 0000 and 9 positions + 000 both end in 000.
    lengte = register.lengte or 9
    hoofdnummer, suffix = oin[8 : 8 + lengte], oin[8 + lengte :]
    if suffix.strip("0"):
        raise _invalid(
            f"OIN met prefix {prefix} ({register.hoofdnummer}) moet eindigen op {'0' * len(suffix)}"
        )
    if register.elfproef and not elfproef(hoofdnummer):
        raise _invalid(f"Het {register.hoofdnummer} in dit OIN ({hoofdnummer}) voldoet niet aan de elfproef")
    return oin


_URA_LENGTE = 8


def _ura(waarde: str) -> str:
    # UZI-register (CIBG): "Abonneenummer: een nummer van maximaal 8 cijfers dat een abonnee
    # (organisatie of zorgverlener) van het UZI-register uniek identificeert". Registers write it as 8
    # digits with leading zeros (00015823), which is the standard form here. No check digit is defined.
    if not waarde:
        raise _invalid("URA ontbreekt")
    if not _is_digits(waarde):
        raise _invalid(f"URA mag alleen cijfers bevatten, niet '{_first_non_digit(waarde)}'")
    if len(waarde) > _URA_LENGTE:
        raise _invalid(f"URA heeft hoogstens {_URA_LENGTE} cijfers, '{waarde}' heeft er {len(waarde)}")
    return waarde.zfill(_URA_LENGTE)


def _agb(waarde: str) -> str:
    # AGB-register (Vektis): the AGB-code has 8 digits, the first two are the zorgverlenersoort. The
    # soorten in Vektis' codelist (COD016) start at 01 (huisartsen), so 00 is none. No check digit is
    # defined.
    agb = _digits(IdentificatieSoort.AGB, waarde, 8)
    if agb.startswith("00"):
        raise _invalid("AGB-code begint met de zorgverlenersoort, en 00 is geen zorgverlenersoort")
    return agb


_RULES: dict[IdentificatieSoort, Callable[[str], str]] = {
    IdentificatieSoort.KVK: _kvk,
    IdentificatieSoort.VESTIGINGSNUMMER: _vestigingsnummer,
    IdentificatieSoort.RSIN: _rsin,
    IdentificatieSoort.OIN: _oin,
    IdentificatieSoort.URA: _ura,
    IdentificatieSoort.AGB: _agb,
}

_SOORTEN_TEKST = ", ".join(IdentificatieSoort)
_SOORT_VAN = {soort.value: soort for soort in IdentificatieSoort}  # quicker than calling the enum


def _soort(soort: IdentificatieSoort | str) -> IdentificatieSoort:
    if isinstance(soort, IdentificatieSoort):
        return soort
    sleutel = soort.strip()
    if not sleutel:
        raise InvalidIdentificatie("soort", f"Soort identificatie ontbreekt: kies uit {_SOORTEN_TEKST}")
    if (gevonden := _SOORT_VAN.get(sleutel.lower())) is None:
        raise InvalidIdentificatie(
            "soort", f"Onbekende soort identificatie '{sleutel}': kies uit {_SOORTEN_TEKST}"
        )
    return gevonden


# --- the value ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identificatie:
    """A number by which the ledenadministratie recognises a deelnemer, in its register's standard form.

    Building one normalises the waarde (separators removed, an OIN upper-cased, a URA padded to 8
    digits) and raises :class:`InvalidIdentificatie` when a rule is broken. ``str()`` gives the
    canonical ``soort:waarde`` form that :func:`parse_identificatie` reads back.
    """

    soort: IdentificatieSoort
    waarde: str

    def __post_init__(self) -> None:
        soort = _soort(self.soort)
        object.__setattr__(self, "soort", soort)
        object.__setattr__(self, "waarde", _RULES[soort](_compact(self.waarde)))

    def __str__(self) -> str:
        return f"{self.soort.value}:{self.waarde}"


def validate(soort: IdentificatieSoort | str, waarde: str) -> Identificatie:
    """Check a waarde that arrives apart from its soort (a form, a CSV column).

    ``soort`` may be the member or its text (``"KvK"``, ``" oin "``); surrounding whitespace and
    spaces, dots and dashes inside the number are removed before the rule is applied.
    """
    gevonden = _soort(soort)
    return _gecontroleerd(gevonden, _RULES[gevonden](_compact(waarde)))


def _gecontroleerd(soort: IdentificatieSoort, waarde: str) -> Identificatie:
    """An :class:`Identificatie` of a waarde its rule has just returned, built without running the
    rule again in ``__post_init__`` (an import validates hundreds of thousands)."""
    identificatie = object.__new__(Identificatie)
    object.__setattr__(identificatie, "soort", soort)
    object.__setattr__(identificatie, "waarde", waarde)
    return identificatie


def parse_identificatie(text: str) -> Identificatie:
    """Read ``soort:waarde`` (``kvk:69599084``), tolerant of whitespace, separators and case of the soort."""
    soort, scheiding, waarde = text.strip().partition(":")
    if not scheiding or not soort.strip():
        raise InvalidIdentificatie("identificatie", "Gebruik de vorm soort:waarde, bijvoorbeeld kvk:12345678")
    return validate(soort, waarde)


# --- demo data ---------------------------------------------------------------------------------------

_RSIN_GEWICHTEN = (9, 8, 7, 6, 5, 4, 3, 2)
# The OIN kinds demo data needs: derived from an RSIN or a KvK-nummer, a SubOIN, a Logius hoofdnummer.
_GENERATED_OIN_PREFIXES = ("00000001", "00000003", "00000004", "00000006")


def _random_digits(rng: random.Random, lengte: int) -> str:
    return f"{rng.randrange(10**lengte):0{lengte}d}"


def _random_rsin(rng: random.Random) -> str:
    while True:
        eerste = _random_digits(rng, 8)
        som = sum(int(cijfer) * gewicht for cijfer, gewicht in zip(eerste, _RSIN_GEWICHTEN, strict=True))
        # The last digit d must make som - d divisible by 11, so d = som mod 11; 10 is no digit.
        controle = som % 11
        if controle < 10:
            return f"{eerste}{controle}"


def _random_oin(rng: random.Random) -> str:
    prefix = rng.choice(_GENERATED_OIN_PREFIXES)
    if prefix == "00000001":
        return f"{prefix}{_random_rsin(rng)}000"
    if prefix == "00000003":
        return f"{prefix}{_random_digits(rng, 8)}0000"
    return f"{prefix}{_random_digits(rng, 9)}000"


_GENERATORS: dict[IdentificatieSoort, Callable[[random.Random], str]] = {
    IdentificatieSoort.KVK: lambda rng: _random_digits(rng, 8),
    IdentificatieSoort.VESTIGINGSNUMMER: lambda rng: _random_digits(rng, 12),
    IdentificatieSoort.RSIN: _random_rsin,
    IdentificatieSoort.OIN: _random_oin,
    IdentificatieSoort.URA: lambda rng: f"{rng.randrange(1, 10**8):08d}",
    IdentificatieSoort.AGB: lambda rng: f"{rng.randrange(1, 100):02d}{_random_digits(rng, 6)}",
}


def generate_valid(soort: IdentificatieSoort, rng: random.Random) -> Identificatie:
    """A random identificatie of ``soort`` that passes every rule above, for tests, demo data and benches.

    Uses only ``rng``, so the same seed gives the same sequence. The numbers are well-formed, not
    reserved: one may happen to belong to a real organisation, so never send them to a live register.
    """
    return Identificatie(soort, _GENERATORS[soort](rng))


# --- postcode ----------------------------------------------------------------------------------------

# PostNL postcode system: four digits and two letters, written "1234 AB"; the numbers run from 1000
# to 9999, so the first digit is never 0, and the letter pairs SA, SD and SS are not issued.
_POSTCODE = re.compile(r"[0-9]{4}[A-Z]{2}")
_WHITESPACE = re.compile(r"\s+")
_POSTCODE_LETTERS_NOT_ISSUED = frozenset({"SA", "SD", "SS"})


def validate_postcode(text: str) -> str:
    """A Dutch postcode in its standard form ``1234 AB``; tolerant of case and whitespace."""
    postcode = _WHITESPACE.sub("", text).upper()
    getypt = text.strip()
    if not postcode:
        raise InvalidPostcode("postcode", "Postcode ontbreekt")
    if not _POSTCODE.fullmatch(postcode):
        raise InvalidPostcode(
            "postcode", f"Postcode '{getypt}' heeft niet de vorm 1234 AB: vier cijfers en twee letters"
        )
    if postcode.startswith("0"):
        raise InvalidPostcode(
            "postcode", f"Postcode '{getypt}' begint met 0; Nederlandse postcodes lopen van 1000 tot 9999"
        )
    cijfers, letters = postcode[:4], postcode[4:]
    if letters in _POSTCODE_LETTERS_NOT_ISSUED:
        raise InvalidPostcode(
            "postcode", f"Postcode '{getypt}' bestaat niet: de letters SA, SD en SS worden niet uitgegeven"
        )
    return f"{cijfers} {letters}"
