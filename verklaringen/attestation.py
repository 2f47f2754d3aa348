"""The verklaring as a signed attestation: its claims, the document hash both parties sign, and the
one verification path (signature, claims, ondertekeningen, status list).

An attestation is a compact JWS (``typ`` ``verklaring+jwt``, ES256, ``kid`` an RFC 7638 thumbprint)
signed with :func:`registry.signing.sign_jws`. Its claims are modelled on OpenID Federation trust
marks (``iss``, ``sub``, ``iat``, ``exp``, ``trust_mark_type``, ``ref``) and carry a Token Status
List reference (``status``). ``verklaringen/FORMAT.md`` describes every claim.

Verification (:func:`verify_attestation`) is the same for the API, the public pages and the
``stelsel verify`` command; only where the status list comes from differs (a
:class:`StatusListSource`: the database, or a saved status list file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from registry.signing import TYP_VERKLARING, Reason, Signer, sign_jws, verify_jws
from registry.signing.verify import claim_type
from verklaringen.statuslist import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, StatusList

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Every claim a verklaring must carry; verify_jws reports a missing one as ``claim_missing:X``.
VERKLARING_CLAIMS: tuple[str, ...] = (
    "iss",
    "sub",
    "jti",
    "iat",
    "nbf",
    "exp",
    "rol",
    "release",
    "taken",
    "taken_deels",
    "geldigheid",
    "deelnemer",
    "ondertekeningen",
    "status",
)
PARTIJ_DEELNEMER = "deelnemer"
PARTIJ_STELSEL = "stelsel"

# Reason codes added to those of registry.signing.verify.
REASON_REVOKED = "revoked"
REASON_SUSPENDED = "suspended"
REASON_STATUS_UNAVAILABLE = "status_unavailable"
REASON_DOCUMENT_HASH_MISMATCH = "document_hash_mismatch"
REASON_OTHER_STATUS = "status_unknown_value"

# The reasons of verify_jws that concern the token's form, header, key or signature; all other
# reasons concern the claims.
_SIGNATURE_REASONS = frozenset(
    {
        Reason.TOO_LARGE,
        Reason.MALFORMED,
        Reason.ALG_NOT_ALLOWED,
        Reason.CRIT_UNSUPPORTED,
        Reason.TYP_MISMATCH,
        Reason.KID_MISSING,
        Reason.KEY_REVOKED,
        Reason.KID_UNKNOWN,
        Reason.KID_AMBIGUOUS,
        Reason.KEY_INVALID,
        Reason.BAD_SIGNATURE,
    }
)


def day_start(day: date) -> datetime:
    """00:00 Europe/Amsterdam on ``day``: where a date boundary of the register falls."""
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)


def numeric_date(moment: datetime) -> int:
    """A JWT NumericDate (whole seconds since the epoch)."""
    return int(moment.astimezone(UTC).timestamp())


# --- what both parties sign ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verklaringinhoud:
    """The content of a verklaring that both parties sign: who, which role under which release,
    which duties (``taken`` fully supported, ``taken_deels`` partly, with afspraken), and for which
    period (``geldig_tot`` exclusive, as everywhere in the register).
    """

    nummer: str
    deelnemer_naam: str
    identificaties: tuple[str, ...]
    rol: str
    release: str
    taken: tuple[str, ...]
    taken_deels: tuple[str, ...]
    geldig_van: date
    geldig_tot: date

    def canonical(self) -> dict[str, Any]:
        """The JSON object the document hash is computed over (also recomputable from the claims)."""
        return {
            "nummer": self.nummer,
            "deelnemer": {"naam": self.deelnemer_naam, "identificaties": list(self.identificaties)},
            "rol": self.rol,
            "release": self.release,
            "taken": list(self.taken),
            "taken_deels": list(self.taken_deels),
            "geldigheid": {"van": self.geldig_van.isoformat(), "tot": self.geldig_tot.isoformat()},
        }

    @property
    def document_hash(self) -> str:
        return document_hash(self.canonical())


def document_hash(canonical: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the canonical JSON (sorted keys, no spaces, UTF-8) of ``canonical``."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_from_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The signed content as a verifier rebuilds it from an attestation's claims."""
    deelnemer = claims.get("deelnemer")
    if not isinstance(deelnemer, Mapping):
        deelnemer = {}
    return {
        "nummer": claims.get("jti"),
        "deelnemer": {"naam": deelnemer.get("naam"), "identificaties": deelnemer.get("identificaties")},
        "rol": claims.get("rol"),
        "release": claims.get("release"),
        "taken": claims.get("taken"),
        "taken_deels": claims.get("taken_deels"),
        "geldigheid": claims.get("geldigheid"),
    }


