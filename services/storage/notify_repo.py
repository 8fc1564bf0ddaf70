"""Notification storage: preferences (JSON), the alert ledger/log, and the notifier's shipment snapshots.

The ledger's UNIQUE (alert_key, channel) makes every alert exactly-once across re-syncs, restarts,
processes and duplicate events: an alert is *claimed* by inserting its rows in one write
transaction before it is delivered, and a second claim of the same key inserts nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.domain import FINAL_SHIPMENT_STATUSES

from .convert import from_ts, opt_from_ts, opt_ts, ts
from .store import Store
from .tables import notify_alerts, notify_prefs, notify_shipments, orders, shipments, tracking_events

SUPPRESSED_CHANNEL = "-"
"""Channel value of log rows that went to no channel (suppressed)."""

_FINAL = tuple(s.value for s in FINAL_SHIPMENT_STATUSES)
_RETRYABLE = ("pending_retry", "held")
_INSERT_ALERT = sqlite_insert(notify_alerts).on_conflict_do_nothing()
STUCK_AFTER = timedelta(minutes=5)
"""A row still 'pending' this long after its claim was interrupted (crash): deliver it again."""


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One row of the notification log: an alert on one channel (or a suppressed alert)."""

    id: int
    alert_key: str
    channel: str
    created_at: datetime
    order_number: str
    tracking_number: str | None
    milestone: str
    rule: str
    trigger: str
    event_at: datetime | None
    status: str
    reason: str
    title: str
    body: str
    link: str | None
    attempts: int
    next_attempt_at: datetime | None
    alerted_at: datetime | None
    read: bool


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert to claim: its identity, texts, and one (channel, status, reason, next_attempt_at) per channel."""

    alert_key: str
    order_number: str
    tracking_number: str | None
    milestone: str
    rule: str
    trigger: str
    event_at: datetime | None
    title: str
    body: str
    link: str | None
    deliveries: tuple[tuple[str, str, str, datetime | None], ...]
    once_per_shipment: bool = False
    duplicate_window: timedelta = timedelta(hours=6)
    check_duplicates: bool = True
    """False: the draft is known not to be news (history); it is logged as it is, without a duplicate lookup."""


def _record(row: Any) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        alert_key=row.alert_key,
        channel=row.channel,
        created_at=from_ts(row.created_at),
        order_number=row.order_number,
        tracking_number=row.tracking_number,
        milestone=row.milestone,
        rule=row.rule,
        trigger=row.trigger,
        event_at=opt_from_ts(row.event_at),
        status=row.status,
        reason=row.reason,
        title=row.title,
        body=row.body,
        link=row.link,
        attempts=row.attempts,
        next_attempt_at=opt_from_ts(row.next_attempt_at),
        alerted_at=opt_from_ts(row.alerted_at),
        read=bool(row.read),
    )


class NotifyRepository:
    """Reads and writes of the notification tables, over the Store's connections."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------ preferences

    def prefs_json(self, customer: str = "default") -> dict[str, Any] | None:
        """Return the stored preferences document of ``customer``, or None."""
        with self._store.reading() as conn:
            text = conn.execute(select(notify_prefs.c.data).where(notify_prefs.c.customer == customer)).scalar()
        if text is None:
            return None
        data = json.loads(text)
        return data if isinstance(data, dict) else None

    def save_prefs_json(self, data: dict[str, Any], now: datetime, customer: str = "default") -> None:
        """Store the preferences document of ``customer``."""
        stmt = sqlite_insert(notify_prefs).values(customer=customer, data=json.dumps(data), updated_at=ts(now))
        stmt = stmt.on_conflict_do_update(
            index_elements=[notify_prefs.c.customer],
            set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
        )
        with self._store.transaction() as uow:
            uow.execute(stmt)

    # ------------------------------------------------------------ event provenance

    def live_flags(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """Return ``tracking_events.live`` for (tracking_number, event_key) pairs (True if any copy is live)."""
        pairs = set(wanted)
        if not pairs:
            return {}
        keys = sorted({k for _, k in pairs})
        out: dict[tuple[str, str], bool] = {}
        with self._store.reading() as conn:
            for i in range(0, len(keys), 500):
                rows = conn.execute(
                    select(shipments.c.tracking_number, tracking_events.c.event_key, tracking_events.c.live)
                    .join(shipments, shipments.c.id == tracking_events.c.shipment_id)
                    .where(tracking_events.c.event_key.in_(keys[i : i + 500]))
                )
                for row in rows:
                    pair = (row.tracking_number, row.event_key)
                    if pair in pairs:
                        out[pair] = out.get(pair, False) or bool(row.live)
        return out

    # ------------------------------------------------------------ shipment snapshots

    def snapshots(self, order_numbers: Sequence[str]) -> dict[tuple[str, str], tuple[str, datetime | None]]:
        """Return the last (status, eta_end) the notifier saw per (order_number, tracking_number)."""
        out: dict[tuple[str, str], tuple[str, datetime | None]] = {}
        with self._store.reading() as conn:
            for i in range(0, len(order_numbers), 500):
                rows = conn.execute(
                    select(notify_shipments).where(notify_shipments.c.order_number.in_(order_numbers[i : i + 500]))
                )
                for row in rows:
                    out[(row.order_number, row.tracking_number)] = (row.status, opt_from_ts(row.eta_end))
        return out

    def save_snapshots(self, rows: Sequence[tuple[str, str, str, datetime | None]], now: datetime) -> None:
        """Record (order_number, tracking_number, status, eta_end) as seen now."""
        if not rows:
            return
        stmt = sqlite_insert(notify_shipments)
        stmt = stmt.on_conflict_do_update(
            index_elements=[notify_shipments.c.order_number, notify_shipments.c.tracking_number],
            set_={c: stmt.excluded[c] for c in ("status", "eta_end", "seen_at")},
        )
        values = [
            {"order_number": o, "tracking_number": t, "status": s, "eta_end": opt_ts(e), "seen_at": ts(now)}
            for o, t, s, e in rows
        ]
        with self._store.transaction() as uow:
            uow.execute(stmt, values)

    def orders_due_for_time_rules(self, now: datetime, stale_before: datetime, zone: tzinfo = UTC) -> list[str]:
        """Return orders with an open shipment past its ETA or without carrier news since ``stale_before``.

        A timed ETA has passed when its end is before ``now``; a date-only one (calendar days, held
        as 00:00:00-23:59:59 UTC wall clock) when its last day is before today in the customer's
        ``zone`` (``services.domain.eta_passed``): not at midnight UTC, which is the afternoon of
        the same day west of UTC and the next morning east of it.
        """
        today = datetime.combine(now.astimezone(zone).date(), time.min, UTC)  # today's date as the days are held
        passed = or_(
            and_(shipments.c.eta_date_only.is_(False), shipments.c.eta_end < ts(now)),
            and_(shipments.c.eta_date_only.is_(True), shipments.c.eta_end < ts(today)),
        )
        with self._store.reading() as conn:
            rows = conn.execute(
                select(orders.c.order_number)
                .join(shipments, shipments.c.order_id == orders.c.id)
                .where(
                    shipments.c.status.not_in(_FINAL),
                    or_(passed, shipments.c.last_event_at < ts(stale_before)),
                )
                .distinct()
            )
            return [r.order_number for r in rows]

    # ------------------------------------------------------------ the ledger

    def claim(self, drafts: Sequence[AlertDraft], now: datetime) -> list[AlertRecord]:
        """Insert the rows of alerts not claimed before, in ONE transaction; return the new rows.

        A draft whose key is already in the ledger adds nothing. A draft that repeats a milestone
        already alerted for the same order/shipment (another source, another copy of the event)
        becomes one 'suppressed: duplicate of alert Z' row.
        """
        created: list[int] = []
        if not drafts:
            return []
        with self._store.transaction() as uow:
            conn = uow.connection
            wanted = list(dict.fromkeys(d.alert_key for d in drafts))
            claimed: set[str] = set()
            for i in range(0, len(wanted), 500):
                claimed.update(
                    conn.execute(
                        select(notify_alerts.c.alert_key).where(notify_alerts.c.alert_key.in_(wanted[i : i + 500]))
                    ).scalars()
                )
            for d in drafts:
                if d.alert_key in claimed:
                    continue
                claimed.add(d.alert_key)
                deliveries = d.deliveries
                dup = self._duplicate_of(conn, d) if d.check_duplicates else None
                if dup is not None:
                    deliveries = ((SUPPRESSED_CHANNEL, "suppressed", f"suppressed: duplicate of alert {dup}", None),)
                for channel, status, reason, next_at in deliveries:
                    result = conn.execute(
                        _INSERT_ALERT,
                        {
                            "alert_key": d.alert_key,
                            "channel": channel,
                            "created_at": ts(now),
                            "order_number": d.order_number,
                            "tracking_number": d.tracking_number,
                            "milestone": d.milestone,
                            "rule": d.rule,
                            "trigger": d.trigger,
                            "event_at": opt_ts(d.event_at),
                            "status": status,
                            "reason": reason,
                            "title": d.title,
                            "body": d.body,
                            "link": d.link,
                            "attempts": 0,
                            "next_attempt_at": opt_ts(next_at),
                            "alerted_at": None,
                            "read": status == "suppressed",
                        },
                    )
                    if result.rowcount and result.inserted_primary_key is not None:
                        created.append(int(result.inserted_primary_key[0]))
        return self.get_many(created)

    @staticmethod
    def _duplicate_of(conn: Any, d: AlertDraft) -> int | None:
        same_ship = (
            notify_alerts.c.tracking_number.is_(None)
            if d.tracking_number is None
            else or_(notify_alerts.c.tracking_number == d.tracking_number, notify_alerts.c.tracking_number.is_(None))
        )
        cond = [
            notify_alerts.c.order_number == d.order_number,
            notify_alerts.c.milestone == d.milestone,
            notify_alerts.c.channel != SUPPRESSED_CHANNEL,
            same_ship,
        ]
        if not d.once_per_shipment and d.event_at is not None:
            cond.append(
                and_(
                    notify_alerts.c.event_at >= ts(d.event_at - d.duplicate_window),
                    notify_alerts.c.event_at <= ts(d.event_at + d.duplicate_window),
                )
            )
        elif not d.once_per_shipment:
            return None
        first = conn.execute(select(func.min(notify_alerts.c.id)).where(*cond)).scalar()
        return int(first) if first is not None else None

    def add_in_app(self, alert: AlertRecord, reason: str, now: datetime) -> AlertRecord | None:
        """Add the in-app row of an alert (fallback); None if it already has one."""
        with self._store.transaction() as uow:
            result = uow.execute(
                sqlite_insert(notify_alerts)
                .values(
                    alert_key=alert.alert_key,
                    channel="in_app",
                    created_at=ts(now),
                    order_number=alert.order_number,
                    tracking_number=alert.tracking_number,
                    milestone=alert.milestone,
                    rule=alert.rule,
                    trigger=alert.trigger,
                    event_at=opt_ts(alert.event_at),
                    status="sent",
                    reason=reason,
                    title=alert.title,
                    body=alert.body,
                    link=alert.link,
                    attempts=1,
                    next_attempt_at=None,
                    alerted_at=ts(now),
                    read=False,
                )
                .on_conflict_do_nothing()
            )
            new_id = result.inserted_primary_key[0] if result.rowcount and result.inserted_primary_key else None
        return self.get_many([int(new_id)])[0] if new_id is not None else None

    def update(
        self,
        alert_id: int,
        *,
        status: str,
        reason: str,
        alerted_at: datetime | None = None,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record the outcome of one delivery attempt."""
        values: dict[str, Any] = {"status": status, "reason": reason, "next_attempt_at": opt_ts(next_attempt_at)}
        if alerted_at is not None:
            values["alerted_at"] = ts(alerted_at)
        if attempts is not None:
            values["attempts"] = attempts
        with self._store.transaction() as uow:
            uow.execute(update(notify_alerts).where(notify_alerts.c.id == alert_id).values(**values))

    def due(self, now: datetime) -> list[AlertRecord]:
        """Return rows to deliver now: retries and held alerts whose time came, and interrupted claims."""
        with self._store.reading() as conn:
            rows = conn.execute(
                select(notify_alerts)
                .where(
                    or_(
                        and_(notify_alerts.c.status.in_(_RETRYABLE), notify_alerts.c.next_attempt_at <= ts(now)),
                        and_(notify_alerts.c.status == "pending", notify_alerts.c.created_at < ts(now - STUCK_AFTER)),
                    )
                )
                .order_by(notify_alerts.c.id)
            )
            return [_record(r) for r in rows]

    def get_many(self, ids: Sequence[int]) -> list[AlertRecord]:
        """Return the rows with these ids, oldest first."""
        if not ids:
            return []
        with self._store.reading() as conn:
            rows = conn.execute(
                select(notify_alerts).where(notify_alerts.c.id.in_(list(ids))).order_by(notify_alerts.c.id)
            )
            return [_record(r) for r in rows]

    def list(self, *, limit: int | None = None, order_number: str | None = None) -> list[AlertRecord]:
        """Return the log, newest first (optionally one order's)."""
        stmt = select(notify_alerts).order_by(notify_alerts.c.id.desc())
        if order_number is not None:
            stmt = stmt.where(notify_alerts.c.order_number == order_number)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._store.reading() as conn:
            return [_record(r) for r in conn.execute(stmt)]

    def unread_count(self) -> int:
        """Return how many in-app alerts the customer has not read."""
        with self._store.reading() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(notify_alerts)
                    .where(notify_alerts.c.channel == "in_app", notify_alerts.c.read.is_(False))
                ).scalar_one()
            )

    def mark_read(self, ids: Sequence[int] | None = None) -> int:
        """Mark in-app alerts read (all when ``ids`` is None); return how many changed."""
        stmt = update(notify_alerts).where(notify_alerts.c.read.is_(False)).values(read=True)
        if ids is not None:
            stmt = stmt.where(notify_alerts.c.id.in_(list(ids)))
        with self._store.transaction() as uow:
            return int(uow.execute(stmt).rowcount)
