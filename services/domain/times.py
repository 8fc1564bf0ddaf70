"""UTC time helpers: every time is stored and printed in UTC with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import ValidationError


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
    """Parse an ISO 8601 timestamp into an aware UTC datetime (no offset means UTC)."""
    if not isinstance(text, str) or not text:
        raise ValidationError(f"not a timestamp: {text!r}")
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as err:
        raise ValidationError(f"not an ISO 8601 timestamp: {text!r}") from err
    return to_utc(value)


def has_offset(text: str) -> bool:
    """Tell whether an ISO 8601 timestamp string carries a UTC offset or ``Z``."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        return True
    try:
        return datetime.fromisoformat(raw).tzinfo is not None
    except ValueError:
        return False
