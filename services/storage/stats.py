"""Read-only figures over the cache: update latency per carrier event, and what to poll.

    tracking_events.occurred_at ──(source says it happened)
                   .received_at ──(the sync engine got it)
                   .stored_at   ──(its transaction wrote it)     -> "time to deliver a status update"

Only ``live`` events count: history back-filled by a source's first sync is not an update. The
notifications engine adds when an alert went out; pass those instants as ``alerted_at`` (event id ->
time) and each sample carries them (the hook for "source event -> alert" latency).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from services.domain import FINAL_SHIPMENT_STATUSES

from .convert import from_ts, ts
from .tables import shipments, tracking_events

if TYPE_CHECKING:
    from .store import Store

_FINAL = tuple(s.value for s in FINAL_SHIPMENT_STATUSES)


@dataclass(frozen=True, slots=True)
class LatencySample:
    """The life of one stored carrier event: when it happened, arrived, was stored (and alerted)."""

    event_id: int
    source: str
    occurred_at: datetime
    received_at: datetime
    stored_at: datetime
    alerted_at: datetime | None = None

    @property
    def update_ms(self) -> float:
        """Return source event -> stored, in milliseconds (0 when the source's clock runs ahead)."""
        return max(0.0, (self.stored_at - self.occurred_at).total_seconds() * 1000)

    @property
    def alert_ms(self) -> float | None:
        """Return source event -> alert, in milliseconds, once the notifications engine alerted."""
        if self.alerted_at is None:
            return None
        return max(0.0, (self.alerted_at - self.occurred_at).total_seconds() * 1000)


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Count, mean and percentiles of a set of latencies in milliseconds."""

    count: int
    avg_ms: float | None
    p50_ms: float | None
    p95_ms: float | None

    def as_json(self) -> dict[str, float | int | None]:
        """Return the summary as the JSON object ``ordertrack stats`` prints."""
        return {"count": self.count, "avg_ms": self.avg_ms, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of sorted ``values`` by the nearest-rank method."""
    if not values:
        raise ValueError("no values")
    rank = max(1, math.ceil(q * len(values)))
    return values[min(rank, len(values)) - 1]


def summarize(values_ms: Sequence[float]) -> LatencySummary:
    """Summarize latencies (milliseconds, any order), rounded to 0.1 ms."""
    if not values_ms:
        return LatencySummary(0, None, None, None)
    ordered = sorted(values_ms)
    return LatencySummary(
        count=len(ordered),
        avg_ms=round(sum(ordered) / len(ordered), 1),
        p50_ms=round(percentile(ordered, 0.50), 1),
        p95_ms=round(percentile(ordered, 0.95), 1),
    )


class StatsRepository:
    """Read-only queries for statistics and polling decisions (no writes, no schema of its own)."""

    def __init__(self, store: Store) -> None:
        self._reading = store.reading  # the Store's public read-snapshot seam

    def latency_samples(
        self,
        *,
        live_only: bool = True,
        since: datetime | None = None,
        source: str | None = None,
        alerted_at: Mapping[int, datetime] | None = None,
    ) -> list[LatencySample]:
        """Return one sample per stored carrier event (live ones only by default), oldest stored first."""
        te = tracking_events
        stmt = select(te.c.id, te.c.source, te.c.occurred_at, te.c.received_at, te.c.stored_at)
        if live_only:
            stmt = stmt.where(te.c.live.is_(True))
        if since is not None:
            stmt = stmt.where(te.c.stored_at >= ts(since))
        if source is not None:
            stmt = stmt.where(te.c.source == source)
        stmt = stmt.order_by(te.c.stored_at, te.c.id)
        alerts = alerted_at or {}
        with self._reading() as conn:
            rows = conn.execute(stmt).all()
        return [
            LatencySample(
                event_id=row.id,
                source=row.source,
                occurred_at=from_ts(row.occurred_at),
                received_at=from_ts(row.received_at),
                stored_at=from_ts(row.stored_at),
                alerted_at=alerts.get(row.id),
            )
            for row in rows
        ]

    def update_latency(self, *, since: datetime | None = None, source: str | None = None) -> LatencySummary:
        """Return "time to deliver a tracking status update" (source event -> stored) over live events."""
        return summarize([s.update_ms for s in self.latency_samples(since=since, source=source)])

    def tracking_candidates(self, *, retired_before: datetime) -> list[tuple[str, str]]:
        """Return (tracking_number, carrier) to poll: open shipments, and final ones within their grace.

        A shipment in a final status keeps being polled until its latest carrier event is older than
        ``retired_before`` (carriers correct late scans); one without any event is always polled.
        """
        stmt = (
            select(shipments.c.tracking_number, shipments.c.carrier)
            .where(
                shipments.c.status.not_in(_FINAL)
                | shipments.c.last_event_at.is_(None)
                | (shipments.c.last_event_at >= ts(retired_before))
            )
            .distinct()
            .order_by(shipments.c.tracking_number, shipments.c.carrier)
        )
        with self._reading() as conn:
            return [(row.tracking_number, row.carrier) for row in conn.execute(stmt)]


def tracking_candidates(store: Store, *, retired_before: datetime) -> list[tuple[str, str]]:
    """Return the shipments to poll (see :meth:`StatsRepository.tracking_candidates`)."""
    return StatsRepository(store).tracking_candidates(retired_before=retired_before)
