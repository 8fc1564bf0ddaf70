"""Pure text formatting for the screens: money, dates, statuses, carriers (no Flet here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from services.domain import DeliveryWindow, amount_places

_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$"}

_CARRIER_NAMES = {
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "dhl": "DHL",
    "dhl-express": "DHL Express",
    "royal-mail": "Royal Mail",
    "dpd": "DPD",
    "dpd-uk": "DPD UK",
    "gls": "GLS",
    "postnl": "PostNL",
    "canada-post": "Canada Post",
    "australia-post": "Australia Post",
    "la-poste-colissimo": "Colissimo",
    "deutsch-post": "Deutsche Post",
    "hermes": "Evri",
    "amazon": "Amazon Logistics",
    "ontrac": "OnTrac",
}

_LABEL_OVERRIDES = {"mobile_app": "Mobile app", "in_store": "In store", "info_received": "Label created"}


def money(amount: Decimal, currency: str) -> str:
    """Format an amount with its currency, e.g. ``€1,234.50``, ``¥4,000`` or ``1.500 KWD`` (ISO 4217 minor units)."""
    places = amount_places(amount, currency)
    text = f"{amount:,.{places}f}"
    symbol = _CURRENCY_SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{text} {currency.upper()}"
    if text.startswith("-"):
        return f"-{symbol}{text[1:]}"
    return f"{symbol}{text}"


def label(value: str) -> str:
    """Turn a vocabulary value (``in_transit``) into a human label (``In transit``)."""
    if value in _LABEL_OVERRIDES:
        return _LABEL_OVERRIDES[value]
    text = value.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def carrier_name(slug: str) -> str:
    """Return the display name of a carrier slug (``royal-mail`` -> ``Royal Mail``)."""
    if slug in _CARRIER_NAMES:
        return _CARRIER_NAMES[slug]
    return slug.replace("-", " ").replace("_", " ").title()


def count_orders(n: int) -> str:
    """Return ``1 order`` / ``1,234 orders``."""
    return "1 order" if n == 1 else f"{n:,} orders"


def local(value: datetime, tz: tzinfo | None) -> datetime:
    """Convert an aware (or naive UTC) datetime to the display time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def day(value: date) -> str:
    """Format a day as ``20 Nov 2026``."""
    return f"{value.day} {value:%b %Y}"


def short_day(value: datetime, tz: tzinfo | None, now: datetime | None = None) -> str:
    """Format the local day compactly: ``21 Nov`` this year, ``21 Nov 2025`` otherwise."""
    v = local(value, tz)
    if v.year == local(now or datetime.now(UTC), tz).year:
        return f"{v.day} {v:%b}"
    return f"{v.day} {v:%b %Y}"


def clock(value: datetime, tz: tzinfo | None) -> str:
    """Format the local time of day as ``14:02``."""
    return f"{local(value, tz):%H:%M}"


def moment(value: datetime, tz: tzinfo | None) -> str:
    """Format a timestamp in local time as ``Sat 21 Nov 2026, 09:02``."""
    v = local(value, tz)
    return f"{v:%a} {v.day} {v:%b %Y}, {v:%H:%M}"


def since(value: datetime, tz: tzinfo | None, now: datetime | None = None) -> str:
    """Format a past timestamp compactly: ``14:02`` today, else ``20 Nov, 14:02``."""
    v = local(value, tz)
    today = local(now or datetime.now(UTC), tz).date()
    if v.date() == today:
        return f"{v:%H:%M}"
    if v.year == today.year:
        return f"{v.day} {v:%b}, {v:%H:%M}"
    return f"{v.day} {v:%b %Y}, {v:%H:%M}"


def window(start: datetime, end: datetime, tz: tzinfo | None) -> str:
    """Format a delivery window: ``Tue 24 Nov, 08:00–18:00`` or across days."""
    a, b = local(start, tz), local(end, tz)
    head = f"{a:%a} {a.day} {a:%b}"
    if a == b:
        return f"{head}, {a:%H:%M}"
    if a.date() == b.date():
        if (a.hour, a.minute) == (0, 0) and (b.hour, b.minute) in ((23, 59), (0, 0)):
            return head
        return f"{head}, {a:%H:%M}–{b:%H:%M}"
    return f"{head} – {b:%a} {b.day} {b:%b}"


def eta_zone(estimate: DeliveryWindow, tz: tzinfo | None) -> tzinfo | None:
    """Return the zone to show an estimate in: a date-only one is its own days (UTC wall clock), never converted."""
    return UTC if estimate.date_only else tz


def eta(estimate: DeliveryWindow, tz: tzinfo | None) -> str:
    """Format an estimate: ``Tue 24 Nov`` for a date-only one in every time zone, else :func:`window` in ``tz``."""
    return window(estimate.start, estimate.end, eta_zone(estimate, tz))


