"""A date-only estimate has passed when its calendar day ended where the customer is, not at midnight UTC.

The carrier says "4 Dec" (a date, no time). At 01:00Z on 5 Dec it is still 4 Dec, 17:00 in Los
Angeles: no delay yet. At 08:30Z it is 5 Dec there: "Delayed". In Tokyo 4 Dec ended at 15:00Z, nine
hours before midnight UTC. The notifier's query (which orders to look at) and its rule (whether
the ETA passed) both follow the customer's time zone preference, whatever the machine's ``TZ``.
"""

from __future__ import annotations

import time as systime
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.domain import (
    Channel,
    DeliveryWindow,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SyncState,
    TrackingEvent,
    eta_deadline,
)
from services.notify import Channels, Dispatcher, NativeChannel, Preferences
from services.notify.rules import RuleConfig, ShipmentSnapshot, evaluate_shipment
from services.storage import Store
from services.storage.notify_repo import NotifyRepository

LA, TOKYO = "America/Los_Angeles", "Asia/Tokyo"
DEC_4 = DeliveryWindow(
    start=datetime(2026, 12, 4, tzinfo=UTC), end=datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC), date_only=True
)
TIMED = DeliveryWindow(start=datetime(2026, 12, 4, 16, tzinfo=UTC), end=datetime(2026, 12, 4, 20, tzinfo=UTC))
SCAN = TrackingEvent(datetime(2026, 12, 3, 9, tzinfo=UTC), ShipmentStatus.IN_TRANSIT, "Departed facility")


def _order(number: str, eta: DeliveryWindow) -> Order:
    ship = Shipment(
        tracking_number=f"TN{number}",
        carrier="ups",
        carrier_name="UPS",
        status=ShipmentStatus.IN_TRANSIT,
        estimated_delivery=eta,
        events=(SCAN,),
    )
    return Order(
        order_number=number,
        source="shop",
        channel=Channel.WEB,
        placed_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        status=OrderStatus.SHIPPED,
        currency="USD",
        total=Decimal("20.00"),
        tax_total=Decimal("0"),
        shipments=(ship,),
    )


def _config(zone: str) -> RuleConfig:
    return RuleConfig(enabled=frozenset({"delay"}), zone=ZoneInfo(zone))


def _delay(eta: DeliveryWindow, now: datetime, zone: str) -> list[str]:
    order = _order("W-1", eta)
    before = ShipmentSnapshot(ShipmentStatus.IN_TRANSIT, eta.end)
    found = evaluate_shipment(order, order.shipments[0], before, live=True, config=_config(zone), now=now)
    return [c.body for c in found if c.rule == "delay"]


# ---------------------------------------------------------------- the rule (pure)


@pytest.mark.parametrize(
    ("now", "zone", "fires"),
    [
        (datetime(2026, 12, 5, 1, tzinfo=UTC), LA, False),  # 4 Dec, 17:00 in Los Angeles: the day is not over
        (datetime(2026, 12, 5, 7, 59, tzinfo=UTC), LA, False),  # 4 Dec, 23:59 there
        (datetime(2026, 12, 5, 8, 30, tzinfo=UTC), LA, True),  # 5 Dec, 00:30 there
        (datetime(2026, 12, 4, 15, 30, tzinfo=UTC), TOKYO, True),  # 5 Dec, 00:30 in Tokyo, still 4 Dec in UTC
        (datetime(2026, 12, 4, 14, 59, tzinfo=UTC), TOKYO, False),
        (datetime(2026, 12, 5, 0, 30, tzinfo=UTC), "UTC", True),
    ],
)
def test_a_date_only_eta_passes_when_the_customers_day_ends(now: datetime, zone: str, fires: bool) -> None:
    """The rule reads the calendar day in the customer's zone; the alert names the day, not 23:59:59Z."""
    bodies = _delay(DEC_4, now, zone)
    assert bool(bodies) is fires
    if fires:
        assert bodies == ["Expected on 2026-12-04, not delivered yet (UPS TNW-1)"]


def test_a_timed_eta_still_passes_at_its_end() -> None:
    """A window with times is an instant: over at its end in every zone."""
    for zone in (LA, TOKYO, "UTC"):
        assert _delay(TIMED, datetime(2026, 12, 4, 19, 59, tzinfo=UTC), zone) == []
        assert _delay(TIMED, datetime(2026, 12, 4, 20, 1, tzinfo=UTC), zone) == [
            "Expected by 2026-12-04T20:00:00Z, not delivered yet (UPS TNW-1)"
        ]


