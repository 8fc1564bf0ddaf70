"""ETA history (``shipment_etas``): one row per distinct window, recorded by the unit of work."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.domain import DeliveryWindow, EtaChange, Order, ShipmentStatus
from services.storage import Store
from services.storage.migrate import upgrade

TN = "1Z999AA10123456784"
LATER = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def _window(build, days: float, hours: float = 10) -> DeliveryWindow:
    start = build.T0 + timedelta(days=days)
    return DeliveryWindow(start=start, end=start + timedelta(hours=hours))


def _order(build, eta: DeliveryWindow | None, *, events=None, number: str = "W-10023") -> Order:
    return build.order(number, shipments=[build.shipment(TN, events=events, eta=eta)])


def _history(store: Store, number: str = "W-10023") -> tuple[EtaChange, ...]:
    return store.orders.eta_history(number).get(TN, ())


def test_a_new_shipment_with_an_eta_records_its_first_estimate(store: Store, build, ops) -> None:
    """The first window arrives with the sync's received time and source."""
    eta = _window(build, 4)
    ops.upsert(store, [_order(build, eta)], source="shop")
    assert _history(store) == (EtaChange(eta.start, eta.end, ops.RECEIVED, "shop"),)
    assert _history(store)[0].window == eta


def test_a_shipment_without_an_eta_records_nothing(store: Store, build, ops) -> None:
    """No estimate, no history (a withdrawal needs an estimate first)."""
    ops.upsert(store, [_order(build, None)])
    assert store.orders.eta_history("W-10023") == {}
    assert ops.count_rows(store, "shipment_etas") == 0


def test_the_same_eta_again_adds_no_row(store: Store, build, ops) -> None:
    """Idempotent re-syncs, from the same or another source, add nothing."""
    eta = _window(build, 4)
    ops.upsert(store, [_order(build, eta)])
    ops.upsert(store, [_order(build, eta)])
    ops.upsert(store, [_order(build, eta)], source="other-shop")
    ops.track(store, build.shipment(TN, eta=eta))
    assert ops.count_rows(store, "shipment_etas") == 1


def test_a_moved_eta_adds_a_row_and_keeps_the_order(store: Store, build, ops) -> None:
    """Moved later, then earlier: three windows, oldest first, each with when it was first seen."""
    first, later, earlier = _window(build, 4), _window(build, 5), _window(build, 3, 4)
    ops.upsert(store, [_order(build, first)])
    with store.transaction() as uow:
        uow.upsert_orders([_order(build, later)], source="demo", received_at=LATER, live=True)
    ops.track(store, build.shipment(TN, eta=earlier), source="aftership")
    assert [c.window for c in _history(store)] == [first, later, earlier]
    assert [c.seen_at for c in _history(store)] == [ops.RECEIVED, LATER, ops.RECEIVED]
    assert [c.source for c in _history(store)] == ["demo", "demo", "aftership"]


def test_tracking_updates_record_a_change_too(store: Store, build, ops) -> None:
    """upsert_tracking and upsert_trackings both record a moved ETA."""
    ops.upsert(store, [_order(build, _window(build, 4))])
    ops.track(store, build.shipment(TN, eta=_window(build, 6)))
    with store.transaction() as uow:
        uow.upsert_trackings([build.shipment(TN, eta=_window(build, 7))], source="x", received_at=LATER, live=True)
    assert [c.window for c in _history(store)] == [_window(build, 4), _window(build, 6), _window(build, 7)]


def test_a_label_only_payload_without_an_eta_keeps_the_estimate(store: Store, build, ops) -> None:
    """The merge rules keep a cached ETA when a payload has none: that is no withdrawal, no row."""
    ops.upsert(store, [_order(build, _window(build, 4))])
    ops.upsert(store, [_order(build, None, events=())])
    assert len(_history(store)) == 1


def test_a_withdrawn_eta_is_recorded_as_an_empty_window(store: Store, build, ops) -> None:
    """When the cached shipment loses its estimate, a row with both ends NULL says so; a new one follows."""
    eta = _window(build, 4)
    ops.upsert(store, [_order(build, eta)])
    with store.transaction() as uow:
        # the writer records what it is handed: a merged order whose shipment no longer has an ETA
        from services.storage.reads import load_by_numbers

        cached = load_by_numbers(uow.connection, ["W-10023"])
        before = cached["W-10023"].order
        withdrawn = replace(before, shipments=(replace(before.shipments[0], estimated_delivery=None),))
        uow._write(cached, {"W-10023": withdrawn}, source="demo", received_at=LATER, live=True, sync=True)
    ops.upsert(store, [_order(build, _window(build, 5))])
    history = _history(store)
    assert [(c.start, c.end) for c in history] == [
        (eta.start, eta.end),
        (None, None),
        (_window(build, 5).start, _window(build, 5).end),
    ]
    assert history[1].window is None and history[1].seen_at == LATER


