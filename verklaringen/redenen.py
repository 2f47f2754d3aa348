"""What the reason codes of a verification mean, in words for a visitor of ``/verifieer``.

The API and ``stelsel verify`` answer with stable machine codes (``bad_signature``, ``revoked``,
``claim_missing:iss``, …; see :mod:`registry.signing.verify` and :mod:`verklaringen.attestation`).
The public page explains each code in Dutch: what it means and what the visitor can do, with the
code itself in small print so that a support desk can look it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from verklaringen import schemas


@dataclass(frozen=True, slots=True)
class Uitleg:
    """One reason code explained: ``tekst`` says what is wrong, ``advies`` what the visitor can do."""

    code: str
    tekst: str
    advies: str


_PLAK_OPNIEUW = (
    "Kopieer de ondertekende verklaring opnieuw, volledig en zonder spaties of regeleinden, "
    "of kies de PDF van de verklaring zoals u die van de organisatie hebt gekregen."
)
_VRAAG_ORIGINEEL = (
    "Vertrouw niet op deze verklaring. Vraag de organisatie om de originele verklaring, "
    "of zoek het nummer van de verklaring op via de QR-code op de PDF."
)
_NEEM_CONTACT_OP = (
    "Probeer het later opnieuw. Blijft dit zo, neem dan contact op met het stelselregister en noem de code."
)

_UITLEG: dict[str, tuple[str, str]] = {
    # The form of the token.
    "no_attestation": (
        "In het gekozen bestand zit geen ondertekende verklaring: het is geen PDF van een verklaring "
        "uit dit stelselregister, of het bestand is beschadigd.",
        "Kies de PDF van de verklaring zoals u die van de organisatie hebt gekregen, "
        "of plak de ondertekende verklaring (de tekst die met eyJ begint).",
    ),
    "too_large": (
        "De geplakte tekst is veel langer dan een ondertekende verklaring kan zijn.",
        _PLAK_OPNIEUW,
    ),
    "malformed": (
        "De geplakte tekst is geen ondertekende verklaring: die bestaat uit drie delen, "
        "gescheiden door punten, en begint met eyJ.",
        _PLAK_OPNIEUW,
    ),
    "alg_not_allowed": (
        "De verklaring is niet ondertekend op de manier die dit stelselregister gebruikt.",
        _VRAAG_ORIGINEEL,
    ),
    "crit_unsupported": (
        "De verklaring vraagt om een controle die dit stelselregister niet kent.",
        _VRAAG_ORIGINEEL,
    ),
    "typ_mismatch": (
        "Dit is een ondertekend bericht, maar geen verklaring van dit stelselregister.",
        "Controleer of u de verklaring hebt geplakt en niet een ander ondertekend bericht. "
        + _VRAAG_ORIGINEEL,
    ),
    # The key and the signature.
    "kid_missing": (
        "De verklaring noemt niet met welke sleutel ze is ondertekend.",
        _VRAAG_ORIGINEEL,
    ),
    "kid_unknown": (
        "De verklaring is ondertekend met een sleutel die dit stelselregister niet kent: "
        "ze komt niet van dit stelselregister.",
        _VRAAG_ORIGINEEL,
    ),
    "kid_ambiguous": (
        "Bij de sleutel van deze verklaring horen meerdere gepubliceerde sleutels.",
        _NEEM_CONTACT_OP,
    ),
    "key_invalid": (
        "De gepubliceerde sleutel van deze verklaring is niet bruikbaar.",
        _NEEM_CONTACT_OP,
    ),
    "key_revoked": (
        "De sleutel waarmee de verklaring is ondertekend, is ingetrokken. "
        "Alles wat met die sleutel is ondertekend, geldt niet meer.",
        "Vraag de organisatie om een nieuwe verklaring.",
    ),
    "bad_signature": (
        "De handtekening klopt niet bij de inhoud: de verklaring is na het ondertekenen gewijzigd, "
        "of de tekst is niet volledig gekopieerd.",
        _PLAK_OPNIEUW + " Klopt de handtekening dan nog niet, vertrouw de verklaring dan niet.",
    ),
    # The claims.
    "expired": (
        "De geldigheidsduur van de verklaring is voorbij.",
        "Vraag de organisatie om de vernieuwde verklaring.",
    ),
    "not_yet_valid": (
        "De geldigheidsduur van de verklaring is nog niet begonnen.",
        "Controleer de verklaring opnieuw vanaf de dag waarop ze ingaat.",
    ),
    "issued_in_future": (
        "De verklaring is ondertekend op een tijdstip dat nog moet komen.",
        _NEEM_CONTACT_OP,
    ),
    "issuer_mismatch": (
        "De verklaring is afgegeven door een ander register dan dit stelselregister.",
        "Controleer de verklaring bij het register dat haar heeft afgegeven.",
    ),
    "subject_mismatch": (
        "De verklaring gaat over een andere organisatie dan verwacht.",
        _VRAAG_ORIGINEEL,
    ),
    "audience_mismatch": (
        "De verklaring is voor één bepaalde ontvanger bedoeld; een verklaring van dit stelselregister "
        "is dat nooit.",
        _VRAAG_ORIGINEEL,
    ),
    "document_hash_mismatch": (
        "Wat de partijen hebben ondertekend, is niet wat in de verklaring staat.",
        _VRAAG_ORIGINEEL,
    ),
    # The status list.
    "revoked": (
        "De verklaring is ingetrokken: de organisatie kan zich er niet meer op beroepen.",
        "Vraag de organisatie of ze een andere, geldige verklaring heeft.",
    ),
    "suspended": (
        "De verklaring is geschorst: ze geldt tijdelijk niet.",
        "Vraag de organisatie naar de stand van zaken, of controleer de verklaring later opnieuw.",
    ),
    "status_unavailable": (
        "Niet vast te stellen of de verklaring is ingetrokken of geschorst: "
        "de statuslijst kon niet worden gelezen of gecontroleerd.",
        _NEEM_CONTACT_OP,
    ),
    "status_unknown_value": (
        "De statuslijst geeft voor deze verklaring een waarde die dit stelselregister niet kent.",
        _NEEM_CONTACT_OP,
    ),
}

# Codes with a detail after the colon (``claim_missing:iss``): explained by their prefix.
_UITLEG_PER_SOORT: dict[str, tuple[str, str]] = {
    "claim_missing": (
        "Er ontbreekt een verplicht gegeven in de verklaring.",
        _VRAAG_ORIGINEEL,
    ),
    "claim_type": (
        "Een gegeven in de verklaring heeft niet de vorm die het moet hebben.",
        _VRAAG_ORIGINEEL,
    ),
    "ondertekening_missing": (
        "De verklaring mist de ondertekening van een van beide partijen (de organisatie en het stelsel).",
        _VRAAG_ORIGINEEL,
    ),
    "status_list": (
        "Dit is de nadere reden waarom de statuslijst (waarin staat of een verklaring is ingetrokken "
        "of geschorst) niet te controleren was.",
        _NEEM_CONTACT_OP,
    ),
}

_ONBEKEND = (
    "Deze controle is niet gelukt.",
    "Neem contact op met het stelselregister en noem de code.",
)


def uitleg(code: str) -> Uitleg:
    """The explanation of one reason code (a general one for a code this module does not know)."""
    tekst, advies = _UITLEG.get(code) or _UITLEG_PER_SOORT.get(code.partition(":")[0]) or _ONBEKEND
    return Uitleg(code=code, tekst=tekst, advies=advies)


def is_bekend(code: str) -> bool:
    """Whether ``code`` has an explanation of its own rather than the general one."""
    return code in _UITLEG or code.partition(":")[0] in _UITLEG_PER_SOORT


def uitleg_per_code(codes: Iterable[str]) -> dict[str, Uitleg]:
    """Each of ``codes`` with its explanation, in order, once."""
    return {code: uitleg(code) for code in codes}


def van_verificatie(resultaat: schemas.Verificatie) -> dict[str, Uitleg]:
    """The explanation of every reason a verification gives, overall and per check."""
    return uitleg_per_code([*resultaat.reasons, *(r for c in resultaat.checks for r in c.reasons)])
