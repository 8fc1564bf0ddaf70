"""The cross-order Timeline feed: every live order's unified timeline, merged newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .enums import EventKind
from .models import TimelineEntry

FeedCursor = tuple[datetime, str, int, int, int]
"""Where a feed entry sits in the feed: pass the last entry's ``cursor`` to read the page after it.

Opaque to callers; it is (occurred_at, order_number, kind rank, shipment position, row id).
"""

KIND_RANK = {EventKind.ORDER: 0, EventKind.SHIPMENT: 1, EventKind.ALERT: 2}
"""Order of simultaneous entries of one order, as ``unified_timeline`` keeps them."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of the cross-order Timeline feed: an order event, a carrier scan or an alert sent.

    ``cursor`` locates the entry in the feed (keyset pagination); it takes no part in equality.
    """

    occurred_at: datetime
    order_number: str
    kind: EventKind
    status: str
    description: str
    merchant: str = ""
    location: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    offset_known: bool = True
    local_time: str | None = None
    cursor: FeedCursor | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_timeline(cls, entry: TimelineEntry, order_number: str, merchant: str = "") -> FeedEntry:
        """Return the feed entry of one line of an order's unified timeline (without a cursor)."""
        return cls(
            occurred_at=entry.occurred_at,
            order_number=order_number,
            kind=entry.kind,
            status=entry.status,
            description=entry.description,
            merchant=merchant,
            location=entry.location,
            carrier=entry.carrier,
            tracking_number=entry.tracking_number,
            offset_known=entry.offset_known,
            local_time=entry.local_time,
        )
