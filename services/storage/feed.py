"""The cross-order Timeline feed, read exactly and fast: ``recent_events``.

The feed is the union of every live order's ``unified_timeline`` (order events and carrier events)
plus one ALERT entry per alert handed to a channel (``services.notify.alert_entries``), newest first.
Orders in History are not in it, by the same rule as ``orders --live`` / ``--history``
(:func:`services.storage.reads.history_clause` with the store's History delay): an order that is due
to move leaves the feed at once, not when the move stamps it. Nothing is invented: an order without
events adds nothing.

Order (a total order, so keyset pages never repeat or skip an entry)::

    occurred_at DESC, order_number DESC,            -- newest first; by order number within an instant
    kind ORDER < SHIPMENT < ALERT,                  -- then as unified_timeline keeps one order's ties
    shipment position ASC, row id ASC

The tail mirrors what a stable newest-first sort of the orders' unified timelines by
(occurred_at, order_number) gives: simultaneous entries of one order keep their timeline order.

Plan: three per-table subqueries, each walking its own ``occurred_at`` index backwards and stopping
after ``limit`` rows, joined to ``orders`` by primary key (or unique order number), then merged by
``UNION ALL`` and cut to ``limit``. A page costs O(limit) index steps, whatever the cache size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    exists,
    false,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)

from services.domain import KIND_RANK, EventKind, FeedCursor, FeedEntry

from .convert import from_ts, ts
from .reads import history_clause
from .tables import notify_alerts, order_events, orders, shipments, tracking_events

SENT = "sent"
"""Status of an alert row handed to its channel (only those show in the feed)."""

_KINDS = {rank: kind for kind, rank in KIND_RANK.items()}


def _after(
    occurred: ColumnElement[Any],
    position: ColumnElement[Any],
    row_id: ColumnElement[Any],
    rank: int,
    before: FeedCursor | None,
) -> list[ColumnElement[bool]]:
    """Return the WHERE terms keeping one table's rows that come after ``before`` in the feed order."""
    if before is None:
        return []
    at, number, cur_rank, cur_position, cur_id = before
    if rank > cur_rank:
        tail: ColumnElement[bool] = true()
    elif rank < cur_rank:
        tail = false()
    else:
        tail = tuple_(position, row_id) > tuple_(cur_position, cur_id)
    stamp = ts(at)
    return [
        occurred <= stamp,  # the index range; the OR below only filters inside it
        or_(occurred < stamp, orders.c.order_number < number, and_(orders.c.order_number == number, tail)),
    ]


def _order_events(limit: int, before: FeedCursor | None, live: ColumnElement[bool]) -> Select[Any]:
    oe = order_events
    position: ColumnElement[Any] = literal_column("0")
    return (
        select(
            oe.c.occurred_at.label("occurred_at"),
            orders.c.order_number.label("order_number"),
            literal_column(str(KIND_RANK[EventKind.ORDER])).label("rank"),
            position.label("position"),
            oe.c.id.label("row_id"),
            orders.c.merchant.label("merchant"),
            oe.c.status.label("status"),
            oe.c.description.label("description"),
            null().label("location"),
            null().label("carrier"),
            null().label("tracking_number"),
            literal_column("1").label("offset_known"),
            null().label("local_time"),
        )
        .select_from(oe.join(orders, orders.c.id == oe.c.order_id))
        .where(live, *_after(oe.c.occurred_at, position, oe.c.id, 0, before))
        .order_by(oe.c.occurred_at.desc(), orders.c.order_number.desc(), oe.c.id)
        .limit(limit)
    )


def _tracking_events(limit: int, before: FeedCursor | None, live: ColumnElement[bool]) -> Select[Any]:
    te = tracking_events
    rank = KIND_RANK[EventKind.SHIPMENT]
    return (
        select(
            te.c.occurred_at.label("occurred_at"),
            orders.c.order_number.label("order_number"),
            literal_column(str(rank)).label("rank"),
            shipments.c.position.label("position"),
            te.c.id.label("row_id"),
            orders.c.merchant.label("merchant"),
            te.c.status.label("status"),
            te.c.description.label("description"),
            te.c.location.label("location"),
            shipments.c.carrier.label("carrier"),
            shipments.c.tracking_number.label("tracking_number"),
            te.c.offset_known.label("offset_known"),
            te.c.local_time.label("local_time"),
        )
        .select_from(
            te.join(shipments, shipments.c.id == te.c.shipment_id).join(orders, orders.c.id == shipments.c.order_id)
        )
        .where(live, *_after(te.c.occurred_at, shipments.c.position, te.c.id, rank, before))
        .order_by(te.c.occurred_at.desc(), orders.c.order_number.desc(), shipments.c.position, te.c.id)
        .limit(limit)
    )


