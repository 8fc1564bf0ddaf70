"""CSV export: one row per order line, UTF-8 with a header row, money as exact decimal text.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR as a formula
(CSV injection). Such text cells get a leading apostrophe; our own decimal numbers (``-5.00``)
are left as they are, since they are plain numbers, not formulas.
"""

from __future__ import annotations

import codecs
import csv
import functools
import re
import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from services.domain import Order, eta_iso, format_utc, money

from .common import ProgressCallback, Reporter

HEADER = [
    "order_number",
    "placed_at",
    "status",
    "channel",
    "source",
    "merchant",
    "customer",
    "currency",
    "order_total",
    "order_tax_total",
    "line",
    "sku",
    "item",
    "quantity",
    "unit_price",
    "line_tax",
    "line_total",
    "tracking_numbers",
    "estimated_delivery",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@functools.lru_cache(maxsize=8192)
def _money_cached(value: Decimal, currency: str) -> str:
    return money(value, currency)


def _money(value: Decimal, currency: str) -> str:
    """``money`` with a memory: a big export writes the same prices and totals over and over.

    Equal amounts always format alike (the text depends on the normalized value), so caching by
    value is exact.
    """
    try:
        return _money_cached(value, currency)
    except TypeError:  # a signalling NaN cannot be hashed
        return money(value, currency)


def neutralize(value: str) -> str:
    """Return ``value`` made safe for spreadsheets (a leading apostrophe before formula starters)."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _estimates(order: Order) -> str:
    """One estimate per shipment, in the order of ``tracking_numbers`` ("-" for none): ISO 8601 days or times.

    A date-only estimate is its calendar day (``2026-11-24``), the same wherever the file is opened.
    """
    if all(s.estimated_delivery is None for s in order.shipments):
        return ""
    return " ".join(eta_iso(s.estimated_delivery) if s.estimated_delivery else "-" for s in order.shipments)


def order_lines(order: Order) -> list[list[str]]:
    """Return the CSV rows of one order (one per line item; one row with empty line fields if none)."""
    common = [
        order.order_number,
        format_utc(order.placed_at),
        order.status.value,
        order.channel.value,
        order.source,
        order.merchant,
        order.customer.name if order.customer is not None else "",
        order.currency,
        _money(order.total, order.currency),
        _money(order.tax_total, order.currency),
    ]
    tracking = " ".join(s.tracking_number for s in order.shipments)
    estimates = _estimates(order)
    if not order.items:
        return [[neutralize(v) for v in [*common, "", "", "", "", "", "", "", tracking, estimates]]]
    rows = []
    for n, item in enumerate(order.items, start=1):
        line = [
            str(n),
            item.sku,
            item.name,
            str(item.quantity),
            _money(item.unit_price, order.currency),
            _money(item.tax, order.currency) if item.tax is not None else "",
            _money(item.unit_price * item.quantity, order.currency),
            tracking,
            estimates,
        ]
        rows.append([neutralize(v) for v in [*common, *line]])
    return rows


def write_csv(
    orders: Iterable[Order],
    out: IO[bytes],
    *,
    total: int,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write the CSV of ``orders`` to the binary stream ``out`` (UTF-8); return the number of rows."""
    text = codecs.getwriter("utf-8")(out)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    reporter = Reporter(total, progress, cancel)
    rows = 0
    for order in reporter.orders(orders):
        lines = order_lines(order)
        writer.writerows(lines)
        rows += len(lines)
    return rows
