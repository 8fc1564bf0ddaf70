"""UTC time helpers: every time is stored and printed in UTC with a ``Z``.

An instant from outside must lie in ``EARLIEST <= t < LATEST`` (:func:`in_range`): a year-9999 event
would be stored and then break every screen that adds a day or a zone to it, and year 1 with an
offset overflows the calendar when converted to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import ValidationError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest instant a source may send (inclusive)."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""The first instant a source may no longer send (exclusive)."""


def in_range(value: datetime) -> bool:
    """Tell whether an aware (or naive, read as UTC) instant lies in ``EARLIEST <= value < LATEST``."""
    v = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return EARLIEST <= v < LATEST


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime (microseconds dropped)."""
    return datetime.now(UTC).replace(microsecond=0)


def to_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """Format an aware or naive datetime as ISO 8601 UTC with a ``Z`` suffix."""
    v = to_utc(value)
    text = v.replace(tzinfo=None).isoformat(timespec="microseconds" if v.microsecond else "seconds")
    return text + "Z"


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 timestamp into an aware UTC datetime (no offset means UTC), within range."""
    if not isinstance(text, str) or not text:
        raise ValidationError(f"not a timestamp: {text!r}")
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = to_utc(datetime.fromisoformat(raw))
    except ValueError as err:
        raise ValidationError(f"not an ISO 8601 timestamp: {text[:40]!r}") from err
    except OverflowError as err:  # year 1 with a positive offset, year 9999 with a negative one
        raise ValidationError(f"timestamp outside the calendar: {text[:40]!r}") from err
    if not in_range(value):
        raise ValidationError(f"timestamp outside {EARLIEST.year}..{LATEST.year - 1}: {text[:40]!r}")
    return value


def has_offset(text: str) -> bool:
    """Tell whether an ISO 8601 timestamp string carries a UTC offset or ``Z``."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        return True
    try:
        return datetime.fromisoformat(raw).tzinfo is not None
    except ValueError:
        return False
