"""Date-only estimates from the mapper to the cache and back: still calendar days (migration 0007)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from services.domain import (
    DeliveryWindow,
    OrderFilter,
    Shipment,
    order_from_json,
    order_to_json,
    shipment_from_json,
    shipment_to_json,
)
from services.sources.registry import normalize
from services.storage import Store
from services.storage.migrate import downgrade, upgrade

TN = "1Z999AA10123456784"
DAY = DeliveryWindow(
    start=datetime(2026, 12, 8, tzinfo=UTC), end=datetime(2026, 12, 8, 23, 59, 59, tzinfo=UTC), date_only=True
)


def _one(kind: str, payload: object) -> Shipment:
    _, items = normalize(kind, payload)
    shipment = items[0]
    assert isinstance(shipment, Shipment)
    return shipment


def test_aftership_and_karrio_dates_are_date_only_and_timed_etas_are_not() -> None:
    """AfterShip's expected_delivery and Karrio's estimated_delivery as dates become date-only windows."""
    aftership = _one(
        "aftership", {"tracking_number": TN, "slug": "ups", "tag": "InTransit", "expected_delivery": "2026-12-08"}
    )
    karrio = _one(
        "karrio",
        {"tracking_number": TN, "carrier_name": "ups", "status": "in_transit", "estimated_delivery": "2026-12-08"},
    )
    assert aftership.estimated_delivery == DAY and karrio.estimated_delivery == DAY
    timed = _one(
        "aftership",
        {"tracking_number": TN, "slug": "ups", "tag": "InTransit", "expected_delivery": "2026-12-08T14:00:00-08:00"},
    )
    assert timed.estimated_delivery is not None and not timed.estimated_delivery.date_only


def test_the_json_says_date_only_and_reads_back_the_same_days() -> None:
    """`"date_only": true` extends the estimated_delivery object; a bare date reads as date-only too."""
    shipment = _one(
        "aftership", {"tracking_number": TN, "slug": "ups", "tag": "InTransit", "expected_delivery": "2026-12-08"}
    )
    data = json.loads(json.dumps(shipment_to_json(shipment)))
    assert data["estimated_delivery"] == {
        "start": "2026-12-08T00:00:00Z",
        "end": "2026-12-08T23:59:59Z",
        "date_only": True,
    }
    assert shipment_from_json(data).estimated_delivery == DAY
    bare = dict(data, estimated_delivery={"start": "2026-12-08"})
    assert shipment_from_json(bare).estimated_delivery == DAY
    timed = dict(data, estimated_delivery={"start": "2026-12-08T08:00:00Z", "end": "2026-12-08T18:00:00Z"})
    got = shipment_from_json(timed).estimated_delivery
    assert (
        got is not None
        and not got.date_only
        and "date_only" not in shipment_to_json(shipment_from_json(timed))["estimated_delivery"]
    )


def test_the_cache_keeps_date_only_for_the_shipment_and_its_eta_history(store: Store, build, ops) -> None:
    """Stored, listed and read back: the flag survives, in the shipment, the summary and the ETA history."""
    order = build.order("W-1", shipments=[build.shipment(TN, eta=DAY)])
    ops.upsert(store, [order])
    got = store.orders.get("W-1")
    assert got is not None and got.shipments[0].estimated_delivery == DAY
    assert order_from_json(order_to_json(got)).shipments[0].estimated_delivery == DAY
    history = store.orders.eta_history("W-1")[TN]
    assert len(history) == 1 and history[0].date_only and history[0].window == DAY
    (summary,) = [s for s in store.orders.list_summaries(OrderFilter()) if s.order_number == "W-1"]
    assert summary.estimated_delivery == DAY


def test_migration_0007_flags_whole_utc_days_already_cached(db_path: Path, build, ops) -> None:
    """A cache from before 0007 with a 00:00:00-23:59:59 UTC window comes out date-only; a timed one does not."""
    timed = DeliveryWindow(start=datetime(2026, 12, 8, 8, tzinfo=UTC), end=datetime(2026, 12, 8, 18, tzinfo=UTC))
    with Store.open(db_path) as s:
        ops.upsert(s, [build.order("W-1", shipments=[build.shipment(TN, eta=DAY)])])
        ops.upsert(s, [build.order("W-2", shipments=[build.shipment(TN, eta=timed)])])
    downgrade(db_path, "0006")
    raw = sqlite3.connect(db_path)
    assert "eta_date_only" not in {r[1] for r in raw.execute("PRAGMA table_info(shipments)")}
    raw.close()
    upgrade(db_path)
    with Store.open(db_path) as s:
        one, two = s.orders.get("W-1"), s.orders.get("W-2")
        assert one is not None and one.shipments[0].estimated_delivery == DAY
        assert two is not None and two.shipments[0].estimated_delivery == timed
        assert s.orders.eta_history("W-1")[TN][0].date_only
        assert not s.orders.eta_history("W-2")[TN][0].date_only