@dataclass(frozen=True, slots=True)
class Ondertekeningsclaim:
    """One signing event as the attestation states it: which party, who, in which role, when, how,
    and the document hash that person signed."""

    partij: str
    naam: str
    rol: str
    organisatie: str
    tijdstip: datetime
    methode: str
    document_hash: str

    def to_claim(self) -> dict[str, Any]:
        return {
            "partij": self.partij,
            "naam": self.naam,
            "rol": self.rol,
            "organisatie": self.organisatie,
            "tijdstip": numeric_date(self.tijdstip),
            "methode": self.methode,
            "document_hash": self.document_hash,
        }


def build_claims(
    inhoud: Verklaringinhoud,
    *,
    issuer: str,
    subject: str,
    issued_at: datetime,
    ondertekeningen: Sequence[Ondertekeningsclaim],
    status: Mapping[str, Any],
    verification_url: str,
) -> dict[str, Any]:
    """The claims of a verklaring attestation, in the order FORMAT.md lists them."""
    return {
        "iss": issuer,
        "sub": subject,
        "jti": inhoud.nummer,
        "iat": numeric_date(issued_at),
        "nbf": numeric_date(day_start(inhoud.geldig_van)),
        "exp": numeric_date(day_start(inhoud.geldig_tot)),
        "trust_mark_type": f"{issuer}/verklaringen/rollen/{inhoud.rol}",
        "ref": verification_url,
        "rol": inhoud.rol,
        "release": inhoud.release,
        "taken": list(inhoud.taken),
        "taken_deels": list(inhoud.taken_deels),
        "geldigheid": {"van": inhoud.geldig_van.isoformat(), "tot": inhoud.geldig_tot.isoformat()},
        "deelnemer": {"naam": inhoud.deelnemer_naam, "identificaties": list(inhoud.identificaties)},
        "ondertekeningen": [ondertekening.to_claim() for ondertekening in ondertekeningen],
        "status": dict(status),
    }


def sign_attestation(claims: Mapping[str, Any], signer: Signer) -> str:
    """The compact JWS of a verklaring."""
    return sign_jws(claims, signer, TYP_VERKLARING)


# --- verification --------------------------------------------------------------------------------


class StatusUnavailable(Exception):
    """The status list a verklaring points at cannot be had or does not verify."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(", ".join(self.reasons))


class StatusListSource(Protocol):
    """Where a verifier gets the (verified) status list named by a verklaring's ``status`` claim."""

    async def status_list(self, uri: str) -> StatusList:
        """The list published at ``uri``; raises :class:`StatusUnavailable` when it cannot be had."""
        ...


CHECK_SIGNATURE = "signature"
CHECK_CLAIMS = "claims"
CHECK_ONDERTEKENINGEN = "ondertekeningen"
CHECK_STATUS = "status"
CHECK_NAMES = (CHECK_SIGNATURE, CHECK_CLAIMS, CHECK_ONDERTEKENINGEN, CHECK_STATUS)

STATUS_NAMES = {STATUS_VALID: "valid", STATUS_INVALID: "revoked", STATUS_SUSPENDED: "suspended"}


@dataclass(frozen=True, slots=True)
class Check:
    """One named step of a verification: ``passed``, ``failed``, or ``skipped`` (an earlier step failed)."""

    name: str
    outcome: str
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AttestationVerification:
    """The outcome of verifying a verklaring attestation.

    ``status`` is what the status list says (``valid``, ``revoked``, ``suspended``) or ``unknown``
    when it was not (or could not be) consulted. ``claims`` is only filled when the signature
    verified, so unverified data never reaches a caller.
    """

    valid: bool
    reasons: list[str]
    checks: list[Check]
    status: str
    claims: dict[str, Any] | None
    header: dict[str, Any] | None


