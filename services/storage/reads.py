"""Loading domain objects in bulk (no N+1: children come with one IN query per table and chunk)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Column, ColumnElement, Connection, and_, exists, func, not_, or_, select, true

from services.domain import HISTORY_STATUSES, Order, OrderFilter, utc_now

from .convert import order_event_from_row, order_from_row, shipment_from_row, tracking_event_from_row, ts
from .tables import order_events, orders, shipments, tracking_events

"""Order statuses that move to History once they are old enough."""

CHUNK = 500
"""Ids per ``IN (...)`` query: well under SQLite's variable limit, big enough to be few queries."""

T = TypeVar("T")


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most ``size`` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True, slots=True)
class LoadedOrder:
    """A cached order with the row ids the writer needs."""

    id: int
    order: Order
    shipment_ids: dict[str, int]


def rows_by_parent(
    conn: Connection, parent: Column[int], ids: Sequence[int], *then: ColumnElement[Any]
) -> dict[int, list[Any]]:
    """Return the rows of ``parent``'s table whose ``parent`` is among ``ids``, grouped by it, sorted by ``then``."""
    found: dict[int, list[Any]] = defaultdict(list)
    for part in chunked(ids):
        for row in conn.execute(select(parent.table).where(parent.in_(part)).order_by(parent, *then)).all():
            found[getattr(row, parent.name)].append(row)
    return found


def shipment_rows(conn: Connection, order_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Return the ``shipments`` rows of these orders by order id, in their order within each order."""
    return rows_by_parent(conn, shipments.c.order_id, order_ids, shipments.c.position, shipments.c.id)


def load_orders(conn: Connection, order_rows: Sequence[Any]) -> list[LoadedOrder]:
    """Attach events and shipments (with their events) to fetched ``orders`` rows, keeping row order."""
    ids = [row.id for row in order_rows]
    event_rows = rows_by_parent(conn, order_events.c.order_id, ids, order_events.c.occurred_at, order_events.c.id)
    events = {k: [order_event_from_row(r) for r in v] for k, v in event_rows.items()}
    ship_rows = shipment_rows(conn, ids)
    ship_ids = [row.id for rows in ship_rows.values() for row in rows]
    scan_rows = rows_by_parent(
        conn, tracking_events.c.shipment_id, ship_ids, tracking_events.c.occurred_at, tracking_events.c.id
    )
    tracking = {k: [tracking_event_from_row(r) for r in v] for k, v in scan_rows.items()}
    loaded = []
    for row in order_rows:
        srows = ship_rows.get(row.id, [])
        ships = tuple(shipment_from_row(s, tuple(tracking.get(s.id, ()))) for s in srows)
        order = order_from_row(row, tuple(events.get(row.id, ())), ships)
        loaded.append(LoadedOrder(id=row.id, order=order, shipment_ids={s.tracking_number: s.id for s in srows}))
    return loaded


def load_by_numbers(conn: Connection, numbers: Iterable[str]) -> dict[str, LoadedOrder]:
    """Load the cached orders with these numbers (absent ones are simply missing)."""
    wanted = list(dict.fromkeys(numbers))
    rows: list[Any] = []
    for part in chunked(wanted):
        rows.extend(conn.execute(select(orders).where(orders.c.order_number.in_(part))).all())
    return {lo.order.order_number: lo for lo in load_orders(conn, rows)}


def load_by_ids(conn: Connection, ids: Iterable[int]) -> list[LoadedOrder]:
    """Load the cached orders with these row ids."""
    wanted = list(dict.fromkeys(ids))
    rows: list[Any] = []
    for part in chunked(wanted):
        rows.extend(conn.execute(select(orders).where(orders.c.id.in_(part)).order_by(orders.c.id)).all())
    return load_orders(conn, rows)


# ---------------------------------------------------------------- filters


def prefix_upper_bound(prefix: str) -> str | None:
    """Return the smallest string greater than every string starting with ``prefix`` (None: no bound).

    SQLite compares TEXT with BINARY collation byte-wise on UTF-8, which orders like code points, so
    incrementing the last code point gives the exclusive upper end of the prefix range.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored; skip to the next code point
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None


def escape_like(text: str) -> str:
    """Escape ``%``, ``_`` and the escape character itself for ``LIKE ... ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def due_clause(after_days: int, now: datetime) -> ColumnElement[bool]:
    """Finished orders whose last change (update, else placing) is older than ``after_days`` at ``now``."""
    last_change = func.coalesce(orders.c.updated_at, orders.c.placed_at)
    return and_(
        orders.c.status.in_([s.value for s in HISTORY_STATUSES]),
        last_change < ts(now - timedelta(days=after_days)),
    )


def history_clause(in_history: bool, after_days: int | None, now: datetime | None = None) -> ColumnElement[bool]:
    """The one rule for "is this order in History?" (``in_history``) or "is it live?" (``not in_history``).

    An order is in History when it was moved there, or, with a History delay, when it is due to move
    (finished and unchanged for ``after_days``) even before the move stamps it. Both sides read this
    one clause, so live and History are disjoint and together every cached order, at every moment:
    the move only writes down what this rule already says.
    """
    moved = orders.c.archived_at.is_not(None)
    rule = moved if after_days is None else or_(moved, due_clause(after_days, now or utc_now()))
    return rule if in_history else not_(rule)


def filter_clause(flt: OrderFilter, after_days: int | None = None, now: datetime | None = None) -> ColumnElement[bool]:
    """Translate an OrderFilter into one WHERE clause on ``orders`` (index-friendly).

    ``flt.archived`` picks History or the live list by :func:`history_clause` with the History delay
    ``after_days`` (None: by the move alone).
    """
    clauses: list[ColumnElement[bool]] = []
    prefix = (flt.number_prefix or "").strip()
    if prefix:
        # a range on the BINARY-collated unique index: SEARCH, never SCAN (LIKE would scan)
        clauses.append(orders.c.order_number >= prefix)
        upper = prefix_upper_bound(prefix)
        if upper is not None:
            clauses.append(orders.c.order_number < upper)
    if flt.placed_from is not None:
        clauses.append(orders.c.placed_at >= ts(flt.placed_from))
    if flt.placed_to is not None:
        clauses.append(orders.c.placed_at <= ts(flt.placed_to))
    if flt.statuses:
        clauses.append(orders.c.status.in_([s.value for s in flt.statuses]))
    if flt.channels:
        clauses.append(orders.c.channel.in_([c.value for c in flt.channels]))
    if flt.carriers:
        clauses.append(
            exists().where(shipments.c.order_id == orders.c.id).where(shipments.c.carrier.in_(list(flt.carriers)))
        )
    if flt.source:
        clauses.append(orders.c.source == flt.source)
    if flt.needs_attention:
        clauses.append(orders.c.needs_attention == true())
    text = (flt.text or "").strip().casefold()
    if text:
        clauses.append(orders.c.search_text.like(f"%{escape_like(text)}%", escape="\\"))
    if flt.archived is not None:
        clauses.append(history_clause(flt.archived, after_days, now))
    if not clauses:
        return true()
    if len(clauses) == 1:
        return clauses[0]
    return and_(*clauses)
