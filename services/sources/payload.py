"""Typed, total access to untrusted JSON: every miss is a ``ValidationError`` naming the field.

    json.loads(body) ──as_object / req_str / opt_str / opt_list ...──> checked Python values
    vendor timestamp ──stamp / wall_clock_stamp──> Stamp(occurred_at UTC, offset_known, local_time)
    vendor money ──money──> Decimal (never float)
    a page of records ──map_each──> the records that mapped + SkippedRecord for each one that did not

Mappers never index a payload directly, so a missing or mistyped field can only ever surface as
``ValidationError("<where>: missing field 'x'")`` — never ``KeyError``/``TypeError``.
Every value is bounded here (``services.domain.values`` and ``times``): text is cleaned of controls,
ANSI escapes and bidi overrides, money fits ``MONEY_RE`` (no exponent, NaN or Infinity), and a time
outside ``EARLIEST..LATEST`` is not a timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Literal, TypeVar, cast

from services.domain import (
    EARLIEST,
    LATEST,
    Order,
    Shipment,
    SkippedRecord,
    ValidationError,
    clean_text,
    in_range,
    parse_money,
)

T = TypeVar("T")

JsonObject = Mapping[str, object]
"""A decoded JSON object (keys are always strings in JSON)."""

Normalized = tuple[Literal["orders", "shipments"], list[Order] | list[Shipment]]
"""What a mapper's ``normalize`` returns: the kind of objects and the objects."""


def not_a(kind: str, why: str) -> ValidationError:
    """Return the one-line error for a payload that is not of this vendor's shapes."""
    return ValidationError(f"not a {kind} payload: {why}")


_DATE_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def describe(value: object) -> str:
    """Return a short JSON-ish type name for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def as_object(value: object, where: str) -> JsonObject:
    """Return ``value`` as a JSON object or raise ``ValidationError``."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: expected an object, got {describe(value)}")
    return cast(JsonObject, value)


def as_list(value: object, where: str) -> list[object]:
    """Return ``value`` as a JSON array or raise ``ValidationError``."""
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"{where}: expected a list, got {describe(value)}")
    return list(value)


def opt_object(data: JsonObject, key: str, where: str) -> JsonObject | None:
    """Return the object under ``key``; None when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: field {key!r} must be an object, got {describe(value)}")
    return cast(JsonObject, value)


def req_object(data: JsonObject, key: str, where: str) -> JsonObject:
    """Return the object under ``key`` or raise ``missing field``."""
    value = opt_object(data, key, where)
    if value is None:
        raise ValidationError(f"{where}: missing field {key!r}")
    return value


def opt_list(data: JsonObject, key: str, where: str) -> list[object]:
    """Return the list under ``key``; empty when absent or null."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"{where}: field {key!r} must be a list, got {describe(value)}")
    return list(value)


def opt_str(data: JsonObject, key: str, where: str) -> str | None:
    """Return the text under ``key`` (numbers become text); None when absent, null or blank."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        cleaned = clean_text(value)
        return cleaned if cleaned.strip() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if abs(value) < 10**15 else None
    raise ValidationError(f"{where}: field {key!r} must be a string, got {describe(value)}")


def text_value(value: object, where: str) -> str | None:
    """Return a bare JSON value as text (numbers become text); None when null or blank."""
    return opt_str({"value": value}, "value", where)


def req_str(data: JsonObject, key: str, where: str) -> str:
    """Return the non-blank text under ``key`` or raise ``missing field``."""
    value = opt_str(data, key, where)
    if value is None:
        raise ValidationError(f"{where}: missing field {key!r}")
    return value.strip()


def opt_bool(data: JsonObject, key: str, where: str) -> bool | None:
    """Return the boolean under ``key``; None when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    raise ValidationError(f"{where}: field {key!r} must be a boolean, got {describe(value)}")


def opt_int(data: JsonObject, key: str, where: str) -> int | None:
    """Return the integer under ``key`` (integral floats and digit strings accepted); None when absent."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{where}: field {key!r} must be an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,15}", value.strip()):
        return int(value.strip())
    raise ValidationError(f"{where}: field {key!r} must be an integer, got {describe(value)}")


def money(value: object, key: str, where: str) -> Decimal:
    """Parse a money amount (decimal string or JSON number) into a Decimal, never via float arithmetic."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(f"{where}: field {key!r} must be a decimal amount, got {describe(value)}")
    result = parse_money(repr(value) if isinstance(value, float) else value)
    if result is None:
        shown = value[:40] if isinstance(value, str) else repr(value) if isinstance(value, float) else "a huge number"
        raise ValidationError(f"{where}: field {key!r} is not a decimal amount: {shown!r}")
    return result


