"""Upserts: idempotent, merge rules, change sets, carrier updates, provenance, speed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from services.domain import (
    ConfigError,
    DeliveryWindow,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SourceConfig,
)
from services.storage import Store


def test_the_same_orders_twice_change_nothing(store: Store, build, ops) -> None:
    """Upserting the same orders again reports nothing and adds no rows."""
    orders = [build.order(f"W-{i}") for i in range(3)]
    first = ops.upsert(store, orders)
    assert first.new_orders == ("W-0", "W-1", "W-2")
    assert first.changed_orders == ()
    assert len(first.new_events) == 9
    counts = {t: ops.count_rows(store, t) for t in ("orders", "order_events", "shipments", "tracking_events")}
    second = ops.upsert(store, orders)
    assert second.empty
    assert (
        {t: ops.count_rows(store, t) for t in counts}
        == counts
        == {
            "orders": 3,
            "order_events": 6,
            "shipments": 3,
            "tracking_events": 9,
        }
    )


def test_new_events_name_their_order_shipment_and_carrier(store: Store, build, ops) -> None:
    """New carrier events come with their order, tracking number and carrier."""
    order = build.order()
    changes = ops.upsert(store, [order])
    first = changes.new_events[0]
    assert (first.order_number, first.tracking_number, first.carrier) == ("W-10023", "1Z999AA10123456784", "ups")
    assert [n.event for n in changes.new_events] == list(order.shipments[0].events)


def test_a_shipment_without_events_keeps_the_cached_events(store: Store, build, ops) -> None:
    """An incoming shipment without events does not delete cached events."""
    order = build.order()
    ops.upsert(store, [order])
    bare = replace(order.shipments[0], events=(), status=ShipmentStatus.INFO_RECEIVED)
    changes = ops.upsert(store, [replace(order, shipments=(bare,))])
    assert changes.new_events == ()
    got = store.orders.get(order.order_number)
    assert got is not None
    assert got.shipments[0].events == order.shipments[0].events
    assert got.shipments[0].status is ShipmentStatus.IN_TRANSIT  # still follows the latest cached event
    assert ops.count_rows(store, "tracking_events") == 3


def test_the_same_event_from_two_upserts_is_stored_once(store: Store, build, ops) -> None:
    """An event delivered twice is stored once and reported new once."""
    a, b, c = (build.event(m) for m in (10, 20, 30))
    ship1 = build.shipment(events=[a, b])
    ship2 = build.shipment(events=[b, c])
    first = ops.upsert(store, [build.order(shipments=[ship1])])
    second = ops.upsert(store, [build.order(shipments=[ship2])])
    assert [n.event for n in first.new_events] == [a, b]
    assert [n.event for n in second.new_events] == [c]
    assert second.changed_orders == ("W-10023",)
    assert ops.count_rows(store, "tracking_events") == 3
    got = store.orders.get("W-10023")
    assert got is not None and got.shipments[0].events == (a, b, c)


def test_an_event_in_another_time_zone_is_the_same_event(store: Store, build, ops) -> None:
    """The same instant written in another zone is the same event."""
    ev = build.event(10)
    ops.upsert(store, [build.order(shipments=[build.shipment(events=[ev])])])
    shifted = replace(ev, occurred_at=ev.occurred_at.astimezone(__import__("datetime").timezone(timedelta(hours=-5))))
    changes = ops.upsert(store, [build.order(shipments=[build.shipment(events=[shifted])])])
    assert changes.empty
    assert ops.count_rows(store, "tracking_events") == 1


def test_status_follows_the_latest_event_by_time_not_arrival(store: Store, build, ops) -> None:
    """A late-arriving older event does not roll the shipment status back."""
    delivered = build.event(600, ShipmentStatus.DELIVERED, "Delivered, front door", raw_status="Delivered_001")
    late_scan = build.event(300, ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery", raw_status="OFD")
    ops.upsert(store, [build.order(shipments=[build.shipment(events=[delivered])])])
    changes = ops.upsert(store, [build.order(shipments=[build.shipment(events=[late_scan])])])
    assert [n.event for n in changes.new_events] == [late_scan]
    got = store.orders.get("W-10023")
    assert got is not None
    ship = got.shipments[0]
    assert ship.status is ShipmentStatus.DELIVERED
    assert ship.substatus == "Delivered_001"
    assert ship.delivered_at == delivered.occurred_at
    assert [e.description for e in ship.events] == ["Out for delivery", "Delivered, front door"]


def test_without_events_the_incoming_status_is_kept(store: Store, build, ops) -> None:
    """A shipment without any events takes the incoming status."""
    ship = build.shipment(events=(), status=ShipmentStatus.INFO_RECEIVED)
    ops.upsert(store, [build.order(shipments=[ship])])
    moved = replace(ship, status=ShipmentStatus.IN_TRANSIT)
    changes = ops.upsert(store, [build.order(shipments=[moved])])
    assert changes.changed_orders == ("W-10023",)
    got = store.orders.get("W-10023")
    assert got is not None and got.shipments[0].status is ShipmentStatus.IN_TRANSIT


def test_incoming_order_fields_replace_the_cached_ones(store: Store, build, ops) -> None:
    """Status, total, merchant... of the incoming order replace the cached ones."""
    order = build.order()
    ops.upsert(store, [order])
    newer = replace(order, status=OrderStatus.DELIVERED, total=Decimal("99.00"), merchant="Nordic Home AB")
    changes = ops.upsert(store, [newer])
    assert changes.changed_orders == ("W-10023",) and changes.new_orders == ()
    assert store.orders.get("W-10023") == newer


def test_missing_optional_fields_keep_the_cached_values(store: Store, build, ops) -> None:
    """Fields a payload leaves out keep their cached values."""
    order = build.order()
    ops.upsert(store, [order])
    partial = replace(order, customer=None, shipping_address=None, updated_at=None)
    assert ops.upsert(store, [partial]).empty
    assert store.orders.get("W-10023") == order


def test_order_events_are_only_added(store: Store, build, ops) -> None:
    """Order events accumulate; none is removed."""
    order = build.order()
    ops.upsert(store, [order])
    from services.domain import OrderEvent

    shipped = OrderEvent(occurred_at=build.T0 + timedelta(days=1), status=OrderStatus.SHIPPED, description="Shipped")
    changes = ops.upsert(store, [replace(order, events=(shipped,))])
    assert changes.changed_orders == ("W-10023",)
    got = store.orders.get("W-10023")
    assert got is not None and got.events == (*order.events, shipped)


def test_a_shipment_the_source_stops_listing_is_kept(store: Store, build, ops) -> None:
    """A cached shipment missing from a later payload keeps its history."""
    first, second = build.shipment("1ZAAA"), build.shipment("JD0001", "dhl")
    ops.upsert(store, [build.order(shipments=[first, second])])
    ops.upsert(store, [build.order(shipments=[second])])
    got = store.orders.get("W-10023")
    assert got is not None
    assert [s.tracking_number for s in got.shipments] == ["JD0001", "1ZAAA"]
    assert got.shipments[1].events == first.events


def test_needs_attention_is_recomputed(store: Store, build, ops) -> None:
    """needs_attention follows the shipments through order and carrier updates."""
    from services.domain import OrderFilter

    order = build.order()
    ops.upsert(store, [order])
    assert store.orders.count(OrderFilter(needs_attention=True)) == 0
    failed = build.event(60 * 60, ShipmentStatus.FAILED_ATTEMPT, "Delivery attempted, nobody home")
    ship = order.shipments[0]
    ops.upsert(store, [replace(order, shipments=(replace(ship, events=(*ship.events, failed)),))])
    assert store.orders.count(OrderFilter(needs_attention=True)) == 1
    delivered = build.event(60 * 70, ShipmentStatus.DELIVERED, "Delivered")
    ops.track(store, replace(ship, events=(delivered,)))
    assert store.orders.count(OrderFilter(needs_attention=True)) == 0


def test_a_richer_copy_of_a_known_event_fills_in_details_without_being_new(store: Store, build, ops) -> None:
    """A richer copy of a known event updates it and is not reported as new."""
    plain = build.event(10, location=None, raw_status=None)
    ops.upsert(store, [build.order(shipments=[build.shipment(events=[plain])])])
    rich = replace(plain, location="Köln, DE", raw_status="InTransit_001")
    changes = ops.upsert(store, [build.order(shipments=[build.shipment(events=[rich])])])
    assert changes.new_events == () and changes.changed_orders == ("W-10023",)
    got = store.orders.get("W-10023")
    assert got is not None and got.shipments[0].events == (rich,)
    assert ops.count_rows(store, "tracking_events") == 1


def test_duplicates_inside_one_batch_are_merged(store: Store, build, ops) -> None:
    """The same order twice in one batch is merged in order."""
    a, b = build.event(10), build.event(20)
    one = build.order(shipments=[build.shipment(events=[a])])
    two = build.order(shipments=[build.shipment(events=[a, b, a])], status=OrderStatus.DELIVERED)
    changes = ops.upsert(store, [one, two])
    assert changes.new_orders == ("W-10023",) and changes.changed_orders == ()
    assert [n.event for n in changes.new_events] == [a, b]
    got = store.orders.get("W-10023")
    assert got is not None and got.status is OrderStatus.DELIVERED and got.shipments[0].events == (a, b)


def test_provenance_and_latency_columns(store: Store, build, ops) -> None:
    """Carrier events record their first source, received/stored times and live flag."""
    backfill = build.order()
    with store.transaction() as uow:
        uow.upsert_orders([backfill], source="shop", received_at=datetime(2026, 11, 25, 12, tzinfo=UTC), live=False)
    live_event = build.event(60 * 60, ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery")
    with store.transaction() as uow:
        uow.upsert_tracking(
            replace(backfill.shipments[0], events=(live_event,)),
            source="aftership",
            received_at=datetime(2026, 11, 25, 13, tzinfo=UTC),
            live=True,
        )
    with store._engine.connect() as conn:
        rows = conn.execute(
            text("SELECT description, source, received_at, stored_at, live FROM tracking_events ORDER BY occurred_at")
        ).all()
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("Label created", "shop", "2026-11-25T12:00:00.000000Z", 0),
        ("Departed facility", "shop", "2026-11-25T12:00:00.000000Z", 0),
        ("Arrival scan", "shop", "2026-11-25T12:00:00.000000Z", 0),
        ("Out for delivery", "aftership", "2026-11-25T13:00:00.000000Z", 1),
    ]
    assert all(r[3].endswith("Z") and len(r[3]) == 27 for r in rows)


# ---------------------------------------------------------------- carrier updates


def test_tracking_attaches_carrier_data_to_every_order_with_that_number(store: Store, build, ops) -> None:
    """Carrier data reaches every cached shipment with that tracking number."""
    bare = build.shipment("1ZSHARED", "ups", events=(), status=ShipmentStatus.INFO_RECEIVED)
    bare = replace(bare, tracking_url=None, carrier_name="")
    ops.upsert(store, [build.order("W-1", shipments=[bare]), build.order("W-2", shipments=[bare])])
    eta = DeliveryWindow(start=build.T0 + timedelta(days=3), end=build.T0 + timedelta(days=3, hours=4))
    tracked = Shipment(
        tracking_number="1ZSHARED",
        carrier="ups",
        carrier_name="UPS",
        tracking_url="https://www.ups.com/track?tracknum=1ZSHARED",
        status=ShipmentStatus.EXCEPTION,
        substatus="Exception_011",
        action_required=True,
        estimated_delivery=eta,
        events=(
            build.event(90, ShipmentStatus.IN_TRANSIT, "Origin scan"),
            build.event(30, ShipmentStatus.INFO_RECEIVED, "Label created"),
        ),
    )
    changes = ops.track(store, tracked)
    assert changes.changed_orders == ("W-1", "W-2") and changes.new_orders == ()
    assert sorted((n.order_number, n.event.description) for n in changes.new_events) == [
        ("W-1", "Label created"),
        ("W-1", "Origin scan"),
        ("W-2", "Label created"),
        ("W-2", "Origin scan"),
    ]
    for number in ("W-1", "W-2"):
        got = store.orders.get(number)
        assert got is not None
        ship = got.shipments[0]
        assert ship.status is ShipmentStatus.IN_TRANSIT  # latest event by time wins over the payload status
        assert (ship.carrier_name, ship.tracking_url, ship.estimated_delivery) == ("UPS", tracked.tracking_url, eta)
        assert ship.action_required is True and got.needs_attention is True
        assert [e.description for e in ship.events] == ["Label created", "Origin scan"]
    assert ops.track(store, tracked).empty  # idempotent


def test_tracking_for_an_unknown_number_or_other_carrier_changes_nothing(store: Store, build, ops) -> None:
    """Unknown numbers and other carriers' numbers give an empty change set."""
    ops.upsert(store, [build.order()])
    assert ops.track(store, build.shipment("NOPE123", "ups")).empty
    assert ops.track(store, build.shipment("1Z999AA10123456784", "fedex")).empty
    assert ops.count_rows(store, "tracking_events") == 3