def test_history_is_keyed_by_tracking_number_per_order(store: Store, build, ops) -> None:
    """Two shipments of one order, another order and an unknown order."""
    two = build.order(
        "W-1",
        shipments=[
            build.shipment("TN-A", eta=_window(build, 2)),
            build.shipment("TN-B", eta=None),
            build.shipment("TN-C", eta=_window(build, 3)),
        ],
    )
    ops.upsert(store, [two, _order(build, _window(build, 9), number="W-2")])
    history = store.orders.eta_history("W-1")
    assert list(history) == ["TN-A", "TN-C"]
    assert store.orders.eta_history("W-404") == {}


def test_clear_cache_removes_the_eta_rows_but_keeps_history_orders(store: Store, build, ops) -> None:
    """Clearing deletes the ETA rows of the deleted shipments; archived orders keep theirs."""
    ops.upsert(store, [_order(build, _window(build, 4)), _order(build, _window(build, 5), number="W-OLD")])
    with store.transaction() as uow:
        uow.connection.exec_driver_sql(
            "UPDATE orders SET archived_at = '2026-11-27T00:00:00.000000Z' WHERE order_number = 'W-OLD'"
        )
    ops.upsert(store, [_order(build, _window(build, 6))])
    assert ops.count_rows(store, "shipment_etas") == 3
    store.clear_cache()
    assert ops.count_rows(store, "shipment_etas") == 1
    assert store.orders.eta_history("W-10023") == {}
    assert len(store.orders.eta_history("W-OLD")[TN]) == 1
    assert store.integrity_check() == []


def test_deleting_a_shipment_cascades_to_its_eta_rows(store: Store, build, ops) -> None:
    """The foreign key is ON DELETE CASCADE (foreign_keys=ON on every connection)."""
    ops.upsert(store, [_order(build, _window(build, 4))])
    with store.transaction() as uow:
        uow.connection.exec_driver_sql("DELETE FROM orders")
    assert ops.count_rows(store, "shipment_etas") == 0


def test_the_migration_backfills_the_current_etas(db_path: Path, build, ops) -> None:
    """Upgrading a 0003 cache gives every shipment with an ETA one row, seen when its order was synced."""
    db_path.parent.mkdir(parents=True)
    upgrade(db_path, "0003")
    raw = sqlite3.connect(db_path)
    raw.executescript(
        """
        INSERT INTO orders (id, order_number, source, channel, placed_at, status, currency, total, tax_total,
            merchant, items, needs_attention, search_text, updated_at, synced_at)
        VALUES (1, 'W-1', 'demo', 'web', '2026-11-20T09:15:00.000000Z', 'shipped', 'EUR', '1.00', '0.00',
                'M', '[]', 0, 'w-1', '2026-11-21T00:00:00.000000Z', '2026-11-22T00:00:00.000000Z'),
               (2, 'W-2', 'shop', 'web', '2026-11-20T09:15:00.000000Z', 'shipped', 'EUR', '1.00', '0.00',
                'M', '[]', 0, 'w-2', '2026-11-21T00:00:00.000000Z', NULL);
        INSERT INTO shipments (id, order_id, position, tracking_number, carrier, carrier_name, status,
            action_required, eta_start, eta_end)
        VALUES (1, 1, 0, 'TN-1', 'ups', 'UPS', 'in_transit', 0,
                '2026-11-24T08:00:00.000000Z', '2026-11-24T18:00:00.000000Z'),
               (2, 1, 1, 'TN-2', 'ups', 'UPS', 'in_transit', 0, NULL, NULL),
               (3, 2, 0, 'TN-3', 'dhl', 'DHL', 'delivered', 0,
                '2026-11-25T08:00:00.000000Z', '2026-11-25T20:00:00.000000Z');
        """
    )
    raw.commit()
    raw.close()
    with Store.open(db_path) as store:
        one, two = store.orders.eta_history("W-1"), store.orders.eta_history("W-2")
        assert list(one) == ["TN-1"]
        assert one["TN-1"] == (
            EtaChange(
                datetime(2026, 11, 24, 8, tzinfo=UTC),
                datetime(2026, 11, 24, 18, tzinfo=UTC),
                datetime(2026, 11, 22, tzinfo=UTC),
                "demo",
            ),
        )
        assert two["TN-3"][0].seen_at == datetime(2026, 11, 21, tzinfo=UTC)  # never synced: updated_at
        assert store.integrity_check() == []
        # the back-filled row is the latest known window: the same ETA again adds nothing
        ops.upsert(store, [build.order("W-1", shipments=[build.shipment("TN-1", eta=one["TN-1"][0].window)])])
        assert len(store.orders.eta_history("W-1")["TN-1"]) == 1


def test_status_only_changes_add_no_row(store: Store, build, ops) -> None:
    """A new carrier event that leaves the ETA alone records nothing."""
    eta = _window(build, 4)
    ops.upsert(store, [_order(build, eta)])
    ops.track(store, build.shipment(TN, events=[build.event(60 * 70, ShipmentStatus.OUT_FOR_DELIVERY, "Out")], eta=eta))
    assert len(_history(store)) == 1
