"""The demo data generator: deterministic, complete, consistent, valid and fast."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tracking_numbers import get_tracking_number

from services.demo import DemoData, generate, order_at
from services.demo.carriers import (
    LIBRARY_COURIER,
    dhl_check_digit,
    fedex12_check_digit,
    s10_check_digit,
    ups_check_digit,
    usps_check_digit,
)
from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    Channel,
    OrderStatus,
    ShipmentStatus,
    order_from_json,
    order_to_json,
    parse_utc,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # a Saturday: warehouses closed, carriers half open
OTHER_NOWS = (
    datetime(2026, 11, 23, 8, 30, tzinfo=UTC),  # Monday morning
    datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # the night Europe switches to summer time
    datetime(2026, 7, 1, 23, 59, tzinfo=UTC),
)
PREFIX = {
    Channel.WEB: "W-",
    Channel.MOBILE_APP: "M-",
    Channel.MARKETPLACE: "MP-",
    Channel.IN_STORE: "S-",
    Channel.PHONE: "P-",
}


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(7, 300, NOW)


def _shipments(data: DemoData) -> list[tuple[str, str]]:
    return [(s.carrier, s.tracking_number) for p in data.plans for s in p.shipments]


def test_same_seed_same_data_other_seed_other_data(data: DemoData) -> None:
    """Generation is a pure function of (seed, count, now)."""
    again = generate(7, 300, NOW)
    assert again == data
    assert [order_to_json(o) for o in again.orders] == [order_to_json(o) for o in data.orders]
    other = generate(8, 300, NOW)
    assert [o.order_number for o in other.orders] != [o.order_number for o in data.orders]


def test_small_counts_work() -> None:
    """Zero, one and a handful of orders are fine."""
    assert generate(1, 0, NOW).orders == ()
    assert len(generate(1, 1, NOW).orders) == 1
    assert len(generate(1, 5, NOW).orders) == 5


@pytest.mark.parametrize("now", (NOW, *OTHER_NOWS))
def test_every_status_channel_carrier_and_currency_appears(now: datetime) -> None:
    """200 orders cover all order and shipment statuses, channels, 8 carriers and 4 currencies, any day."""
    data = generate(7, 200, now)
    assert {o.status for o in data.orders} == set(OrderStatus)
    assert {s.status for o in data.orders for s in o.shipments} == set(ShipmentStatus)
    assert {o.channel for o in data.orders} == set(PREFIX)
    carriers = {s.carrier for o in data.orders for s in o.shipments}
    assert carriers == {"ups", "fedex", "usps", "dhl", "royal-mail", "dpd", "postnl", "japan-post"}
    assert {o.currency for o in data.orders} == {"EUR", "USD", "GBP", "JPY"}
    assert len({o.merchant.split(" via ")[0] for o in data.orders}) >= 5
    assert any(len(o.shipments) == 2 for o in data.orders)


def test_tracking_numbers_are_valid_unique_and_linked(data: DemoData) -> None:
    """Every number passes its carrier's check digit in ``tracking_numbers``; DPD/PostNL are not misread."""
    numbers = _shipments(data)
    assert len({n for _, n in numbers}) == len(numbers)
    for carrier, number in numbers:
        found = get_tracking_number(number)
        expected = LIBRARY_COURIER.get(carrier)
        if expected is None:
            assert found is None, (carrier, number, found)
        else:
            assert found is not None and found.valid, (carrier, number)
            assert found.courier.code == expected, (carrier, number, found.courier)
        if carrier == "royal-mail":
            assert number.endswith("GB") and len(number) == 13
        if carrier == "dpd":
            assert number.isdigit() and len(number) == 14
    for plan in data.plans:
        for s in plan.shipments:
            assert s.tracking_url.startswith("https://") and s.tracking_number in s.tracking_url
            assert s.carrier_name


def test_check_digit_helpers_match_known_numbers() -> None:
    """The check digit functions reproduce published example numbers."""
    assert ups_check_digit("999AA1012345678") == "4"  # 1Z999AA10123456784 (UPS docs)
    assert fedex12_check_digit("12345678901") == "2"  # 123456789012 (library example)
    assert s10_check_digit("12345678") == "5"  # AB123456785GB (UPU S10 example, weights 8,6,4,2,3,5,9,7)
    assert usps_check_digit("936128967609136189201") == "1"  # AfterShip webhook sample 9361289676091361892011
    assert dhl_check_digit("123456789") == str(123456789 % 7)


def test_money_adds_up(data: DemoData) -> None:
    """total = sum(unit_price * qty) + shipping + tax; JPY has no decimals, the others two."""
    rates: Counter[str] = Counter()
    for plan in data.plans:
        subtotal = sum((i.unit_price * i.quantity for i in plan.items), Decimal(0))
        assert subtotal + plan.shipping + plan.tax_total == plan.total
        assert sum((i.tax or Decimal(0) for i in plan.items), Decimal(0)) <= plan.tax_total
        exponent = 0 if plan.currency == "JPY" else -2
        for amount in (plan.total, plan.tax_total, plan.shipping, *(i.unit_price for i in plan.items)):
            assert amount.as_tuple().exponent == exponent, (plan.order_number, amount)
        for item in plan.items:
            if item.tax:
                rate = (item.tax / (item.unit_price * item.quantity)).quantize(Decimal("0.01"))
                rates[str(rate)] += 1
    for vat in ("0.19", "0.20", "0.21", "0.10"):  # DE, FR/GB, NL VAT and JP consumption tax
        assert rates[vat] > 0, rates
    assert any(r not in ("0.19", "0.20", "0.21", "0.10") for r in rates)  # US sales tax