def _alerts(limit: int, before: FeedCursor | None, live: ColumnElement[bool]) -> Select[Any]:
    """One row per alert key: its first channel row handed over (earliest ``alerted_at``, then lowest id)."""
    a = notify_alerts.alias("a")
    b = notify_alerts.alias("b")
    rank = KIND_RANK[EventKind.ALERT]
    position: ColumnElement[Any] = literal_column("0")
    # Another sent row of the same key that was handed over first. Only ``alert_key`` may pick the
    # index (the unique key: a handful of rows); ``|| ''`` keeps SQLite from ranging over the far
    # bigger status/alerted_at index instead (NULL || '' stays NULL: unsent rows never match).
    earlier = exists().where(
        b.c.alert_key == a.c.alert_key,
        b.c.status.concat("") == SENT,
        tuple_(b.c.alerted_at.concat(""), b.c.id + 0) < tuple_(a.c.alerted_at, a.c.id),
    )
    return (
        select(
            a.c.alerted_at.label("occurred_at"),
            orders.c.order_number.label("order_number"),
            literal_column(str(rank)).label("rank"),
            position.label("position"),
            a.c.id.label("row_id"),
            orders.c.merchant.label("merchant"),
            a.c.milestone.label("status"),
            a.c.title.label("description"),
            null().label("location"),
            null().label("carrier"),
            a.c.tracking_number.label("tracking_number"),
            literal_column("1").label("offset_known"),
            null().label("local_time"),
        )
        .select_from(a.join(orders, orders.c.order_number == a.c.order_number))
        .where(
            a.c.status == SENT,
            a.c.alerted_at.is_not(None),
            live,
            ~earlier,
            *_after(a.c.alerted_at, position, a.c.id, rank, before),
        )
        .order_by(a.c.alerted_at.desc(), orders.c.order_number.desc(), a.c.id)
        .limit(limit)
    )


def feed_query(
    limit: int, before: FeedCursor | None = None, *, after_days: int | None = None, now: datetime | None = None
) -> Select[Any]:
    """Return the statement of one feed page: per-table top-``limit`` subqueries merged by UNION ALL.

    ``after_days`` is the History delay (None: History by the move alone), ``now`` the moment the
    live / History rule is read at (default: now).
    """
    live = history_clause(False, after_days, now)
    tops = (_order_events(limit, before, live), _tracking_events(limit, before, live), _alerts(limit, before, live))
    parts = [q.subquery() for q in tops]
    merged = union_all(*(select(p) for p in parts)).subquery("feed")
    c = merged.c
    return (
        select(merged).order_by(c.occurred_at.desc(), c.order_number.desc(), c.rank, c.position, c.row_id).limit(limit)
    )


def _entry(row: Any) -> FeedEntry:
    occurred = from_ts(row.occurred_at)
    rank = int(row.rank)
    return FeedEntry(
        occurred_at=occurred,
        order_number=row.order_number,
        kind=_KINDS[rank],
        status=row.status,
        description=row.description,
        merchant=row.merchant,
        location=row.location,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        offset_known=bool(row.offset_known),
        local_time=row.local_time,
        cursor=(occurred, row.order_number, rank, int(row.position), int(row.row_id)),
    )


def recent_events(
    conn: Connection,
    limit: int,
    before: FeedCursor | None = None,
    *,
    after_days: int | None = None,
    now: datetime | None = None,
) -> list[FeedEntry]:
    """Return one page of the Timeline feed over every live order, newest first (see the module doc).

    ``before`` is the ``cursor`` of the last entry of the previous page (None: the first page); the
    page continues exactly after it, without repeats or gaps, also across equal timestamps.
    ``after_days`` / ``now``: the live / History rule, as in ``history_clause``.
    """
    if limit <= 0:
        return []
    return [_entry(row) for row in conn.execute(feed_query(limit, before, after_days=after_days, now=now))]


def explain_recent_events(
    conn: Connection, limit: int, before: FeedCursor | None = None, *, after_days: int | None = None
) -> str:
    """Return the EXPLAIN QUERY PLAN of one feed page, one line per plan step."""
    compiled = feed_query(max(limit, 1), before, after_days=after_days).compile(
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    positional = tuple(params[name] for name in compiled.positiontup or ())
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), positional).all()
    return "\n".join(str(row[3]) for row in rows)
