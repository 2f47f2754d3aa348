"""The peildatum: the moment as of which a question to the register is answered.

Every read of the ledenadministratie can be asked as of a peildatum. It is written either as a date
(``2025-06-01``) or as a date-time with its offset (``2025-06-01T14:30:00+02:00`` or ``…Z``):

- a **date** means the start of that day in Dutch time (00:00 Europe/Amsterdam). An answer about
  today therefore does not change during the day, and a role valid from 1 June is held on peildatum
  1 June;
- a **date-time** must carry an offset; a time without one is refused rather than guessed.

Rolvervullingen and ondersteuningsrelaties are valid on dates, so a peildatum moment is compared with
them by its date in Dutch time. Without a peildatum the question is answered as of now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from registry.errors import ValidationFailed

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_FORMAT_HINT = "gebruik een datum (2025-06-01) of een tijdstip met tijdzone (2025-06-01T14:30:00+02:00)"


@dataclass(frozen=True, slots=True)
class Peildatum:
    """A moment to answer as of: ``moment`` in UTC and ``datum``, its date in Dutch time.

    ``getoond`` is the moment the answer names, normally ``moment`` itself; a cached answer *as of
    now* is computed with a placeholder there and shows each request's own moment (see
    :mod:`registry.readcache`)."""

    moment: datetime
    weergave: datetime | None = None

    @property
    def getoond(self) -> datetime:
        return self.weergave or self.moment

    def getoond_iso(self) -> str:
        return self.getoond.isoformat().replace("+00:00", "Z")

    @property
    def datum(self) -> date:
        return self.moment.astimezone(AMSTERDAM).date()

    @classmethod
    def at(cls, moment: datetime) -> Peildatum:
        if moment.tzinfo is None:
            raise ValueError("a peildatum needs a timezone-aware moment")
        return cls(moment.astimezone(UTC))

    @classmethod
    def on(cls, day: date) -> Peildatum:
        """The start of ``day`` in Dutch time."""
        return cls.at(datetime.combine(day, time(0), tzinfo=AMSTERDAM))

    def iso(self) -> str:
        return self.moment.isoformat().replace("+00:00", "Z")


def day_start(day: date) -> datetime:
    """00:00 Europe/Amsterdam on ``day``, in UTC: the moment a date boundary falls."""
    return Peildatum.on(day).moment


def parse_peildatum(text: str | None, now: datetime, field: str = "peildatum") -> Peildatum:
    """Read a peildatum from a query string; ``None`` or empty means ``now``.

    Raises :class:`~registry.errors.ValidationFailed` naming ``field`` when the text is neither a date
    nor a date-time with an offset.
    """
    if text is None or not text.strip():
        return Peildatum.at(now)
    raw = text.strip()
    if "T" not in raw.upper() and " " not in raw:
        try:
            return Peildatum.on(date.fromisoformat(raw))
        except ValueError:
            raise ValidationFailed.single(
                field, f"'{raw}' is geen bestaande datum; {_FORMAT_HINT}", "invalid-date"
            ) from None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        hint = ""
        if " " in raw and "T" in raw:
            hint = " (een '+' in de query moet als %2B worden gecodeerd)"
        raise ValidationFailed.single(
            field, f"'{raw}' is geen datum of tijdstip{hint}; {_FORMAT_HINT}", "invalid-date"
        ) from None
    if moment.tzinfo is None:
        raise ValidationFailed.single(
            field,
            f"Het tijdstip '{raw}' heeft geen tijdzone; voeg Z of bijvoorbeeld +01:00 toe",
            "no-timezone",
        )
    return Peildatum.at(moment)