def test_the_deadline_is_midnight_after_the_day_where_the_customer_is() -> None:
    """eta_deadline: 08:00Z on 5 Dec in Los Angeles (PST), 15:00Z on 4 Dec in Tokyo; a timed window's end."""
    assert eta_deadline(DEC_4, ZoneInfo(LA)) == datetime(2026, 12, 5, 8, tzinfo=UTC)
    assert eta_deadline(DEC_4, ZoneInfo(TOKYO)) == datetime(2026, 12, 4, 15, tzinfo=UTC)
    assert eta_deadline(DEC_4, UTC) == datetime(2026, 12, 5, tzinfo=UTC)
    assert eta_deadline(TIMED, ZoneInfo(LA)) == TIMED.end
    summer = DeliveryWindow(datetime(2026, 7, 4, tzinfo=UTC), datetime(2026, 7, 4, 23, 59, 59, tzinfo=UTC), True)
    assert eta_deadline(summer, ZoneInfo(LA)) == datetime(2026, 7, 5, 7, tzinfo=UTC)  # PDT


# ---------------------------------------------------------------- the query and the dispatcher (real SQLite)


@pytest.fixture
def machine_tz(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run with the machine's TZ set as parametrized (restored afterwards)."""
    zone = str(request.param)
    monkeypatch.setenv("TZ", zone)
    systime.tzset()
    yield zone
    monkeypatch.undo()
    systime.tzset()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A cache with a date-only estimate (W-1, 4 Dec) and a timed one (W-2, 4 Dec 16:00-20:00Z), live."""
    s = Store.open(tmp_path / "cache.db")
    with s.transaction() as uow:
        uow.upsert_orders(
            [_order("W-1", DEC_4), _order("W-2", TIMED)],
            source="shop",
            received_at=datetime(2026, 12, 3, 10, tzinfo=UTC),
            live=False,
        )
        uow.set_sync_state(SyncState(source="shop#history", cursor="done"))
    yield s
    s.close()


def _due(store: Store, now: datetime, zone: str) -> list[str]:
    # stale_before far back: only the ETA part of the query speaks
    return sorted(NotifyRepository(store).orders_due_for_time_rules(now, now - timedelta(days=30), ZoneInfo(zone)))


@pytest.mark.parametrize("machine_tz", ["UTC", LA], indirect=True)
def test_the_query_finds_a_date_only_eta_by_the_customers_day(store: Store, machine_tz: str) -> None:
    """Which orders the time rules look at: by the customer's day for W-1, by the instant for W-2."""
    evening_la = datetime(2026, 12, 5, 1, tzinfo=UTC)
    assert _due(store, evening_la, LA) == ["W-2"]  # W-1's day is not over in Los Angeles
    assert _due(store, evening_la, "UTC") == ["W-1", "W-2"]
    assert _due(store, datetime(2026, 12, 5, 8, 30, tzinfo=UTC), LA) == ["W-1", "W-2"]
    tokyo_night = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert _due(store, tokyo_night, TOKYO) == ["W-1"]  # 5 Dec in Tokyo; W-2 ends at 20:00Z
    assert _due(store, tokyo_night, "UTC") == []


class Silent(NativeChannel):
    """A native channel that accepts everything."""

    def send(self, messages: object) -> None:
        """Accept."""


@pytest.mark.parametrize("machine_tz", ["UTC", LA], indirect=True)
def test_the_dispatcher_alerts_los_angeles_after_its_day_ends(store: Store, machine_tz: str) -> None:
    """Preference America/Los_Angeles: no delay for W-1 on the evening of 4 Dec there; one after midnight there."""
    clock = [datetime(2026, 12, 5, 1, tzinfo=UTC)]
    prefs = Preferences(timezone=LA)
    d = Dispatcher(store, Channels(native=Silent()), clock=lambda: clock[0], prefs=lambda: prefs)
    d.tick()
    log = NotifyRepository(store)
    assert [(r.order_number, r.rule) for r in log.list() if r.rule == "delay"] == [("W-2", "delay")] * 2
    clock[0] = datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    d.tick()
    d.tick()  # once
    w1 = [r for r in log.list() if r.order_number == "W-1"]
    assert {r.channel for r in w1} == {"native", "in_app"} and {r.rule for r in w1} == {"delay"}
    assert {r.event_at for r in w1} == {datetime(2026, 12, 5, 8, tzinfo=UTC)}
    assert {r.body for r in w1} == {"Expected on 2026-12-04, not delivered yet (UPS TNW-1)"}
