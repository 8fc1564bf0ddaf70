"""Figures over the cache: update latency per carrier event, and what to poll.

    tracking_events.occurred_at  ──(the carrier says it happened)
                   .published_at ──(the source says it published it; pushed events only)
                   .received_at  ──(the sync engine got it)
                   .stored_at    ──(its transaction wrote it)

    "carrier event -> stored"  stored_at - occurred_at    includes the carrier's own delay
    "published -> stored"      stored_at - published_at   the pipeline alone

Only ``live`` events count: history back-filled by a source's first sync is not an update. The
notifications engine adds when an alert went out; pass those instants as ``alerted_at`` (event id ->
time) and each sample carries them (the hook for "source event -> alert" latency). The one write
here, ``mark_published``, runs inside the transaction that stores a pushed event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from services.domain import FINAL_SHIPMENT_STATUSES, NewTrackingEvent

from .convert import event_key, from_ts, ts
from .tables import shipments, tracking_events

if TYPE_CHECKING:
    from .store import Store
    from .uow import UnitOfWork

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
    published_at: datetime | None = None

    @property
    def update_ms(self) -> float:
        """Return source event -> stored, in milliseconds (0 when the source's clock runs ahead)."""
        return max(0.0, (self.stored_at - self.occurred_at).total_seconds() * 1000)

    @property
    def publish_ms(self) -> float | None:
        """Return published -> stored, in milliseconds, when the source said when it published the event."""
        if self.published_at is None:
            return None
        return max(0.0, (self.stored_at - self.published_at).total_seconds() * 1000)

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
        stmt = select(te.c.id, te.c.source, te.c.occurred_at, te.c.received_at, te.c.stored_at, te.c.published_at)
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
                published_at=from_ts(row.published_at) if row.published_at else None,
            )
            for row in rows
        ]

    def update_latency(self, *, since: datetime | None = None, source: str | None = None) -> LatencySummary:
        """Return "time to deliver a tracking status update" (source event -> stored) over live events."""
        return summarize([s.update_ms for s in self.latency_samples(since=since, source=source)])

    def latencies(
        self, *, since: datetime | None = None, source: str | None = None
    ) -> tuple[LatencySummary, LatencySummary]:
        """Return (carrier event -> stored, published -> stored) over live events, from one read."""
        samples = self.latency_samples(since=since, source=source)
        published = [ms for ms in (s.publish_ms for s in samples) if ms is not None]
        return summarize([s.update_ms for s in samples]), summarize(published)

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


def mark_published(uow: UnitOfWork, source: str, events: Sequence[NewTrackingEvent], published_at: datetime) -> None:
    """Record when the source published ``events`` (just stored by ``uow``, in the same transaction)."""
    te = tracking_events
    for new in events:
        ships = select(shipments.c.id).where(shipments.c.tracking_number == new.tracking_number)
        uow.execute(
            update(te)
            .where(te.c.shipment_id.in_(ships), te.c.event_key == event_key(new.event), te.c.source == source)
            .where(te.c.published_at.is_(None))
            .values(published_at=ts(published_at))
        )


def tracking_candidates(store: Store, *, retired_before: datetime) -> list[tuple[str, str]]:
    """Return the shipments to poll (see :meth:`StatsRepository.tracking_candidates`)."""
    return StatsRepository(store).tracking_candidates(retired_before=retired_before)
