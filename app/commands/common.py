"""Shared pieces of the command modules: user errors, exit codes, output, the container."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from services.domain import Channel, OrderStatus, format_utc

if TYPE_CHECKING:
    from app.container import AppContainer

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


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


def opt_time(obj: object, attr: str) -> str | None:
    """Return ``obj.attr`` formatted as UTC, or None."""
    value = getattr(obj, attr, None)
    return format_utc(value) if isinstance(value, datetime) else None


def parse_date(value: str) -> datetime:
    """argparse type: a YYYY-MM-DD date (start of day, UTC) or an ISO 8601 timestamp."""
    try:
        if len(value) == 10:
            return datetime.combine(datetime.fromisoformat(value).date(), time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
