"""Delivery estimates in words: calendar days that stay days, and what became of an estimate.

    DeliveryWindow (date_only) ──eta_days──> the calendar days, the same in every time zone
    DeliveryWindow (timed)     ──eta_days──> the days it covers in the reader's time zone
    DeliveryWindow             ──eta_deadline / eta_passed──> when it is over where the reader is
    ETA history (EtaChange...) ──eta_note──> "Estimate withdrawn by the carrier on 3 Dec"
                                             "Moved from 5–6 Dec to 8 Dec"

A date-only estimate (notes/apis.md §11) is held as 00:00:00–23:59:59 of its days in UTC wall
clock; converting that to a zone west of UTC would name the day before. So its days are read
off the stored dates, never converted. ``tz`` follows ``datetime.astimezone``: None is the
machine's local zone; the command line and the exports pass UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .models import DeliveryWindow, EtaChange
from .times import format_utc


def _local(value: datetime, tz: tzinfo | None) -> datetime:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(tz)


def eta_days(window: DeliveryWindow, tz: tzinfo | None) -> tuple[date, date]:
    """Return the first and last day of an estimate: its own days when date-only, else in ``tz``."""
    if window.date_only:
        return window.days
    return _local(window.start, tz).date(), _local(window.end, tz).date()


def day_span(first: date, last: date, today: date | None = None) -> str:
    """Name one day or a run of days: ``8 Dec``, ``5–6 Dec``, ``30 Nov – 2 Dec`` (a year when not ``today``'s)."""
    year = today.year if today is not None else None

    def name(d: date, with_month: bool = True) -> str:
        text = f"{d.day} {d:%b}" if with_month else str(d.day)
        return text if year is None or d.year == year else f"{text} {d.year}"

    if first == last:
        return name(first)
    if (first.year, first.month) == (last.year, last.month):
        tail = name(last)
        return f"{first.day}–{tail}"
    return f"{name(first)} – {name(last)}"


def eta_text(window: DeliveryWindow, tz: tzinfo | None, today: date | None = None) -> str:
    """Describe an estimate briefly: ``8 Dec`` (date-only), ``8 Dec, 08:00–12:00`` (timed, one day)."""
    first, last = eta_days(window, tz)
    days = day_span(first, last, today)
    if window.date_only or first != last:
        return days
    a, b = _local(window.start, tz), _local(window.end, tz)
    if (a.hour, a.minute) == (0, 0) and (b.hour, b.minute) in ((23, 59), (0, 0)):
        return days
    if a == b:
        return f"{days}, {a:%H:%M}"
    return f"{days}, {a:%H:%M}–{b:%H:%M}"


def eta_iso(window: DeliveryWindow) -> str:
    """Write an estimate in ISO 8601: ``2026-11-24`` or ``2026-11-24/2026-11-25`` (days), else UTC instants."""
    if window.date_only:
        first, last = window.days
        return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"
    if window.start == window.end:
        return format_utc(window.start)
    return f"{format_utc(window.start)}/{format_utc(window.end)}"


def eta_deadline(window: DeliveryWindow, tz: tzinfo | None) -> datetime:
    """Return when an estimate is over, in UTC: a date-only one when its last day ends in ``tz``.

    A timed window is over at its end. ``2026-12-04`` (date-only) is over at midnight after 4 Dec
    where the reader is: 08:00Z on 5 Dec in Los Angeles, 15:00Z on 4 Dec in Tokyo.
    """
    if not window.date_only:
        return window.end if window.end.tzinfo is not None else window.end.replace(tzinfo=UTC)
    after = datetime.combine(window.days[1] + timedelta(days=1), time.min)
    # a naive time is read in the machine's zone (DST of that day included)
    return (after if tz is None else after.replace(tzinfo=tz)).astimezone(UTC)


def eta_passed(window: DeliveryWindow, now: datetime, tz: tzinfo | None) -> bool:
    """Tell whether the estimate is over: a date-only one when its last day has ended where the reader is."""
    if window.date_only:
        return _local(now, tz).date() > window.days[1]
    return window.end < now


def eta_note(history: Sequence[EtaChange], tz: tzinfo | None, today: date | None = None) -> str | None:
    """Say what the carrier last did to the estimate, from the ETA history (oldest first).

    ``Estimate withdrawn by the carrier on 3 Dec (was 5–6 Dec)``, ``Moved from 5–6 Dec to 8 Dec``,
    ``New estimate 8 Dec after the carrier withdrew one on 3 Dec``; None for a first estimate, an
    unchanged one or no history.
    """
    if len(history) < 2:
        return None
    latest, previous = history[-1], history[-2]
    when = day_span(*(2 * (_local(latest.seen_at, tz).date(),)), today)
    now_window, was_window = latest.window, previous.window
    if now_window is None:
        if was_window is None:
            return None
        return f"Estimate withdrawn by the carrier on {when} (was {eta_text(was_window, tz, today)})"
    if was_window is None:
        gone = day_span(*(2 * (_local(previous.seen_at, tz).date(),)), today)
        return f"New estimate {eta_text(now_window, tz, today)} after the carrier withdrew one on {gone}"
    before, after = eta_text(was_window, tz, today), eta_text(now_window, tz, today)
    if before == after:
        return None  # a change the reader cannot see (the same days)
    return f"Moved from {before} to {after} on {when}"