def _is_string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_index(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _period(value: object) -> tuple[date, date] | None:
    """``(van, tot)`` from a ``geldigheid`` claim, or ``None`` when it has not that shape."""
    if not isinstance(value, Mapping):
        return None
    van, tot = value.get("van"), value.get("tot")
    if not isinstance(van, str) or not isinstance(tot, str):
        return None
    try:
        return date.fromisoformat(van), date.fromisoformat(tot)
    except ValueError:
        return None


def _claim_shape_reasons(claims: Mapping[str, Any]) -> list[str]:
    """Types of the verklaring's own claims (their presence is checked by verify_jws)."""
    reasons: list[str] = []
    for name in ("rol", "release"):
        if name in claims and not (isinstance(claims[name], str) and claims[name]):
            reasons.append(claim_type(name))
    reasons += [
        claim_type(name)
        for name in ("taken", "taken_deels")
        if name in claims and not _is_string_list(claims[name])
    ]
    if "geldigheid" in claims and _period(claims["geldigheid"]) is None:
        reasons.append(claim_type("geldigheid"))
    deelnemer = claims.get("deelnemer")
    if "deelnemer" in claims and not (
        isinstance(deelnemer, Mapping)
        and isinstance(deelnemer.get("naam"), str)
        and _is_string_list(deelnemer.get("identificaties"))
    ):
        reasons.append(claim_type("deelnemer"))
    ondertekeningen = claims.get("ondertekeningen")
    if "ondertekeningen" in claims and not (
        isinstance(ondertekeningen, list) and all(isinstance(item, Mapping) for item in ondertekeningen)
    ):
        reasons.append(claim_type("ondertekeningen"))
    if "status" in claims and status_reference(claims) is None:
        reasons.append(claim_type("status"))
    return reasons


def status_reference(claims: Mapping[str, Any]) -> tuple[str, int] | None:
    """``(uri, idx)`` from the ``status`` claim, or ``None`` when it has not that shape."""
    status = claims.get("status")
    if not isinstance(status, Mapping):
        return None
    reference = status.get("status_list")
    if not isinstance(reference, Mapping):
        return None
    uri, index = reference.get("uri"), reference.get("idx")
    if not isinstance(uri, str) or not uri or not isinstance(index, int) or not _is_index(index):
        return None
    return uri, index


def _ondertekening_reasons(claims: Mapping[str, Any]) -> list[str]:
    """Both parties signed, and each signed exactly the content the attestation states."""
    entries = [item for item in claims.get("ondertekeningen") or [] if isinstance(item, Mapping)]
    expected = document_hash(canonical_from_claims(claims))
    reasons: list[str] = []
    for partij in (PARTIJ_DEELNEMER, PARTIJ_STELSEL):
        signed = [item for item in entries if item.get("partij") == partij]
        if not signed:
            reasons.append(f"ondertekening_missing:{partij}")
        elif any(item.get("document_hash") != expected for item in signed):
            reasons.append(REASON_DOCUMENT_HASH_MISMATCH)
    return list(dict.fromkeys(reasons))


async def _status(claims: Mapping[str, Any], source: StatusListSource) -> tuple[str, list[str]]:
    reference = status_reference(claims)
    if reference is None:
        return "unknown", [claim_type("status")]
    uri, index = reference
    try:
        status_list = await source.status_list(uri)
    except StatusUnavailable as exc:
        return "unknown", [REASON_STATUS_UNAVAILABLE, *exc.reasons]
    if index >= status_list.size:
        return "unknown", [REASON_STATUS_UNAVAILABLE, "status_list:index_out_of_range"]
    value = status_list.get(index)
    if value == STATUS_VALID:
        return "valid", []
    if value == STATUS_INVALID:
        return "revoked", [REASON_REVOKED]
    if value == STATUS_SUSPENDED:
        return "suspended", [REASON_SUSPENDED]
    return "unknown", [REASON_OTHER_STATUS]


async def verify_attestation(
    token: str,
    *,
    jwks: Mapping[str, Any],
    issuer: str,
    now: datetime,
    revoked_kids: Collection[str],
    status_source: StatusListSource,
) -> AttestationVerification:
    """Verify a verklaring: the strict JWS checks, its claims, both ondertekeningen and its status.

    Every check is reported by name. A failed signature skips the others; the claim, ondertekening
    and status checks all run so that every problem is named at once.
    """
    result = verify_jws(
        token,
        jwks,
        expected_typ=TYP_VERKLARING,
        issuer=issuer,
        now=now,
        revoked_kids=revoked_kids,
        required_claims=VERKLARING_CLAIMS,
    )
    signature_reasons = [reason for reason in result.reasons if reason in _SIGNATURE_REASONS]
    if signature_reasons or result.claims is None:
        checks = [Check(CHECK_SIGNATURE, "failed", signature_reasons or list(result.reasons))]
        checks += [Check(name, "skipped") for name in CHECK_NAMES[1:]]
        return AttestationVerification(
            valid=False,
            reasons=checks[0].reasons,
            checks=checks,
            status="unknown",
            claims=None,
            header=result.header,
        )
    claims = result.claims
    claim_reasons = [reason for reason in result.reasons if reason not in _SIGNATURE_REASONS]
    claim_reasons += _claim_shape_reasons(claims)
    ondertekening_reasons = _ondertekening_reasons(claims)
    status, status_reasons = await _status(claims, status_source)
    checks = [
        Check(CHECK_SIGNATURE, "passed"),
        Check(CHECK_CLAIMS, "failed" if claim_reasons else "passed", claim_reasons),
        Check(CHECK_ONDERTEKENINGEN, "failed" if ondertekening_reasons else "passed", ondertekening_reasons),
        Check(CHECK_STATUS, "failed" if status_reasons else "passed", status_reasons),
    ]
    reasons = list(dict.fromkeys(reason for check in checks for reason in check.reasons))
    return AttestationVerification(
        valid=not reasons,
        reasons=reasons,
        checks=checks,
        status=status,
        claims=claims,
        header=result.header,
    )
