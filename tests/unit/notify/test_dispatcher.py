"""The dispatcher over a real SQLite cache: exactly-once ledger, log reasons, quiet hours, fallback, retry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.domain import (
    ChangeSet,
    Channel,
    DeliveryWindow,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SyncState,
    TrackingEvent,
)
from services.notify import (
    Channels,
    DeliveryError,
    Dispatcher,
    EmailChannel,
    Message,
    NativeChannel,
    NativeUnavailableError,
    Preferences,
)
from services.notify.preferences import QuietHours, SmtpSettings
from services.storage import Store
from services.storage.notify_repo import NotifyRepository

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class RecordingNative(NativeChannel):
    """A native channel that records messages, or fails like a system without a notification service."""

    def __init__(self, available: bool = True) -> None:
        super().__init__()
        self.sent: list[Message] = []
        self.available = available

    def send(self, messages: Sequence[Message]) -> None:
        """Record or refuse."""
        if not self.available:
            raise NativeUnavailableError("org.freedesktop.DBus.Error.ServiceUnknown: no such name")
        self.sent.extend(messages)


class RecordingEmail(EmailChannel):
    """An e-mail channel that records, or fails while ``down``."""

    def __init__(self) -> None:
        super().__init__(SmtpSettings(host="smtp.invalid"), lambda: None)
        self.sent: list[tuple[str, Message]] = []
        self.down = False

    def send(self, to: str, messages: Sequence[Message]) -> list[DeliveryError | None]:
        """Record each message, or fail each."""
        if self.down:
            return [DeliveryError("SMTP ConnectionRefusedError: [Errno 111] Connection refused") for _ in messages]
        self.sent.extend((to, m) for m in messages)
        return [None for _ in messages]


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def order(number: str = "W-1", *events: TrackingEvent) -> Order:
    """An order with one shipment carrying ``events``."""
    ship = Shipment(
        tracking_number=f"TN{number}",
        carrier="dhl",
        carrier_name="DHL",
        tracking_url=f"https://dhl.example/{number}",
        status=ShipmentStatus.IN_TRANSIT,
        events=events,
    )
    return Order(
        order_number=number,
        source="shop",
        channel=Channel.WEB,
        placed_at=T0 - timedelta(days=2),
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=Decimal("5.00"),
        tax_total=Decimal("0.80"),
        shipments=(ship,),
    )


SCAN = TrackingEvent(T0 - timedelta(days=1), ShipmentStatus.IN_TRANSIT, "Picked up")
DELIVERED = TrackingEvent(T0 - timedelta(minutes=5), ShipmentStatus.DELIVERED, "Delivered — Müller, Łódź")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A cache with two orders back-filled as history and the source's back-fill done."""
    s = Store.open(tmp_path / "cache.db")
    with s.transaction() as uow:
        uow.upsert_orders([order("W-1", SCAN), order("W-2", SCAN)], source="shop", received_at=T0, live=False)
        uow.set_sync_state(SyncState(source="shop#history", cursor="done"))
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    """The dispatcher's clock."""
    return Clock()


def make(store: Store, clock: Clock, prefs: Preferences | None = None, native: bool = True) -> Dispatcher:
    """A dispatcher with recording channels and fixed preferences."""
    p = prefs or Preferences(email=True, email_address="kunde@example.org")
    return Dispatcher(
        store, Channels(native=RecordingNative(native), email=RecordingEmail()), clock=clock, prefs=lambda: p
    )


def deliver(store: Store, number: str, event: TrackingEvent, source: str = "shop") -> ChangeSet:
    """Store a live carrier event like a sync would; return its change set."""
    with store.transaction() as uow:
        return uow.upsert_tracking(
            Shipment(tracking_number=f"TN{number}", carrier="dhl", events=(event,)),
            source=source,
            received_at=T0,
            live=True,
        )


def native_of(d: Dispatcher) -> RecordingNative:
    """The recording native channel of ``d``."""
    assert isinstance(d.channels.native, RecordingNative)
    return d.channels.native


def email_of(d: Dispatcher) -> RecordingEmail:
    """The recording e-mail channel of ``d``."""
    assert isinstance(d.channels.email, RecordingEmail)
    return d.channels.email