def span(delta: timedelta) -> str:
    """Format a duration roughly (sign ignored): ``40 min``, ``5 h 30 min``, ``1 day``, ``2 days 3 h``."""
    minutes = round(abs(delta).total_seconds() / 60)
    if minutes == 0:
        return "less than a minute"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append("1 day" if days == 1 else f"{days} days")
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    return " ".join(parts)


def was_window(start: datetime, end: datetime, than: datetime, tz: tzinfo | None) -> str:
    """Name an earlier window briefly next to a newer one starting at ``than``.

    Another day gives the day (``Mon 1 Dec``); the same day gives the hours (``08:00–20:00``).
    """
    a, b = local(start, tz), local(than, tz)
    full = window(start, end, tz)
    if a.date() != b.date() or local(end, tz).date() != a.date():
        return f"{a:%a} {a.day} {a:%b}"
    head, sep, rest = full.partition(", ")
    return rest if sep else head


def eta_move(
    before: tuple[datetime, datetime], after: tuple[datetime, datetime], tz: tzinfo | None, *, was: bool = True
) -> str:
    """Describe how an estimated window changed: ``moved later by 1 day (was Mon 1 Dec)``.

    The start decides the direction (the end when the starts are equal); a window whose ends move
    apart or together is "widened" or "narrowed".
    """
    (b0, b1), (a0, a1) = before, after
    if window(b0, b1, tz) == window(a0, a1, tz) and before != after:
        return "same day, estimate refined"  # both read the same: a shift the customer cannot see
    tail = f" (was {was_window(b0, b1, a0, tz)})" if was else ""
    d0, d1 = a0 - b0, a1 - b1
    zero = timedelta(0)
    if (d0 > zero and d1 < zero) or (d0 < zero and d1 > zero):
        return f"window {'narrowed' if d0 > zero else 'widened'}{tail}"
    delta = d0 if d0 != zero else d1
    if delta == zero:
        return f"unchanged{tail}"
    return f"moved {'later' if delta > zero else 'earlier'} by {span(delta)}{tail}"


def arrival(
    delivered_at: datetime,
    start: datetime,
    end: datetime,
    *,
    days: tuple[date, date] | None = None,
    tz: tzinfo | None = None,
) -> str:
    """Compare a delivery with the last estimated window: ``arrived on time`` / ``early by …`` / ``late by …``.

    With ``days`` (a date-only estimate) the delivery's local day in ``tz`` is compared with those days.
    """
    if days is not None:
        on = local(delivered_at, tz).date()
        if on < days[0]:
            return f"arrived early by {span(timedelta(days=(days[0] - on).days))}"
        if on > days[1]:
            return f"arrived late by {span(timedelta(days=(on - days[1]).days))}"
        return "arrived on time"
    if delivered_at < start:
        return f"arrived early by {span(start - delivered_at)}"
    if delivered_at > end:
        return f"arrived late by {span(delivered_at - end)}"
    return "arrived on time"


def carrier_local(text: str) -> str:
    """Format a carrier-local time string as given (no time-zone conversion)."""
    raw = text.strip()
    try:
        v = datetime.fromisoformat(raw.replace("Z", ""))
    except ValueError:
        return raw
    return f"{v:%a} {v.day} {v:%b %Y}, {v:%H:%M}"


def date_range(start: date | None, end: date | None) -> str:
    """Describe a date filter: ``All dates`` / ``20 Nov – 27 Nov 2026``."""
    if start is None and end is None:
        return "All dates"
    if start is not None and end is not None:
        if start == end:
            return day(start)
        return f"{day(start)} – {day(end)}"
    if start is not None:
        return f"From {day(start)}"
    assert end is not None
    return f"Until {day(end)}"


def ago(value: datetime, now: datetime) -> str:
    """Format how long ago ``value`` was: ``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``."""
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    return "1 day ago" if days == 1 else f"{days} days ago"


def day_heading(value: date, today: date) -> str:
    """Name a day for a group heading: ``Today``, ``Yesterday``, else ``Mon 23 Nov 2026``."""
    delta = (today - value).days
    if delta == 0:
        return "Today"
    if delta == 1:
        return "Yesterday"
    return f"{value:%a} {value.day} {value:%b %Y}"


def carrier_local_offset(text: str) -> str:
    """Format a carrier-local time with its UTC offset as given: ``Sat 21 Nov, 09:02 (UTC−05:00)``."""
    try:
        v = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return text.strip()
    head = f"{v:%a} {v.day} {v:%b}, {v:%H:%M}"
    offset = v.utcoffset()
    if offset is None:
        return head
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    minutes = abs(minutes)
    return f"{head} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


def as_date(value: object) -> date | None:
    """Return the day a date picker answered (a datetime or a date), or None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None
