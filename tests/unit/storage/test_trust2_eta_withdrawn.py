"""When a missing ETA is a withdrawal (recorded in the ETA history) and when it only says nothing.

The rule: the source that gave the current estimate, through the same kind of record (its order
feed or its tracking API), sends a full record of the shipment without one, and the shipment is
not finished. Then the estimate goes, the history gets an empty window, and the order says
"Estimate withdrawn by the carrier on ...". Anything else (a pushed event, a label-only order
line, another source, the other feed of the same source, a delivered parcel, a history row from
before the feed was recorded) keeps the estimate and adds nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.domain import DeliveryWindow, EtaChange, Order, Shipment, ShipmentStatus, eta_note
from services.storage import Store
from services.storage.migrate import downgrade, upgrade

TN = "1Z999AA10123456784"
LATER = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
LATEST = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _window(build, days: float) -> DeliveryWindow:
    start = build.T0 + timedelta(days=days)
    return DeliveryWindow(start=start, end=start + timedelta(hours=10))


def _order(build, eta: DeliveryWindow | None, **kwargs) -> Order:
    return build.order("W-1", shipments=[build.shipment(TN, eta=eta, **kwargs)])


def _history(store: Store) -> tuple[EtaChange, ...]:
    return store.orders.eta_history("W-1").get(TN, ())


def _eta(store: Store) -> DeliveryWindow | None:
    cached = store.orders.get("W-1")
    assert cached is not None
    return cached.shipments[0].estimated_delivery


def _orders(store: Store, order: Order, *, source: str = "shop", at: datetime = LATER) -> None:
    with store.transaction() as uow:
        uow.upsert_orders([order], source=source, received_at=at, live=True)


def _tracking(store: Store, shipment: Shipment, *, source: str = "shop", at: datetime = LATER) -> None:
    with store.transaction() as uow:
        uow.upsert_trackings([shipment], source=source, received_at=at, live=True)


def _feeds(path: Path) -> list[tuple[str | None, str, str | None]]:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT eta_start, source, feed FROM shipment_etas ORDER BY id").fetchall()
    finally:
        raw.close()


def test_the_order_feed_that_gave_an_estimate_withdraws_it(store: Store, db_path: Path, build) -> None:
    """Full order record, same source, no ETA: the estimate goes, once; the note says so."""
    eta = _window(build, 4)
    _orders(store, _order(build, eta), at=build.T0)
    _orders(store, _order(build, None))
    _orders(store, _order(build, None), at=LATEST)  # said again: nothing new
    assert _eta(store) is None
    history = _history(store)
    assert [c.window for c in history] == [eta, None]
    assert history[1].seen_at == LATER and history[1].source == "shop"
    assert [f for _, _, f in _feeds(db_path)] == ["orders", "orders"]
    note = eta_note(history, UTC)
    assert note is not None and note.startswith("Estimate withdrawn by the carrier on 26 Nov")
    # a new estimate later is a change again, and says what happened before it
    _orders(store, _order(build, _window(build, 6)), at=LATEST)
    assert [c.window for c in _history(store)] == [eta, None, _window(build, 6)]
    assert (eta_note(_history(store), UTC) or "").startswith("New estimate")


def test_the_tracking_api_that_gave_an_estimate_withdraws_it(store: Store, db_path: Path, build) -> None:
    """A full tracking answer (upsert_trackings) without ETA from the source whose tracking API gave it."""
    _orders(store, _order(build, None), at=build.T0)
    eta = _window(build, 3)
    _tracking(store, build.shipment(TN, eta=eta), at=build.T0)
    _tracking(store, build.shipment(TN, eta=None))
    assert _eta(store) is None
    assert [c.window for c in _history(store)] == [eta, None]
    assert [f for _, _, f in _feeds(db_path)] == ["tracking", "tracking"]


def test_a_single_full_tracking_record_can_withdraw_but_a_pushed_event_cannot(store: Store, build, ops) -> None:
    """upsert_tracking is a pushed event unless told it is a full record (complete=True)."""
    _orders(store, _order(build, None), at=build.T0)
    eta = _window(build, 3)
    _tracking(store, build.shipment(TN, eta=eta), at=build.T0)
    pushed = Shipment(TN, "ups", events=(build.event(60 * 60, ShipmentStatus.IN_TRANSIT, "Departed hub"),))
    with store.transaction() as uow:
        uow.upsert_tracking(pushed, source="shop", received_at=LATER, live=True)
    assert _eta(store) == eta and len(_history(store)) == 1
    with store.transaction() as uow:
        uow.upsert_tracking(build.shipment(TN, eta=None), source="shop", received_at=LATEST, live=True, complete=True)
    assert _eta(store) is None and [c.window for c in _history(store)] == [eta, None]


def test_the_other_feed_of_the_same_source_withdraws_nothing(store: Store, build) -> None:
    """A backend whose orders say null beside its tracking API's estimate: no flip-flop, pass after pass."""
    eta = _window(build, 3)
    _orders(store, _order(build, None), at=build.T0)
    _tracking(store, build.shipment(TN, eta=eta), at=build.T0)
    for at in (LATER, LATEST):
        _orders(store, _order(build, None), at=at)
        _tracking(store, build.shipment(TN, eta=eta), at=at)
    assert _eta(store) == eta and len(_history(store)) == 1
    # and the other way round: the order feed's estimate, a tracking answer without one
    _orders(store, _order(build, _window(build, 5)), at=LATEST)
    _tracking(store, build.shipment(TN, eta=None), at=LATEST)
    assert _eta(store) == _window(build, 5)
    assert [c.window for c in _history(store)] == [eta, _window(build, 5)]