def test_one_alert_per_event_across_resyncs_and_restarts(store: Store, clock: Clock) -> None:
    """The same change set twice, and again after a restart, alerts once per channel."""
    changes = deliver(store, "W-1", DELIVERED)
    d = make(store, clock)
    d("shop", changes)
    d("shop", changes)
    restarted = make(store, clock)
    restarted("shop", changes)
    assert [m.title for m in native_of(d).sent] == ["Order W-1: Delivered"]
    assert [(to, m.title) for to, m in email_of(d).sent] == [("kunde@example.org", "Order W-1: Delivered")]
    assert native_of(restarted).sent == [] and email_of(restarted).sent == []
    log = NotifyRepository(store).list()
    assert sorted(r.channel for r in log) == ["email", "in_app", "native"]
    assert {r.status for r in log} == {"sent"}
    assert all(r.reason.startswith("rule delivered fired on event delivered @") for r in log)
    assert all(r.alerted_at == T0 for r in log)
    assert NotifyRepository(store).unread_count() == 1


def test_same_milestone_from_a_second_source_is_a_logged_duplicate(store: Store, clock: Clock) -> None:
    """A second 'delivered' copy (another source, other wording) is suppressed as a duplicate of the first."""
    with store.transaction() as uow:
        uow.set_sync_state(SyncState(source="aftership#history", cursor="done"))
    d = make(store, clock)
    d("shop", deliver(store, "W-1", DELIVERED))
    copy = replace(DELIVERED, occurred_at=DELIVERED.occurred_at + timedelta(minutes=1), description="Zugestellt")
    d("aftership", deliver(store, "W-1", copy, source="aftership"))
    assert len(native_of(d).sent) == 1
    log = NotifyRepository(store).list()
    first = min(r.id for r in log)
    [dup] = [r for r in log if r.status == "suppressed"]
    assert dup.reason == f"suppressed: duplicate of alert {first}"


def test_backfill_alerts_nobody_and_logs_nothing(tmp_path: Path, clock: Clock) -> None:
    """Events of a source whose history back-fill is not done alert nobody and leave no log rows (not news)."""
    s = Store.open(tmp_path / "fresh.db")
    try:
        with s.transaction() as uow:
            changes = uow.upsert_orders([order("W-9", SCAN, DELIVERED)], source="new", received_at=T0, live=False)
        d = make(s, clock)
        d("new", changes)
        assert native_of(d).sent == [] and email_of(d).sent == []
        assert NotifyRepository(s).list() == []
        # the same back-filled events heard again once the source is done are still history (stored live=False)
        with s.transaction() as uow:
            uow.set_sync_state(SyncState(source="new#history", cursor="done"))
        d("new", changes)
        d("new", replace(changes, orders=()))  # without the written orders: read back from the cache
        assert native_of(d).sent == [] and email_of(d).sent == []
        assert NotifyRepository(s).list() == []
    finally:
        s.close()


def test_muted_order_is_suppressed(store: Store, clock: Clock) -> None:
    """A muted order's alerts go nowhere and say so."""
    d = make(store, clock, Preferences(muted=("W-1",)))
    d("shop", deliver(store, "W-1", DELIVERED))
    assert native_of(d).sent == []
    [row] = NotifyRepository(store).list()
    assert row.status == "suppressed" and row.reason.startswith("suppressed: order muted")


def test_quiet_hours_hold_then_one_digest(store: Store, clock: Clock) -> None:
    """Alerts during quiet hours are held, then delivered as ONE digest per channel afterwards."""
    prefs = Preferences(
        email=True,
        email_address="kunde@example.org",
        quiet_hours=QuietHours(time(22), time(7)),
        timezone="Europe/Berlin",
    )
    clock.now = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    d = make(store, clock, prefs)
    late = replace(DELIVERED, occurred_at=clock.now - timedelta(minutes=5))
    d("shop", deliver(store, "W-1", late))
    d("shop", deliver(store, "W-2", late))
    assert native_of(d).sent == [] and email_of(d).sent == []
    repo = NotifyRepository(store)
    held = [r for r in repo.list() if r.status == "held"]
    assert len(held) == 4 and all(r.reason.startswith("held: quiet hours until 2026-11-25T06:00Z") for r in held)
    assert {r.status for r in repo.list() if r.channel == "in_app"} == {"sent"}
    clock.now = datetime(2026, 11, 25, 5, 59, tzinfo=UTC)
    d.flush()
    assert native_of(d).sent == []
    clock.now = datetime(2026, 11, 25, 6, 1, tzinfo=UTC)
    d.flush()
    d.flush()
    [digest] = native_of(d).sent
    assert digest.title.startswith("2 order update(s)") and "W-1" in digest.body and "W-2" in digest.body
    assert len(email_of(d).sent) == 1
    assert all(r.status == "sent" for r in repo.list())


