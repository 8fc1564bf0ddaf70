"""Fixtures for the storage tests: a real SQLite file in tmp_path and realistic domain builders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from services.domain import (
    Address,
    ChangeSet,
    Channel,
    Customer,
    DeliveryWindow,
    LineItem,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    with_events,
)
from services.storage import Store

T0 = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Build:
    """Hand-made, realistic domain objects (statuses consistent with their events)."""

    T0 = T0

    @staticmethod
    def event(
        minutes: float,
        status: ShipmentStatus = ShipmentStatus.IN_TRANSIT,
        description: str = "Arrival scan",
        *,
        location: str | None = "Louisville, KY, US",
        raw_status: str | None = "InTransit_003",
        offset_known: bool = True,
        local_time: str | None = None,
    ) -> TrackingEvent:
        """A carrier event ``minutes`` after T0."""
        return TrackingEvent(
            occurred_at=T0 + timedelta(minutes=minutes),
            status=status,
            description=description,
            offset_known=offset_known,
            local_time=local_time,
            location=location,
            raw_status=raw_status,
        )

    @staticmethod
    def shipment(
        tracking_number: str = "1Z999AA10123456784",
        carrier: str = "ups",
        events: Sequence[TrackingEvent] | None = None,
        *,
        carrier_name: str | None = None,
        status: ShipmentStatus = ShipmentStatus.INFO_RECEIVED,
        eta: DeliveryWindow | None = None,
        action_required: bool = False,
    ) -> Shipment:
        """A shipment; with events its status follows the latest one (as the domain says)."""
        if events is None:
            events = (
                Build.event(60 * 5, ShipmentStatus.INFO_RECEIVED, "Label created", location=None, raw_status="Info"),
                Build.event(60 * 29, ShipmentStatus.IN_TRANSIT, "Departed facility", location="Nashville, TN, US"),
                Build.event(
                    60 * 52,
                    ShipmentStatus.IN_TRANSIT,
                    "Arrival scan",
                    offset_known=False,
                    local_time="2026-11-22T09:02:00",
                ),
            )
        base = Shipment(
            tracking_number=tracking_number,
            carrier=carrier,
            carrier_name=carrier_name if carrier_name is not None else carrier.upper(),
            tracking_url=f"https://track.example/{carrier}/{tracking_number}",
            status=status,
            substatus=None,
            action_required=action_required,
            estimated_delivery=eta,
        )
        return with_events(base, tuple(events)) if events else base

    @staticmethod
    def order(
        number: str = "W-10023",
        *,
        placed_at: datetime = T0,
        shipments: Sequence[Shipment] | None = None,
        status: OrderStatus = OrderStatus.SHIPPED,
        channel: Channel = Channel.WEB,
        source: str = "demo",
        merchant: str = "Nordic Home",
        customer: str = "Ada Lovelace",
        items: Sequence[LineItem] | None = None,
        total: str = "129.90",
    ) -> Order:
        """A complete order: items, customer, address, order events, shipments with carrier events."""
        if shipments is None:
            eta = DeliveryWindow(start=T0 + timedelta(days=4), end=T0 + timedelta(days=4, hours=10))
            shipments = (Build.shipment(eta=eta),)
        return Order(
            order_number=number,
            source=source,
            channel=channel,
            placed_at=placed_at,
            status=status,
            currency="EUR",
            total=Decimal(total),
            tax_total=Decimal("20.74"),
            items=tuple(items)
            if items is not None
            else (
                LineItem(sku="MUG-BLUE", name="Stoneware mug, blue", quantity=2, unit_price=Decimal("32.475")),
                LineItem(
                    sku="TEA-01", name="Green tea 100 g", quantity=1, unit_price=Decimal("64.95"), tax=Decimal("0.10")
                ),
            ),
            events=(
                OrderEvent(occurred_at=placed_at, status=OrderStatus.PLACED, description="Order placed"),
                OrderEvent(
                    occurred_at=placed_at + timedelta(hours=2), status=OrderStatus.CONFIRMED, description="Paid"
                ),
            ),
            shipments=tuple(shipments),
            merchant=merchant,
            customer=Customer(name=customer, email="ada@example.org"),
            shipping_address=Address(
                name=customer, line1="12 Analytical St", city="Malmö", postal_code="211 22", country="SE"
            ),
            updated_at=placed_at + timedelta(days=1, microseconds=250),
        )


@pytest.fixture
def build() -> type[Build]:
    """The domain builders."""
    return Build


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the cache file goes (its folder does not exist yet)."""
    return tmp_path / "data" / "cache.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A freshly created, migrated store on a real file."""
    s = Store.open(db_path)
    yield s
    s.close()


def upsert(store: Store, orders: Sequence[Order], *, live: bool = True, source: str = "demo") -> ChangeSet:
    """Upsert orders in one transaction."""
    with store.transaction() as uow:
        return uow.upsert_orders(orders, source=source, received_at=RECEIVED, live=live)


def track(store: Store, shipment: Shipment, *, live: bool = True, source: str = "aftership") -> ChangeSet:
    """Upsert carrier data in one transaction."""
    with store.transaction() as uow:
        return uow.upsert_tracking(shipment, source=source, received_at=RECEIVED, live=live)


def count_rows(store: Store, table: str) -> int:
    """Count the rows of a table (test helper, straight SQL)."""
    with store._engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def ops() -> type[Ops]:
    """Write and count helpers."""
    return Ops


class Ops:
    """Helpers bound as a fixture (tests do not import conftest)."""

    upsert = staticmethod(upsert)
    track = staticmethod(track)
    count_rows = staticmethod(count_rows)
    RECEIVED = RECEIVED
