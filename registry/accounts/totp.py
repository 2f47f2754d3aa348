"""Time-based one-time codes (RFC 6238) as the optional second login factor.

Codes are six digits over 30-second steps; one step of clock drift either way is accepted, and a
step that was used once is never accepted again (a code seen over a shoulder cannot be replayed).
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp
import segno

ISSUER = "Stelselregister"
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER))


def qr_data_uri(uri: str) -> str:
    """The URI as a QR code in an SVG ``data:`` URI (allowed by the CSP's ``img-src data:``)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step whose code equals ``code`` (within one step of ``now``), if not used before."""
    code = normalise_code(code)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(totp.timecode(now))
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(str(totp.generate_otp(step)), code):
            return step
    return None


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator shows at ``moment`` (for tests and the demo)."""
    return str(pyotp.TOTP(secret).at(moment))