def test_no_notification_service_falls_back_to_in_app(store: Store, clock: Clock) -> None:
    """Without a notification service the native alert is logged 'fallback: in-app (...)' and shown in-app."""
    prefs = Preferences(in_app=False)
    d = make(store, clock, prefs, native=False)
    d("shop", deliver(store, "W-1", DELIVERED))
    rows = {r.channel: r for r in NotifyRepository(store).list()}
    assert rows["native"].status == "failed"
    assert rows["native"].reason.startswith("fallback: in-app (no notification service: org.freedesktop.DBus")
    assert rows["in_app"].status == "sent" and not rows["in_app"].read


def test_email_failure_is_retried_with_backoff_and_never_lost(store: Store, clock: Clock) -> None:
    """SMTP down -> pending_retry with a time; not retried early; delivered once it is back."""
    d = make(store, clock)
    email_of(d).down = True
    d("shop", deliver(store, "W-1", DELIVERED))
    repo = NotifyRepository(store)
    [row] = [r for r in repo.list() if r.channel == "email"]
    assert row.status == "pending_retry" and row.attempts == 1
    assert row.next_attempt_at == T0 + timedelta(seconds=30) and "Connection refused" in row.reason
    clock.now = T0 + timedelta(seconds=31)
    d.flush()
    [row] = [r for r in repo.list() if r.channel == "email"]
    assert row.attempts == 2 and row.next_attempt_at == clock.now + timedelta(seconds=60)
    email_of(d).down = False
    clock.now += timedelta(seconds=10)
    d.flush()
    assert email_of(d).sent == []
    clock.now += timedelta(seconds=60)
    d.flush()
    d.flush()
    assert [m.title for _, m in email_of(d).sent] == ["Order W-1: Delivered"]
    [row] = [r for r in repo.list() if r.channel == "email"]
    assert row.status == "sent" and row.attempts == 3 and row.alerted_at == clock.now


def test_eta_moved_later_fires_delay_once(store: Store, clock: Clock) -> None:
    """A later ETA seen on a later sync fires one delay alert; seeing it again does not."""
    d = make(store, clock)
    eta1 = DeliveryWindow(T0 + timedelta(hours=2), T0 + timedelta(hours=6))
    eta2 = DeliveryWindow(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=6))
    for eta in (eta1, eta2, eta2):
        base = order("W-1", SCAN)
        moved = replace(base, shipments=(replace(base.shipments[0], estimated_delivery=eta),))
        with store.transaction() as uow:
            changes = uow.upsert_orders([moved], source="shop", received_at=T0, live=True)
        d("shop", changes if not changes.empty else ChangeSet(changed_orders=("W-1",)))
    assert [m.title for m in native_of(d).sent] == ["Order W-1: Delayed"]


def test_sent_alerts_join_the_order_timeline_once(store: Store, clock: Clock) -> None:
    """An alert on three channels is one ALERT entry in the unified timeline, after its event."""
    from services.domain import EventKind, unified_timeline
    from services.notify.timeline import alert_entries

    d = make(store, clock)
    d("shop", deliver(store, "W-1", DELIVERED))
    cached = store.orders.get("W-1")
    assert cached is not None
    timeline = unified_timeline(cached, alerts=alert_entries(NotifyRepository(store).list(order_number="W-1")))
    assert [(e.kind, e.status) for e in timeline][-2:] == [
        (EventKind.SHIPMENT, "delivered"),
        (EventKind.ALERT, "delivered"),
    ]
