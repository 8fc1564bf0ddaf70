"""The notification rules, as tables of event sequences -> which alerts fire (pure, no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.domain import (
    Channel,
    DeliveryWindow,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    with_events,
)
from services.notify.rules import (
    RULES,
    RuleConfig,
    ShipmentSnapshot,
    evaluate_event,
    evaluate_order,
    evaluate_shipment,
    quiet_release,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ALL = RuleConfig(enabled=frozenset(r.id for r in RULES))
DEFAULTS = RuleConfig(enabled=frozenset(r.id for r in RULES if r.default_on))
S = ShipmentStatus


def ev(hours_ago: float, status: ShipmentStatus, text: str = "") -> TrackingEvent:
    """A carrier event ``hours_ago`` before NOW."""
    return TrackingEvent(occurred_at=NOW - timedelta(hours=hours_ago), status=status, description=text or status.value)


def order_with(*events: TrackingEvent, eta: DeliveryWindow | None = None, action: bool = False) -> Order:
    """An order with one UPS shipment holding ``events``."""
    ship = with_events(
        Shipment(
            tracking_number="1Z999",
            carrier="ups",
            carrier_name="UPS",
            tracking_url="https://ups.example/1Z999",
            estimated_delivery=eta,
            action_required=action,
        ),
        events,
    )
    return Order(
        order_number="W-1",
        source="demo",
        channel=Channel.WEB,
        placed_at=NOW - timedelta(days=3),
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=Decimal("10.00"),
        tax_total=Decimal("1.60"),
        shipments=(ship,),
    )


def fire(arrivals: list[TrackingEvent], config: RuleConfig = DEFAULTS, live: bool = True) -> list[str]:
    """Feed events in arrival order (each merged into the shipment) and return the rules that fired."""
    seen: list[TrackingEvent] = []
    fired: list[str] = []
    keys: set[str] = set()
    for event in arrivals:
        if event in seen:
            continue  # the cache drops exact duplicates; the ledger would too (same key)
        seen.append(event)
        order = order_with(*seen)
        for cand in evaluate_event(order, order.shipments[0], event, live=live, config=config, now=NOW):
            if cand.key in keys:
                continue
            keys.add(cand.key)
            fired.append(cand.rule + (" (history)" if cand.history else ""))
    return fired


IN_TRANSIT, OFD, DELIVERED = ev(30, S.IN_TRANSIT), ev(5, S.OUT_FOR_DELIVERY), ev(1, S.DELIVERED)


@pytest.mark.parametrize(
    ("arrivals", "expected"),
    [
        pytest.param([IN_TRANSIT, OFD, DELIVERED], ["shipped", "out_for_delivery", "delivered"], id="in-order"),
        pytest.param([IN_TRANSIT, DELIVERED, OFD], ["shipped", "delivered"], id="out-of-order-ofd-is-old-news"),
        pytest.param([DELIVERED, IN_TRANSIT], ["delivered", "shipped"], id="late-first-scan-still-means-shipped"),
        pytest.param([IN_TRANSIT, IN_TRANSIT, DELIVERED, DELIVERED], ["shipped", "delivered"], id="duplicates"),
        pytest.param([IN_TRANSIT, ev(20, S.IN_TRANSIT, "Departed hub")], ["shipped"], id="second-scan-is-not-shipped"),
        pytest.param([ev(40, S.IN_TRANSIT, "late copy"), IN_TRANSIT], ["shipped"], id="earlier-scan-after-later"),
        pytest.param(
            [ev(3, S.FAILED_ATTEMPT), ev(2, S.AVAILABLE_FOR_PICKUP)],
            ["failed_attempt", "available_for_pickup"],
            id="attempt-then-pickup",
        ),
        pytest.param([ev(2, S.EXCEPTION, "Customs hold")], ["exception"], id="exception"),
        pytest.param([ev(2, S.RETURNED), ev(1, S.CANCELLED)], ["returned", "cancelled"], id="returned-cancelled"),
        pytest.param([ev(2, S.INFO_RECEIVED), ev(1, S.PENDING)], [], id="no-milestone"),
        pytest.param([ev(200, S.DELIVERED)], ["delivered (history)"], id="older-than-cutoff-is-history"),
    ],
)
def test_event_sequences_fire_the_expected_alerts(arrivals: list[TrackingEvent], expected: list[str]) -> None:
    """Each arrival sequence fires exactly the listed rules, once each."""
    assert fire(arrivals) == expected


def test_backfilled_events_are_history() -> None:
    """Events stored with live=False alert nobody: every candidate is marked history."""
    assert fire([IN_TRANSIT, DELIVERED], live=False) == ["shipped (history)", "delivered (history)"]


def test_switched_off_rule_fires_nothing() -> None:
    """A rule the customer switched off produces no candidate."""
    config = RuleConfig(enabled=DEFAULTS.enabled - {"delivered"})
    assert fire([IN_TRANSIT, DELIVERED], config) == ["shipped"]


def test_action_required_without_exception_status_is_exception() -> None:
    """A shipment flagged action_required turns its latest event into an exception alert."""
    event = ev(1, S.IN_TRANSIT, "Pay duties")
    order = order_with(ev(10, S.IN_TRANSIT), event, action=True)
    out = evaluate_event(order, order.shipments[0], event, live=True, config=DEFAULTS, now=NOW)
    assert [c.rule for c in out] == ["exception"]


def test_candidate_carries_reason_title_link_and_key() -> None:
    """The candidate says which rule fired on which event, and its key is stable."""
    order = order_with(IN_TRANSIT, DELIVERED)
    [c] = evaluate_event(order, order.shipments[0], DELIVERED, live=True, config=DEFAULTS, now=NOW)
    assert c.reason == 'rule delivered fired on event delivered @ 2026-11-24T11:00:00Z "delivered"'
    assert c.title == "Order W-1: Delivered" and c.link == "https://ups.example/1Z999"
    [again] = evaluate_event(order, order.shipments[0], DELIVERED, live=True, config=DEFAULTS, now=NOW + timedelta(1))
    assert again.key == c.key


def window(hours_from_now: float) -> DeliveryWindow:
    """An ETA window ending ``hours_from_now`` after NOW."""
    end = NOW + timedelta(hours=hours_from_now)
    return DeliveryWindow(start=end - timedelta(hours=8), end=end)


@pytest.mark.parametrize(
    ("before_end", "after", "expected"),
    [
        pytest.param(10, window(34), ["eta moved"], id="moved-a-day-later"),
        pytest.param(10, window(10.5), [], id="within-tolerance"),
        pytest.param(34, window(10), [], id="moved-earlier"),
        pytest.param(None, window(-2), ["eta passed"], id="passed-without-delivery"),
        pytest.param(None, window(-200), [], id="passed-long-ago-is-history"),
        pytest.param(None, window(5), [], id="first-sighting"),
    ],
)
def test_eta_changes(before_end: float | None, after: DeliveryWindow, expected: list[str]) -> None:
    """ETA moved later (beyond tolerance) or passed recently fires delay; earlier or first sight does not."""
    order = order_with(ev(30, S.IN_TRANSIT), eta=after)
    before = None
    if before_end is not None:
        before = ShipmentSnapshot(S.IN_TRANSIT, NOW + timedelta(hours=before_end))
    out = evaluate_shipment(order, order.shipments[0], before, live=True, config=DEFAULTS, now=NOW)
    assert [c.trigger.split(" 2026")[0] for c in out] == expected


def test_delivered_shipment_is_never_late() -> None:
    """A delivered shipment with an ETA in the past fires no delay."""
    order = order_with(ev(30, S.IN_TRANSIT), ev(3, S.DELIVERED), eta=window(-2))
    assert evaluate_shipment(order, order.shipments[0], None, live=True, config=DEFAULTS, now=NOW) == []


@pytest.mark.parametrize(
    ("last_update_days", "enabled", "fires"),
    [(5.5, True, True), (4, True, False), (5.5, False, False), (30, True, False)],
)
def test_stale_in_transit(last_update_days: float, enabled: bool, fires: bool) -> None:
    """No carrier update for stale_days while in transit fires 'stale' (when switched on, and recent)."""
    rules = ALL.enabled if enabled else DEFAULTS.enabled
    order = order_with(ev(last_update_days * 24, S.IN_TRANSIT))
    config = RuleConfig(enabled=rules, stale_days=5)
    out = evaluate_shipment(order, order.shipments[0], None, live=True, config=config, now=NOW)
    assert [c.rule for c in out] == (["stale"] if fires else [])


def test_order_events_confirmed_and_cancelled() -> None:
    """Commerce events fire their milestones when recent; old ones are not news."""
    order = order_with()
    recent = OrderEvent(NOW - timedelta(hours=2), OrderStatus.CONFIRMED, "Order confirmed")
    old = OrderEvent(NOW - timedelta(days=30), OrderStatus.CANCELLED, "Cancelled long ago")
    cancelled = OrderEvent(NOW - timedelta(hours=1), OrderStatus.CANCELLED, "Cancelled by shop")
    out = evaluate_order(replace(order, events=(recent, old, cancelled)), live=True, config=ALL, now=NOW)
    assert [(c.rule, c.body) for c in out] == [("confirmed", "Order confirmed"), ("cancelled", "Cancelled by shop")]


BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
Q_START, Q_END = time(22, 0), time(7, 0)


@pytest.mark.parametrize(
    ("utc_now", "zone", "release"),
    [
        pytest.param("2026-11-24T20:59", BERLIN, None, id="21:59-berlin-before"),
        pytest.param("2026-11-24T21:00", BERLIN, "2026-11-25T06:00", id="22:00-berlin-starts"),
        pytest.param("2026-11-24T23:30", BERLIN, "2026-11-25T06:00", id="00:30-after-midnight"),
        pytest.param("2026-11-25T05:59", BERLIN, "2026-11-25T06:00", id="06:59-last-minute"),
        pytest.param("2026-11-25T06:00", BERLIN, None, id="07:00-ends"),
        pytest.param("2026-11-24T23:30", NEW_YORK, None, id="timezone-change-18:30-new-york"),
        pytest.param("2026-11-25T04:00", NEW_YORK, "2026-11-25T12:00", id="23:00-new-york"),
        pytest.param("2026-03-29T00:30", BERLIN, "2026-03-29T05:00", id="dst-night-berlin"),
    ],
)
def test_quiet_hours_cross_midnight_and_follow_the_timezone(utc_now: str, zone: ZoneInfo, release: str | None) -> None:
    """22:00-07:00 local: inside -> held until the local 07:00 (in UTC); outside -> None."""
    now = datetime.fromisoformat(utc_now).replace(tzinfo=UTC)
    got = quiet_release(now, Q_START, Q_END, zone)
    assert (got.strftime("%Y-%m-%dT%H:%M") if got else None) == release


def test_quiet_hours_within_one_day() -> None:
    """A window that does not cross midnight (13:00-14:00) holds only inside it."""
    inside = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
    assert quiet_release(inside, time(13), time(14), ZoneInfo("UTC")) == datetime(2026, 11, 24, 14, tzinfo=UTC)
    assert quiet_release(inside + timedelta(hours=1), time(13), time(14), ZoneInfo("UTC")) is None
