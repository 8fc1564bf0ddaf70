"""Old delays seen by a source's back-fill are known, not news: only delays after going live alert."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.domain import (
    ChangeSet,
    Channel,
    DeliveryWindow,
    Order,
    OrderPage,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SourceConfig,
    SyncState,
    TrackingEvent,
)
from services.notify import Channels, Dispatcher, Message, NativeChannel, Preferences
from services.storage import Store
from services.storage.notify_repo import NotifyRepository
from services.sync import SourceRuntime, SyncEngine
from services.sync.ports import FetchedPage

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SCAN = TrackingEvent(T0 - timedelta(days=1), ShipmentStatus.IN_TRANSIT, "Picked up")


class RecordingNative(NativeChannel):
    """A native channel that records what it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Message] = []

    def send(self, messages: Sequence[Message]) -> None:
        """Record."""
        self.sent.extend(messages)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def order(number: str, eta_end: datetime | None, *events: TrackingEvent) -> Order:
    """An order with one in-transit shipment whose ETA window ends at ``eta_end``."""
    eta = DeliveryWindow(eta_end - timedelta(hours=8), eta_end) if eta_end is not None else None
    ship = Shipment(
        tracking_number=f"TN{number}",
        carrier="dhl",
        carrier_name="DHL",
        status=ShipmentStatus.IN_TRANSIT,
        estimated_delivery=eta,
        events=events or (SCAN,),
    )
    return Order(
        order_number=number,
        source="shop",
        channel=Channel.WEB,
        placed_at=T0 - timedelta(days=3),
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=Decimal("5.00"),
        tax_total=Decimal("0.80"),
        shipments=(ship,),
    )


@pytest.fixture
def clock() -> Clock:
    """The dispatcher's clock."""
    return Clock()


def dispatcher(store: Store, clock: Clock, prefs: Preferences | None = None) -> Dispatcher:
    """A dispatcher with a recording native channel (in-app and native on, stale on)."""
    p = prefs or Preferences()
    p = replace(p, rules={**p.rules, "stale": True})
    return Dispatcher(store, Channels(native=RecordingNative()), clock=clock, prefs=lambda: p)


def sent(d: Dispatcher) -> list[str]:
    """The titles the native channel showed."""
    assert isinstance(d.channels.native, RecordingNative)
    return [m.title for m in d.channels.native.sent]


def backfill(store: Store, d: Dispatcher, orders: Sequence[Order]) -> None:
    """A first sync: the orders as history (source not done yet), then the back-fill marked done."""
    with store.transaction() as uow:
        changes = uow.upsert_orders(orders, source="shop", received_at=T0, live=False)
    d("shop", changes)
    with store.transaction() as uow:
        uow.set_sync_state(SyncState(source="shop#history", cursor="done"))


def go_live(store: Store, d: Dispatcher, number: str, at: datetime) -> None:
    """A live carrier event for order ``number`` (the source is live now)."""
    with store.transaction() as uow:
        changes = uow.upsert_tracking(
            Shipment(
                tracking_number=f"TN{number}",
                carrier="dhl",
                events=(TrackingEvent(at, ShipmentStatus.INFO_RECEIVED, "Label printed"),),
            ),
            source="shop",
            received_at=at,
            live=True,
        )
    assert not changes.empty
    d("shop", changes)


def delay_rows(store: Store) -> list[tuple[str, str]]:
    """(order, status) of every Delayed alert row on a real channel."""
    return [
        (r.order_number, r.status) for r in NotifyRepository(store).list() if r.rule == "delay" and r.channel != "-"
    ]


def test_backfilled_past_eta_never_alerts_after_going_live(store: Store, clock: Clock) -> None:
    """A back-filled shipment whose ETA had already passed gets no Delayed alert from the live checks."""
    d = dispatcher(store, clock)
    backfill(store, d, [order("OLD", T0 - timedelta(hours=10)), order("OTHER", T0 + timedelta(days=3))])
    clock.now = T0 + timedelta(minutes=5)
    go_live(store, d, "OTHER", clock.now)  # the first live commit runs the time rules too
    clock.now = T0 + timedelta(hours=1)
    d.tick()
    d("shop", ChangeSet(changed_orders=("OLD",)))
    assert "Order OLD: Delayed" not in sent(d)
    assert delay_rows(store) == []
    history = [r for r in NotifyRepository(store).list() if r.rule == "delay"]
    assert history and all(r.reason.startswith("suppressed: history") for r in history), "logged as known"


