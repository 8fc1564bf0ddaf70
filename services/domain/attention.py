"""What needs the customer's attention: the rule that pins a shipment on top of the Timeline.

Pure: orders and a clock in, :class:`AttentionItem` values out (most urgent reason first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from .enums import FINAL_SHIPMENT_STATUSES, ShipmentStatus
from .eta import eta_deadline, eta_passed
from .models import Order

ATTENTION_MAX_AGE = timedelta(days=30)
"""Problems older than this are history, not something to act on: they are not pinned."""

STALE_AFTER = timedelta(days=3)
"""An in-transit parcel with no carrier update for this long is pinned as stale."""

_MOVING = frozenset({ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY})


class AttentionReason(StrEnum):
    """Why an order is pinned on top of the Timeline (most urgent first)."""

    EXCEPTION = "exception"
    FAILED_ATTEMPT = "failed_attempt"
    ACTION_REQUIRED = "action_required"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELAYED = "delayed"
    STALE = "stale"


_REASON_RANK = {r: i for i, r in enumerate(AttentionReason)}


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One pinned "needs attention" line of the Timeline (one per shipment and reason)."""

    order_number: str
    reason: AttentionReason
    detail: str
    since: datetime
    merchant: str = ""
    carrier: str = ""
    tracking_number: str = ""


def attention_items(orders: Iterable[Order], now: datetime, tz: tzinfo | None = None) -> list[AttentionItem]:
    """Return what needs the customer's attention: problems, pickups, passed ETAs, silent parcels.

    A date-only estimate has passed once its last calendar day has ended in ``tz`` (the reader's zone;
    None: this machine's), not at 23:59:59 UTC, which west of UTC is the afternoon of that day.
    """
    items: list[AttentionItem] = []
    for order in orders:
        for s in order.shipments:
            latest = s.latest_event
            last_at = latest.occurred_at if latest is not None else order.placed_at
            reason: AttentionReason | None = None
            since = last_at
            if s.status is ShipmentStatus.EXCEPTION:
                reason = AttentionReason.EXCEPTION
            elif s.status is ShipmentStatus.FAILED_ATTEMPT:
                reason = AttentionReason.FAILED_ATTEMPT
            elif s.action_required and s.status not in FINAL_SHIPMENT_STATUSES:
                reason = AttentionReason.ACTION_REQUIRED
            elif s.status is ShipmentStatus.AVAILABLE_FOR_PICKUP:
                reason = AttentionReason.AVAILABLE_FOR_PICKUP
            elif (
                s.status not in FINAL_SHIPMENT_STATUSES
                and s.delivered_at is None
                and s.estimated_delivery is not None
                and eta_passed(s.estimated_delivery, now, tz)
            ):
                reason, since = AttentionReason.DELAYED, eta_deadline(s.estimated_delivery, tz)
            elif s.status in _MOVING and now - last_at >= STALE_AFTER:
                reason = AttentionReason.STALE
            if reason is not None and now - since <= ATTENTION_MAX_AGE:
                items.append(
                    AttentionItem(
                        order_number=order.order_number,
                        reason=reason,
                        detail=latest.description if latest is not None else "",
                        since=since,
                        merchant=order.merchant,
                        carrier=s.carrier,
                        tracking_number=s.tracking_number,
                    )
                )
    items.sort(key=lambda i: (_REASON_RANK[i.reason], -i.since.timestamp(), i.order_number))
    return items