def test_tracking_fills_a_shipment_whose_carrier_was_unknown(store: Store, build, ops) -> None:
    """A shipment with no carrier takes the tracker's carrier."""
    unknown = build.shipment("420123", "", events=(), carrier_name="")
    ops.upsert(store, [build.order(shipments=[unknown])])
    changes = ops.track(store, build.shipment("420123", "usps"))
    assert len(changes.new_events) == 3
    got = store.orders.get("W-10023")
    assert got is not None and got.shipments[0].carrier == "usps"
    assert store.orders.shipments_to_track() == [("420123", "usps")]


def test_an_order_sync_after_tracking_keeps_the_carrier_events(store: Store, build, ops) -> None:
    """Re-syncing the order after tracking changes nothing."""
    bare = build.shipment(events=(), status=ShipmentStatus.INFO_RECEIVED)
    order = build.order(shipments=[bare])
    ops.upsert(store, [order])
    ops.track(store, build.shipment())
    assert ops.upsert(store, [order]).empty
    got = store.orders.get("W-10023")
    assert got is not None and len(got.shipments[0].events) == 3


def test_a_label_only_order_resync_does_not_undo_carrier_data(store: Store, build, ops) -> None:
    """A label-only payload does not overwrite the carrier's status, ETA or action flag."""
    merchant_eta = DeliveryWindow(build.T0 + timedelta(days=6), build.T0 + timedelta(days=7))
    label = replace(build.shipment(events=(), eta=merchant_eta), tracking_url=None)
    order = build.order(shipments=[label])
    ops.upsert(store, [order])
    carrier_eta = DeliveryWindow(build.T0 + timedelta(days=3), build.T0 + timedelta(days=3, hours=6))
    stuck = build.event(60 * 30, ShipmentStatus.EXCEPTION, "Address problem", raw_status="Exception_011")
    tracked = replace(build.shipment(events=[stuck]), estimated_delivery=carrier_eta, action_required=True)
    assert ops.track(store, tracked).changed_orders == ("W-10023",)
    assert ops.upsert(store, [order]).empty  # the same merchant payload again brings no news
    got = store.orders.get("W-10023")
    assert got is not None
    ship = got.shipments[0]
    assert (ship.status, ship.estimated_delivery, ship.action_required) == (
        ShipmentStatus.EXCEPTION,
        carrier_eta,
        True,
    )
    assert ship.tracking_url == tracked.tracking_url  # a gap the carrier filled stays filled