def test_eta_passing_after_going_live_alerts_once(store: Store, clock: Clock) -> None:
    """A back-filled shipment whose ETA passes after the source went live gets exactly one Delayed alert."""
    d = dispatcher(store, clock)
    backfill(store, d, [order("LATE", T0 + timedelta(hours=5))])
    clock.now = T0 + timedelta(minutes=5)
    go_live(store, d, "LATE", clock.now)
    assert sent(d) == []
    clock.now = T0 + timedelta(hours=6)
    d.tick()
    d.tick()
    d("shop", ChangeSet(changed_orders=("LATE",)))
    assert sent(d) == ["Order LATE: Delayed"]
    assert len({r.alert_key for r in NotifyRepository(store).list() if r.rule == "delay"}) == 1


def test_eta_moved_later_during_live_sync_alerts_once(store: Store, clock: Clock) -> None:
    """The back-fill's ETA is the 'before': a later ETA on the first live sync is a delay."""
    d = dispatcher(store, clock)
    backfill(store, d, [order("MOVED", T0 + timedelta(hours=5))])
    clock.now = T0 + timedelta(minutes=5)
    for _ in range(2):
        with store.transaction() as uow:
            changes = uow.upsert_orders(
                [order("MOVED", T0 + timedelta(days=2))], source="shop", received_at=clock.now, live=True
            )
        d("shop", changes if not changes.empty else ChangeSet(changed_orders=("MOVED",)))
    assert sent(d) == ["Order MOVED: Delayed"]


def test_backfilled_stale_shipment_never_alerts(store: Store, clock: Clock) -> None:
    """A shipment already without news for N days at back-fill is not 'stale' news; one going quiet later is."""
    quiet = TrackingEvent(T0 - timedelta(days=5, hours=12), ShipmentStatus.IN_TRANSIT, "Departed hub")
    recent = TrackingEvent(T0 - timedelta(days=4), ShipmentStatus.IN_TRANSIT, "Departed hub")
    d = dispatcher(store, clock)
    backfill(store, d, [order("QUIET", None, quiet), order("SOON", None, recent)])
    clock.now = T0 + timedelta(minutes=5)
    d.tick()
    clock.now = T0 + timedelta(days=1, hours=1)
    d.tick()
    assert sent(d) == ["Order SOON: No news from the carrier"]


# ---------------------------------------------------------------- through the real engine


class OneOrderFeed:
    """An order feed with one order (its shipment's events embedded), then nothing new."""

    def __init__(self, o: Order) -> None:
        self.order = o
        self.requests_sent = 0

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """The order on the first page, then an empty page."""
        self.requests_sent += 1
        orders = (self.order,) if cursor is None else ()
        return FetchedPage(page=OrderPage(orders=orders, next_cursor="c1", has_more=False))

    def close(self) -> None:
        """Nothing to release."""


class SameEventsTracking:
    """A tracking API that knows the same events but a later ETA (no new events in its back-fill page)."""

    def __init__(self, shipment: Shipment) -> None:
        self.shipment = shipment
        self.requests_sent = 0

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """One page: the shipment."""
        self.requests_sent += 1
        return [self.shipment], False

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """The shipment when asked."""
        self.requests_sent += 1
        return [self.shipment]

    def close(self) -> None:
        """Nothing to release."""


def test_last_backfill_page_without_new_events_is_history(store: Store, clock: Clock) -> None:
    """The back-fill's last page (ETA changed, no new event) is history too: no Delayed alert at all."""
    first = order("ENG", T0 - timedelta(hours=3))
    later_eta = replace(
        first.shipments[0], estimated_delivery=DeliveryWindow(T0 - timedelta(hours=2), T0 + timedelta(hours=20))
    )
    d = dispatcher(store, clock)
    runtime = SourceRuntime(
        SourceConfig(name="shop", kind="ordertrack", url="http://x"),
        orders=OneOrderFeed(first),
        tracking=SameEventsTracking(later_eta),
    )
    engine = SyncEngine(store, [runtime], clock=clock, listeners=[d])
    [report] = engine.sync_all()
    assert report.error is None
    assert store.sync_state.get("shop#history").cursor == "done"
    clock.now = T0 + timedelta(minutes=10)
    engine.sync_all()
    d.tick()
    assert sent(d) == []
    assert delay_rows(store) == []
