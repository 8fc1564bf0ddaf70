"""The 100,000-order caches of the storage and feed benchmarks: one order shape, one paged build.

Each benchmark keeps its own data (its seed, statuses and carrier events) and passes it in here;
what is shared is how an order of the bench source looks and how the cache is filled.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.domain import Channel, LineItem, Order, OrderEvent, OrderStatus, Shipment, ShipmentStatus, TrackingEvent
from services.storage import Store

ORDERS = 100_000
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
CARRIERS = ("ups", "fedex", "dhl", "usps", "royal-mail")


def placed_at(rnd: random.Random) -> datetime:
    """A random placing time within the three years from START (draws one number from `rnd`)."""
    return START + timedelta(seconds=rnd.randrange(int(SPAN.total_seconds())))


def bench_order(
    i: int,
    rnd: random.Random,
    placed: datetime,
    *,
    channel: Channel,
    status: OrderStatus,
    shipment_status: ShipmentStatus,
    tracking: tuple[TrackingEvent, ...],
    events: tuple[OrderEvent, ...] = (),
    items: tuple[LineItem, ...] = (),
) -> Order:
    """Order number `i` of the bench source with one shipment (carrier by `i`); draws its total from `rnd`."""
    carrier = CARRIERS[i % len(CARRIERS)]
    return Order(
        order_number=f"W-{i:06d}",
        source="bench",
        channel=channel,
        placed_at=placed,
        status=status,
        currency="EUR",
        total=Decimal(rnd.randrange(100, 50_000)) / 100,
        tax_total=Decimal("1.90"),
        items=items,
        events=events,
        shipments=(
            Shipment(
                tracking_number=f"TRK{i:09d}",
                carrier=carrier,
                carrier_name=carrier.upper(),
                status=shipment_status,
                events=tracking,
            ),
        ),
        merchant="Bench Store",
    )


def open_store(tmp_path_factory: pytest.TempPathFactory, folder: str) -> Store:
    """A new, empty cache.db in a fresh temporary folder named after `folder`."""
    return Store.open(Path(tmp_path_factory.mktemp(folder)) / "cache.db")


def fill_store(store: Store, orders: Iterable[Order], *, batch: int, received_at: datetime | None = None) -> None:
    """Upsert `orders` into an open cache, `batch` orders a transaction (source "bench", not live)."""
    received = received_at or datetime.now(UTC)
    page: list[Order] = []
    for order in orders:
        page.append(order)
        if len(page) == batch:
            with store.transaction() as uow:
                uow.upsert_orders(page, source="bench", received_at=received, live=False)
            page = []
    if page:
        with store.transaction() as uow:
            uow.upsert_orders(page, source="bench", received_at=received, live=False)
