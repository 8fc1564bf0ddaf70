"""Shared pieces of the command modules: user errors, exit codes, output, the container."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from services.domain import Channel, Order, OrderStatus, format_utc, order_to_json

if TYPE_CHECKING:
    from app.container import AppContainer

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

MAX_LIMIT = 1_000_000_000
"""Largest ``--limit`` (far more rows than any cache holds; SQLite needs a 64-bit value)."""


class CliError(Exception):
    """A user error: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one-line user errors (exit 2), never a usage dump."""

    def error(self, message: str) -> Any:
        """Raise a CliError instead of printing usage and exiting."""
        raise CliError(f"{self.prog}: {message}", EXIT_USAGE)


def open_container() -> AppContainer:
    """Open the app's container on ORDERTRACK_HOME (or the user data dir)."""
    from app.container import AppContainer

    return AppContainer.create()


def print_json(data: object) -> None:
    """Print ``data`` as indented UTF-8 JSON."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def orders_json_or_empty(orders: Sequence[Order], fmt: str, empty: str) -> bool:
    """Print ``orders`` as JSON (``--format json``), or ``empty`` when there are none; tell whether that was all."""
    if fmt == "json":
        print_json({"orders": [order_to_json(o) for o in orders]})
        return True
    if not orders:
        print(empty)
        return True
    return False


def opt_time(obj: object, attr: str) -> str | None:
    """Return ``obj.attr`` formatted as UTC, or None."""
    value = getattr(obj, attr, None)
    return format_utc(value) if isinstance(value, datetime) else None


MIN_YEAR, MAX_YEAR = 1970, 2999
"""Dates given on the command line must fall in these years (a bound, not a guess about the data)."""


def parse_date(value: str) -> datetime:
    """argparse type: a YYYY-MM-DD date (start of day, UTC) or an ISO 8601 timestamp, years 1970 to 2999."""
    shown = value if len(value) <= 40 else value[:39] + "…"
    try:
        if len(value) == 10:
            parsed = datetime.combine(datetime.fromisoformat(value).date(), time.min, tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            parsed = parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError) as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {shown!r}") from err
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise argparse.ArgumentTypeError(f"the date must be between {MIN_YEAR} and {MAX_YEAR}: {shown!r}")
    return parsed


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number from ``low`` to ``high`` (a huge value is a usage error, not an overflow)."""

    def parse(value: str) -> int:
        text = value.strip().replace("_", "")
        if not text.lstrip("+-").isdigit() or len(text) > 30:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {value[:40]!r}")
        number = int(text)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value[:40]}")
        return number

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """argparse type: a finite number of seconds from ``low`` to ``high`` (no inf, nan or 1e308)."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value[:40]!r}") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g} seconds, got {value[:40]}")
        return number

    return parse


def end_of_day(value: datetime) -> datetime:
    """Make a date-only upper bound inclusive of the whole day."""
    if value.time() == time.min:
        return value.replace(hour=23, minute=59, second=59, microsecond=999999)
    return value


def enum_list(enum: type[OrderStatus] | type[Channel], values: Sequence[str] | None, what: str) -> tuple[Any, ...]:
    """Parse repeatable / comma-separated enum options, with a clear error for unknown values."""
    out = []
    for raw in values or []:
        for v in raw.split(","):
            v = v.strip()
            if not v:
                continue
            try:
                out.append(enum(v))
            except ValueError as err:
                allowed = ", ".join(m.value for m in enum)
                raise CliError(f"unknown {what} {v!r} (one of: {allowed})", EXIT_USAGE) from err
    return tuple(out)


def csv_values(values: Sequence[str] | None) -> tuple[str, ...]:
    """Split repeatable / comma-separated string options."""
    return tuple(v.strip() for raw in values or [] for v in raw.split(",") if v.strip())
