"""Alerts as timeline entries: what `unified_timeline(order, alerts=...)` shows next to carrier events."""

from __future__ import annotations

from collections.abc import Sequence

from services.domain import EventKind, TimelineEntry
from services.storage.notify_repo import AlertRecord


def alert_entries(records: Sequence[AlertRecord]) -> tuple[TimelineEntry, ...]:
    """Return one ALERT entry per alert handed to a channel (several channels of one alert count once)."""
    first: dict[str, AlertRecord] = {}
    for rec in records:
        if rec.alerted_at is None or rec.status != "sent":
            continue
        known = first.get(rec.alert_key)
        if known is None or known.alerted_at is None or rec.alerted_at < known.alerted_at:
            first[rec.alert_key] = rec
    return tuple(
        TimelineEntry(
            occurred_at=rec.alerted_at,
            kind=EventKind.ALERT,
            status=rec.milestone,
            description=rec.title,
            tracking_number=rec.tracking_number,
        )
        for rec in sorted(first.values(), key=lambda r: (r.alerted_at, r.id))
        if rec.alerted_at is not None
    )
