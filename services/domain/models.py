"""Frozen dataclasses for orders, shipments and their events (the DESIGN.md domain)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from .enums import (
    ATTENTION_SHIPMENT_STATUSES,
    Channel,
    EventKind,
    OrderStatus,
    ShipmentStatus,
    SyncHealth,
)


@dataclass(frozen=True, slots=True)
class LineItem:
    """One order line."""

    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    tax: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address (shipping or billing)."""

    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    def one_line(self) -> str:
        """Return the address as one comma-separated line, empty parts skipped."""
        parts = [self.name, self.line1, self.line2, self.postal_code, self.city, self.region, self.country]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Customer:
    """The customer who placed the order."""

    name: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """A commerce-side event of an order (placed, confirmed, cancelled...)."""

    occurred_at: datetime
    status: OrderStatus
    description: str


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """A carrier scan / checkpoint of a shipment."""

    occurred_at: datetime
    status: ShipmentStatus
    description: str
    offset_known: bool = True
    local_time: str | None = None
    location: str | None = None
    raw_status: str | None = None

    @property
    def identity(self) -> tuple[str, str, str]:
        """Return the key that makes the same carrier event from two sources one event."""
        return (self.occurred_at.isoformat(), self.status.value, self.description.strip().casefold())


@dataclass(frozen=True, slots=True)
class DeliveryWindow:
    """An estimated delivery window (start <= end).

    ``date_only``: the source gave calendar days, not times (AfterShip's ``expected_delivery``
    ``"2026-11-24"``). The window then runs from 00:00:00 to 23:59:59 of those days *as dates*
    (held as UTC wall clock); it is shown as those days in every time zone, never converted.
    """

    start: datetime
    end: datetime
    date_only: bool = False

    @property
    def days(self) -> tuple[date, date]:
        """Return the first and last calendar day of a date-only window (for a timed one: its UTC days)."""
        return self.start.date(), self.end.date()


@dataclass(frozen=True, slots=True)
class EtaChange:
    """One estimate in a shipment's ETA history: the window and when the cache first got it.

    ``start`` and ``end`` are both None when the carrier withdrew an estimate it had given.
    """

    start: datetime | None
    end: datetime | None
    seen_at: datetime
    source: str = ""
    date_only: bool = False

    @property
    def window(self) -> DeliveryWindow | None:
        """Return the estimate as a delivery window (None for a withdrawn estimate)."""
        if self.start is None:
            return None
        end = self.end if self.end is not None else self.start
        return DeliveryWindow(start=self.start, end=end, date_only=self.date_only)


@dataclass(frozen=True, slots=True)
class Shipment:
    """A parcel with a tracking number and its carrier events (oldest first)."""

    tracking_number: str
    carrier: str
    carrier_name: str = ""
    tracking_url: str | None = None
    status: ShipmentStatus = ShipmentStatus.PENDING
    substatus: str | None = None
    action_required: bool = False
    estimated_delivery: DeliveryWindow | None = None
    delivered_at: datetime | None = None
    events: tuple[TrackingEvent, ...] = ()

    @property
    def latest_event(self) -> TrackingEvent | None:
        """Return the latest event by ``occurred_at`` (not by arrival order)."""
        if not self.events:
            return None
        return max(self.events, key=lambda e: e.occurred_at)

    @property
    def needs_attention(self) -> bool:
        """Tell whether the customer should look at this shipment."""
        return self.action_required or self.status in ATTENTION_SHIPMENT_STATUSES