def test_orders_spread_over_eighteen_months(data: DemoData) -> None:
    """placed_at spans the 18 months before now, nothing in the future."""
    placed = [o.placed_at for o in data.orders]
    assert max(placed) <= NOW
    assert min(placed) >= NOW - timedelta(days=548)
    assert min(placed) <= NOW - timedelta(days=500)
    assert len({(p.year, p.month) for p in placed}) >= 17


def test_times_increase_and_local_times_agree(data: DemoData) -> None:
    """Order events and carrier events go forward in time; local_time matches occurred_at."""
    offsets: Counter[str] = Counter()
    for plan in data.plans:
        times = [e.occurred_at for e in plan.events]
        assert times == sorted(times) and times[0] == plan.placed_at
        for ship in plan.shipments:
            assert ship.created_at > plan.placed_at
            cps = [c.event.occurred_at for c in ship.checkpoints]
            assert all(a < b for a, b in zip(cps, cps[1:], strict=False)), ship.tracking_number
            assert not cps or cps[0] > ship.created_at
            for cp in ship.checkpoints:
                ev = cp.event
                assert ev.local_time is not None
                if ev.offset_known:
                    local = datetime.fromisoformat(ev.local_time)
                    assert local.tzinfo is not None and local.astimezone(UTC) == ev.occurred_at
                    offsets[ev.local_time[19:]] += 1
                else:
                    assert len(ev.local_time) == 19 and parse_utc(ev.local_time) == ev.occurred_at
                    offsets["none"] += 1
                assert ev.raw_status == cp.subtag
    assert offsets["none"] > 0  # a few carriers give no offset
    assert {"-05:00", "+01:00", "+09:00"} <= set(offsets) or {"-04:00", "+02:00", "+09:00"} <= set(offsets)


def test_visible_state_is_consistent(data: DemoData) -> None:
    """updated_at is the latest visible event; status follows the latest event; ETA only while open."""
    for plan, order in zip(data.plans, data.orders, strict=True):
        assert order.status is [e for e in plan.events if e.occurred_at <= NOW][-1].status
        visible = [e.occurred_at for e in order.events]
        for s in order.shipments:
            visible += [e.occurred_at for e in s.events]
            latest = s.latest_event
            assert s.status is (latest.status if latest is not None else ShipmentStatus.PENDING)
            assert (s.estimated_delivery is None) == (s.status in FINAL_SHIPMENT_STATUSES)
            assert (s.delivered_at is not None) == (s.status is ShipmentStatus.DELIVERED)
            assert all(e.occurred_at <= NOW for e in s.events)
        assert order.updated_at == max(visible)


def test_open_shipments_have_future_events(data: DemoData) -> None:
    """Open shipments carry scheduled events after now that move them forward later."""
    future = [
        (plan, c) for plan in data.plans for s in plan.shipments for c in s.checkpoints if c.event.occurred_at > NOW
    ]
    assert future
    plan, cp = min(future, key=lambda pc: pc[1].event.occurred_at)
    later = order_at(plan, cp.event.occurred_at)
    assert any(cp.event in s.events for s in later.shipments)
    assert data.carrier_events(plan.shipments[0].tracking_number) == plan.shipments[0].checkpoints


@pytest.mark.parametrize("now", (NOW, *OTHER_NOWS, datetime(2026, 11, 28, 3, 28, tzinfo=UTC)))
def test_estimates_are_daytime_windows_on_the_named_day(now: datetime) -> None:
    """Every estimate (and each revision) is 12 hours whose middle falls on its date-only form.

    That holds after the generator's last-resort shifts too (weekends), so a tracking API's
    date-only estimate restates the order feed's window instead of looking like a move.
    """
    windows = [
        (window, day)
        for plan in generate(7, 300, now).plans
        for s in plan.shipments
        for window, day in (
            (s.estimated_delivery, s.estimated_delivery_date),
            *((r.window, r.date) for r in s.eta_revisions),
        )
        if window is not None
    ]
    assert len(windows) > 50
    for window, day in windows:
        assert window.end - window.start == timedelta(hours=12)
        assert (window.start + timedelta(hours=6)).date().isoformat() == day, (window, day)


def test_json_round_trip(data: DemoData) -> None:
    """Every order survives the domain JSON codec unchanged."""
    for order in data.orders:
        assert order_from_json(order_to_json(order)) == order


def test_numbers_names_and_addresses(data: DemoData) -> None:
    """Order numbers are unique with channel prefixes; names and addresses include non-ASCII ones."""
    numbers = [o.order_number for o in data.orders]
    assert len(set(numbers)) == len(numbers)
    for order in data.orders:
        assert order.order_number.startswith(PREFIX[order.channel])
        assert order.customer is not None and "@example." in order.customer.email
        assert order.shipping_address is not None and order.shipping_address.country
    text = " ".join(
        f"{o.customer.name if o.customer else ''} {o.shipping_address.one_line() if o.shipping_address else ''}"
        for o in generate(7, 1000, NOW).orders
    )
    for needle in ("Müller", "Łódź", "Ελένη", "Иван", "東京"):
        assert needle in text, needle
    assert len({o.shipping_address.country for o in data.orders if o.shipping_address}) >= 6


def test_ten_thousand_orders_are_generated() -> None:
    """A 10,000-order data set is generated whole (its speed is a benchmark figure: tests/bench/bench_demo.py)."""
    big = generate(42, 10_000, NOW)
    assert len(big.orders) == 10_000
    assert len({o.order_number for o in big.orders}) == 10_000
