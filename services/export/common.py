"""What every export shares: progress reports, cancellation, totals, the filter in words, atomic files."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

from services.domain import AppError, Order, OrderFilter, format_utc


class ExportError(AppError):
    """An export could not be produced (missing font, unwritable target...)."""

    title = "Export failed"


class ExportCancelled(AppError):
    """The user cancelled a running export (nothing was written)."""

    title = "Export cancelled"


@dataclass(frozen=True, slots=True)
class ExportProgress:
    """One progress report: ``done`` of ``total`` units in ``phase`` (``orders`` or ``layout``)."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[ExportProgress], None]
"""Receives progress reports (called on the exporting thread: hand over to the UI loop yourself)."""


class Reporter:
    """Throttled progress reports plus the cancellation check, in one object."""

    def __init__(
        self, total: int, progress: ProgressCallback | None, cancel: threading.Event | None, every: int = 100
    ) -> None:
        self.total = total
        self._progress = progress
        self._cancel = cancel
        self._every = max(every, 1)
        self._last: dict[str, int] = {}

    def check(self) -> None:
        """Raise ExportCancelled when cancellation was requested."""
        if self._cancel is not None and self._cancel.is_set():
            raise ExportCancelled("the export was cancelled; no file was written")

    def step(self, phase: str, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Check for cancellation and report progress every ``every`` units (or when forced)."""
        self.check()
        if self._progress is None:
            return
        last = self._last.get(phase)
        if force or last is None or abs(done - last) >= self._every:
            self._last[phase] = done
            self._progress(ExportProgress(phase, done, self.total if total is None else total))

    def orders(self, orders: Iterable[Order]) -> Iterator[Order]:
        """Yield ``orders`` while reporting phase ``orders`` progress and honouring cancellation."""
        done = 0
        self.step("orders", 0, force=True)
        for order in orders:
            yield order
            done += 1
            self.step("orders", done)
        self.step("orders", done, force=True)


@dataclass(frozen=True, slots=True)
class TotalsRow:
    """Totals of one (year, currency) group."""

    year: int
    currency: str
    orders: int
    total: Decimal
    tax_total: Decimal


class Totals:
    """Running totals per year and currency (money never mixed across currencies)."""

    def __init__(self) -> None:
        self._groups: dict[tuple[int, str], list[Decimal | int]] = {}

    def add(self, order: Order) -> None:
        """Add one order."""
        group = self._groups.setdefault((order.placed_at.year, order.currency), [0, Decimal(0), Decimal(0)])
        group[0] = int(group[0]) + 1
        group[1] = Decimal(group[1]) + order.total
        group[2] = Decimal(group[2]) + order.tax_total

    def rows(self) -> list[TotalsRow]:
        """Return the groups sorted by year, then currency."""
        return [
            TotalsRow(year, cur, int(g[0]), Decimal(g[1]), Decimal(g[2]))
            for (year, cur), g in sorted(self._groups.items())
        ]


def describe_filter(flt: OrderFilter) -> str:
    """Describe a filter in words for the export's title ("all orders" when empty)."""
    parts: list[str] = []
    if flt.number_prefix:
        parts.append(f"number starts with {flt.number_prefix}")
    if flt.placed_from is not None:
        parts.append(f"placed from {format_utc(flt.placed_from)[:10]}")
    if flt.placed_to is not None:
        parts.append(f"placed to {format_utc(flt.placed_to)[:10]}")
    if flt.statuses:
        parts.append("status " + ", ".join(s.value for s in flt.statuses))
    if flt.channels:
        parts.append("channel " + ", ".join(c.value for c in flt.channels))
    if flt.carriers:
        parts.append("carrier " + ", ".join(flt.carriers))
    if flt.source:
        parts.append(f"source {flt.source}")
    if flt.needs_attention:
        parts.append("needs attention")
    if flt.text:
        parts.append(f"text “{flt.text}”")
    return "; ".join(parts) if parts else "all orders"


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write a file atomically: a temp file in the same folder, fsync, then ``os.replace``.

    On any failure (including ExportCancelled) the temp file is removed and ``path`` is untouched.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # exports hold personal data
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