@dataclass(frozen=True, slots=True)
class Order:
    """An order from any sales channel, with its items, events and shipments."""

    order_number: str
    source: str
    channel: Channel
    placed_at: datetime
    status: OrderStatus
    currency: str
    total: Decimal
    tax_total: Decimal
    items: tuple[LineItem, ...] = ()
    events: tuple[OrderEvent, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    merchant: str = ""
    customer: Customer | None = None
    shipping_address: Address | None = None
    updated_at: datetime | None = None

    @property
    def needs_attention(self) -> bool:
        """Tell whether any shipment of this order needs the customer's attention."""
        return any(s.needs_attention for s in self.shipments)

    @property
    def carriers(self) -> tuple[str, ...]:
        """Return the distinct carrier slugs of this order's shipments."""
        return tuple(dict.fromkeys(s.carrier for s in self.shipments))


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the unified timeline of an order."""

    occurred_at: datetime
    kind: EventKind
    status: str
    description: str
    location: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    offset_known: bool = True
    local_time: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record of a source answer that did not fit the domain: skipped and logged, the rest kept."""

    kind: str
    """``order`` or ``shipment``."""
    key: str | None
    """The order or tracking number when the record names one (clean text, cut to 64 characters)."""
    reason: str
    """The one-line validation error."""


@dataclass(frozen=True, slots=True)
class OrderPage:
    """A page of orders from a source, with the cursor for the next page."""

    orders: tuple[Order, ...]
    next_cursor: str | None
    has_more: bool
    skipped: tuple[SkippedRecord, ...] = ()
    """Records of this page that could not be mapped (the page is stored without them)."""


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Filters for listing cached orders (all optional, combined with AND)."""

    number_prefix: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    statuses: tuple[OrderStatus, ...] = ()
    channels: tuple[Channel, ...] = ()
    carriers: tuple[str, ...] = ()
    source: str | None = None
    needs_attention: bool = False
    text: str | None = None
    archived: bool | None = None
    """None: every cached order; True: only orders in History; False: only live orders."""


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """A light row of the orders list (no items, no events) for fast lists of thousands."""

    order_number: str
    source: str
    channel: Channel
    placed_at: datetime
    status: OrderStatus
    currency: str
    total: Decimal
    merchant: str = ""
    carriers: tuple[str, ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    shipment_status: ShipmentStatus | None = None
    needs_attention: bool = False
    estimated_delivery: DeliveryWindow | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A configured data source (its secret lives in the OS keyring, never here)."""

    name: str
    kind: str
    url: str
    created_at: datetime | None = None
    enabled: bool = True


def sync_health(
    last_success_at: datetime | None,
    last_error: str | None,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
) -> SyncHealth:
    """Return the one sync verdict: failing on an error, never before a success, stale when the last
    success is older than ``stale_after`` at ``now`` (only asked with both), else healthy."""
    if last_error is not None:
        return SyncHealth.FAILING
    if last_success_at is None:
        return SyncHealth.NEVER
    if now is not None and stale_after is not None and now - last_success_at > stale_after:
        return SyncHealth.STALE
    return SyncHealth.HEALTHY


@dataclass(frozen=True, slots=True)
class SyncState:
    """Per-source sync bookkeeping and health."""

    source: str
    cursor: str | None = None
    etag: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    stale_since: datetime | None = None

    @property
    def health(self) -> SyncHealth:
        """Return ``never``, ``healthy`` or ``failing`` (:func:`sync_health` without a clock)."""
        return sync_health(self.last_success_at, self.last_error)


@dataclass(frozen=True, slots=True)
class NewTrackingEvent:
    """A carrier event that was not in the cache before a write (input to alerts and latency)."""

    order_number: str
    tracking_number: str
    carrier: str
    event: TrackingEvent


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What one storage transaction changed."""

    new_orders: tuple[str, ...] = ()
    changed_orders: tuple[str, ...] = ()
    new_events: tuple[NewTrackingEvent, ...] = ()
    orders: tuple[Order, ...] = field(default=(), compare=False, repr=False)
    """The new and changed orders as the transaction wrote them (when the writer passes them on).

    Lets a listener of that one transaction skip reading them again (the notifier during a back-fill);
    not part of equality, and dropped when change sets are combined into a sync report.
    """

    @property
    def empty(self) -> bool:
        """Tell whether nothing changed."""
        return not (self.new_orders or self.changed_orders or self.new_events)

    def __add__(self, other: ChangeSet) -> ChangeSet:
        known_new = set(self.new_orders)
        new = self.new_orders + tuple(o for o in other.new_orders if o not in known_new)
        all_new = set(new)
        known_changed = set(self.changed_orders)
        changed = tuple(o for o in self.changed_orders if o not in all_new) + tuple(
            o for o in other.changed_orders if o not in known_changed and o not in all_new
        )
        return ChangeSet(
            new_orders=new,
            changed_orders=changed,
            new_events=self.new_events + other.new_events,
            orders=self.orders + other.orders,
        )


def combine_changes(parts: Iterable[ChangeSet]) -> ChangeSet:
    """Combine many change sets in linear time (an order new in any part is not also 'changed')."""
    new: dict[str, None] = {}
    changed: dict[str, None] = {}
    events: list[NewTrackingEvent] = []
    for part in parts:
        new.update(dict.fromkeys(part.new_orders))
        changed.update(dict.fromkeys(part.changed_orders))
        events.extend(part.new_events)
    return ChangeSet(
        new_orders=tuple(new),
        changed_orders=tuple(o for o in changed if o not in new),
        new_events=tuple(events),
    )