def test_another_source_without_an_estimate_withdraws_nothing(store: Store, build) -> None:
    """A shop that never knew the carrier's estimate does not erase what the tracking service said."""
    eta = _window(build, 3)
    _orders(store, _order(build, None), source="shop", at=build.T0)
    _tracking(store, build.shipment(TN, eta=eta), source="aftership", at=build.T0)
    _orders(store, _order(build, None), source="shop")
    _orders(store, _order(build, None), source="other-shop")
    assert _eta(store) == eta and len(_history(store)) == 1


def test_a_label_only_line_withdraws_nothing(store: Store, build) -> None:
    """An order line without carrier events does not lead over cached carrier data: no withdrawal."""
    eta = _window(build, 4)
    _orders(store, _order(build, eta), at=build.T0)
    _orders(store, _order(build, None, events=()))
    assert _eta(store) == eta and len(_history(store)) == 1


def test_a_finished_parcel_loses_no_estimate(store: Store, build) -> None:
    """Delivered (or cancelled) without an ETA: the estimate is over, not withdrawn."""
    eta = _window(build, 4)
    _orders(store, _order(build, eta), at=build.T0)
    for status in (ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED):
        final = build.event(60 * 80, status, status.value.title(), raw_status=status.value)
        events = (*build.shipment(TN).events, final)
        _orders(store, _order(build, None, events=events))
        assert len(_history(store)) == 1 and _eta(store) == eta


def test_estimates_from_before_the_feed_was_recorded_are_kept(store: Store, db_path: Path, build) -> None:
    """A history row without ``feed`` (written before migration 0008): who gave it is unknown, nothing withdraws it."""
    eta = _window(build, 4)
    _orders(store, _order(build, eta), at=build.T0)
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE shipment_etas SET feed = NULL")
    raw.commit()
    raw.close()
    _orders(store, _order(build, None))
    _tracking(store, build.shipment(TN, eta=None))
    assert _eta(store) == eta and len(_history(store)) == 1


def test_one_page_withdraws_only_what_its_own_source_gave(store: Store, build) -> None:
    """Two orders in one page, two shipments each: exactly the shipments whose estimate this feed gave lose it."""
    a, b = "1Z999AA10123456784", "1Z999AA10123456785"
    first, second = _window(build, 3), _window(build, 4)

    def two(number: str, eta_a: DeliveryWindow | None, eta_b: DeliveryWindow | None) -> Order:
        return build.order(number, shipments=[build.shipment(a, eta=eta_a), build.shipment(b, eta=eta_b)])

    with store.transaction() as uow:
        uow.upsert_orders(
            [two("W-1", first, None), two("W-2", first, None)], source="shop", received_at=LATER, live=True
        )
        uow.upsert_trackings([build.shipment(b, eta=second)], source="shop", received_at=LATER, live=True)
    with store.transaction() as uow:
        uow.upsert_orders(
            [two("W-1", None, None), two("W-2", first, None)], source="shop", received_at=LATEST, live=True
        )
    history = {n: store.orders.eta_history(n) for n in ("W-1", "W-2")}
    assert [c.window for c in history["W-1"][a]] == [first, None]
    assert [c.window for c in history["W-1"][b]] == [second]
    assert [c.window for c in history["W-2"][a]] == [first]
    assert [c.window for c in history["W-2"][b]] == [second]


def test_migration_0008_adds_an_empty_feed_and_goes_back(db_path: Path, build, ops) -> None:
    """Rows from before keep NULL; downgrade drops the column and keeps the rows."""
    db_path.parent.mkdir(parents=True)
    upgrade(db_path, "0007")
    raw = sqlite3.connect(db_path)
    assert "feed" not in [r[1] for r in raw.execute("PRAGMA table_info(shipment_etas)")]
    raw.close()
    store = Store.open(db_path)
    try:
        ops.upsert(store, [_order(build, _window(build, 4))])
    finally:
        store.close()
    assert _feeds(db_path) == [(_feeds(db_path)[0][0], "demo", "orders")]
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE shipment_etas SET feed = NULL")
    raw.commit()
    raw.close()
    downgrade(db_path, "0007")
    raw = sqlite3.connect(db_path)
    assert "feed" not in [r[1] for r in raw.execute("PRAGMA table_info(shipment_etas)")]
    assert raw.execute("SELECT count(*) FROM shipment_etas").fetchone() == (1,)
    raw.close()
    upgrade(db_path)
    assert [f for _, _, f in _feeds(db_path)] == [None]


def test_the_merge_alone_keeps_a_missing_eta_unless_told(build) -> None:
    """merge_shipment: without ``withdraws_eta`` a missing ETA is "not mentioned"."""
    from services.storage.merge import merge_shipment

    eta = _window(build, 4)
    cached = build.shipment(TN, eta=eta)
    incoming = replace(build.shipment(TN, eta=None))
    assert merge_shipment(cached, incoming).estimated_delivery == eta
    assert merge_shipment(cached, incoming, withdraws_eta=True).estimated_delivery is None