# ---------------------------------------------------------------- bookkeeping through the unit of work


def test_sync_state_and_source_inside_the_same_transaction(store: Store, build) -> None:
    """Orders, sync state and sources can be written in one transaction."""
    from services.domain import SyncState

    with store.transaction() as uow:
        uow.add_source(SourceConfig(name="shop", kind="shopify", url="https://shop.example"))
        uow.upsert_orders([build.order()], source="shop", received_at=build.T0, live=False)
        uow.set_sync_state(SyncState("shop", cursor="c1", last_success_at=build.T0))
    assert store.sync_state.get("shop").cursor == "c1"
    with pytest.raises(ConfigError, match="a source named shop already exists"), store.transaction() as uow:
        uow.add_source(SourceConfig(name="shop", kind="shopify", url="https://other.example"))


# ---------------------------------------------------------------- speed


def test_ten_thousand_orders_upsert_in_pages_and_again_idempotently(store: Store, build, ops) -> None:
    """10,000 orders (2 shipments, 6 carrier events each) in pages of 500; a second pass changes nothing.

    Speed is measured in tests/bench (bench_sync, bench_storage), not asserted here.
    """
    base = build.order()
    orders = []
    for i in range(10_000):
        placed = build.T0 + timedelta(minutes=i)
        ships = tuple(
            replace(
                s,
                tracking_number=f"{s.tracking_number[:6]}{i:07d}{k}",
                events=tuple(replace(e, occurred_at=e.occurred_at + timedelta(minutes=i)) for e in s.events),
            )
            for k, s in enumerate((base.shipments[0], build.shipment("JD0000", "dhl")))
        )
        orders.append(replace(base, order_number=f"W-{i:06d}", placed_at=placed, shipments=ships))
    for page in range(0, len(orders), 500):
        with store.transaction() as uow:
            uow.upsert_orders(orders[page : page + 500], source="demo", received_at=ops.RECEIVED, live=False)
    assert ops.count_rows(store, "tracking_events") == 60_000
    for page in range(0, len(orders), 500):
        with store.transaction() as uow:
            assert uow.upsert_orders(
                orders[page : page + 500], source="demo", received_at=ops.RECEIVED, live=False
            ).empty