def opt_money(data: JsonObject, key: str, where: str) -> Decimal | None:
    """Return the money amount under ``key``; None when absent, null or blank."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return money(value, key, where)


# ---------------------------------------------------------------- records


def record_key(raw: object, fields: tuple[str, ...]) -> str | None:
    """Return the first of ``fields`` that names a record (order / tracking number), clean and short."""
    if not isinstance(raw, Mapping):
        return None
    for name in fields:
        value = raw.get(name)
        if isinstance(value, str) and clean_text(value).strip():
            return clean_text(value).strip()[:64]
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
            return str(value)
    return None


ORDER_KEYS = ("order_number",)
"""The field that names an order in the domain shape (the backend API); vendors pass their own."""
TRACKING_KEYS = ("tracking_number", "tracking_code", "number")
"""Fields that name a tracking in the supported payloads."""


def map_each(
    items: Iterable[object],
    parse: Callable[[object, str], T],
    *,
    where: str,
    kind: str,
    keys: tuple[str, ...],
    skipped: list[SkippedRecord] | None,
) -> list[T]:
    """Map each record of a page; with a ``skipped`` list a bad record lands there instead of failing the page.

    ``parse(raw, where)`` maps one record. Without ``skipped`` (``normalize`` of one file) the first
    bad record raises; with it, a record that does not fit the domain becomes a
    :class:`SkippedRecord` (its order or tracking number when it names one) and the rest is kept.
    """
    out: list[T] = []
    for i, raw in enumerate(items):
        at = f"{where}[{i}]"
        if skipped is None:
            out.append(parse(raw, at))
            continue
        try:
            out.append(parse(raw, at))
        except ValidationError as err:
            skipped.append(SkippedRecord(kind=kind, key=record_key(raw, keys), reason=err.message))
        except (ArithmeticError, ValueError) as err:  # a value no check foresaw: still only this record
            reason = f"{at}: {type(err).__name__}: {clean_text(str(err))[:200]}"
            skipped.append(SkippedRecord(kind=kind, key=record_key(raw, keys), reason=reason))
    return out


# ---------------------------------------------------------------- time


@dataclass(frozen=True, slots=True)
class Stamp:
    """A vendor timestamp read into the domain's time model."""

    occurred_at: datetime
    offset_known: bool
    local_time: str | None


def parse_datetime(text: str) -> datetime | None:
    """Parse ISO 8601 (``Z`` accepted, date-only accepted); None when it is not a timestamp."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        return None
    if raw[-1] in "Zz":
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if EARLIEST.year <= parsed.year < LATEST.year else None


def as_utc(value: datetime) -> datetime | None:
    """Return an aware UTC datetime (naive read as UTC); None outside ``EARLIEST..LATEST``."""
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if in_range(utc) else None


def _bad_time(where: str, text: str) -> ValidationError:
    return ValidationError(f"{where}: not a timestamp: {text[:40]!r}")


def stamp(text: str, where: str, *, keep_local: bool = True) -> Stamp:
    """Read a timestamp whose offset may be missing (offset-less = carrier-local, read as UTC).

    With an offset the instant is exact; ``local_time`` keeps the string when ``keep_local``
    (a carrier-local clock). Without one, ``offset_known`` is False and ``local_time`` is the string.
    """
    parsed = parse_datetime(text)
    if parsed is None:
        raise _bad_time(where, text)
    utc = as_utc(parsed)
    if utc is None:
        raise _bad_time(where, text)
    if parsed.tzinfo is None:
        return Stamp(utc, False, text.strip())
    return Stamp(utc, True, text.strip() if keep_local else None)


def wall_clock_stamp(text: str, where: str) -> Stamp:
    """Read a timestamp whose zone label is known to be wrong (a local wall clock labelled ``Z``)."""
    parsed = parse_datetime(text)
    if parsed is None:
        raise _bad_time(where, text)
    local = text.strip()
    if local[-1:] in ("Z", "z"):
        local = local[:-1]
    return Stamp(parsed.replace(tzinfo=UTC), False, local)


def opt_instant(data: JsonObject, key: str, where: str) -> datetime | None:
    """Return the exact UTC instant under ``key`` (offset-less read as UTC); None when absent or unparseable."""
    text = opt_str(data, key, where)
    if text is None:
        return None
    parsed = parse_datetime(text)
    return as_utc(parsed) if parsed is not None else None


@dataclass(frozen=True, slots=True)
class Estimate:
    """One end of an ETA: a whole local day (date-only or midnight) or an exact instant."""

    start: datetime
    end: datetime
    whole_day: bool = False


def estimate(text: str) -> Estimate | None:
    """Read an ETA value; a date or a 00:00 time means the whole day (never a UTC-midnight instant).

    A whole day is kept as the wall-clock date read as UTC, 00:00:00 to 23:59:59, which the UI
    shows as "by end of day". Returns None for text that is not a date.
    """
    raw = text.strip()
    parsed = parse_datetime(raw)
    if parsed is None:
        return None
    if _DATE_ONLY_RE.match(raw) or parsed.time() == time(0, 0):
        day = parsed.date()
        return _whole_day(day)
    utc = as_utc(parsed)
    if utc is None:
        return None
    return Estimate(utc, utc)


def _whole_day(day: date) -> Estimate:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Estimate(start, start.replace(hour=23, minute=59, second=59), whole_day=True)
