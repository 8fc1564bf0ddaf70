"""Helpers for the UI tests: walking control trees, letting the loop settle, realistic orders."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import flet as ft

from app.settings import Settings
from services.domain import (
    Channel,
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

T0 = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------- tree helpers


def find(control: Any, pred: Callable[[Any], bool]) -> list[Any]:
    """Depth-first search through a control tree (controls / content / title / ... children)."""
    out: list[Any] = []

    def walk(c: Any) -> None:
        if isinstance(c, ft.BaseControl):
            if pred(c):
                out.append(c)
            for name in (
                "controls",
                "content",
                "title",
                "subtitle",
                "leading",
                "trailing",
                "appbar",
                "navigation_bar",
                "actions",
                "destinations",
                "icon",
            ):
                v = getattr(c, name, None)
                for ch in v if isinstance(v, list) else [v]:
                    walk(ch)

    walk(control)
    return out


def page_root(page: ft.Page) -> list[Any]:
    """Return the page's views (what the shell shows)."""
    return list(page.views)


def texts(page_or_control: Any) -> list[str]:
    """Return every visible Text value under a page (all views) or a control."""
    roots = page_or_control.views if isinstance(page_or_control, ft.Page) else [page_or_control]
    out: list[str] = []
    for root in roots:
        out.extend(t.value for t in find(root, lambda c: isinstance(c, ft.Text) and _visible(c)))
    return out


def top_texts(page: ft.Page) -> list[str]:
    """Return the Text values of the top-most view only."""
    return texts(page.views[-1])


def _visible(c: Any) -> bool:
    node = c
    while node is not None:
        if getattr(node, "visible", True) is False:
            return False
        node = getattr(node, "parent", None)
    return True


def by_type(page: ft.Page, kind: type, pred: Callable[[Any], bool] = lambda c: True) -> list[Any]:
    """Find controls of ``kind`` in the top-most view."""
    return find(page.views[-1], lambda c: isinstance(c, kind) and pred(c))


def timeline_rows(page: ft.Page) -> list[list[str]]:
    """Return the texts of each timeline row (a Stack: dot + text column) of the top-most view."""
    return [texts(row) for row in by_type(page, ft.Stack)]


async def type_during_a_late_read(
    session: Any, field_: ft.TextField, first: str, then: str, monkeypatch: Any, owner: type, read: str
) -> None:
    """Type ``first``, then ``then`` while the read ``owner.read`` of ``first`` is held on its worker thread.

    The client patches the field before the server paints ``first``'s late result: that painting must not
    write the older text back over the newer key. Ends with ``then`` typed and its result painted.
    """
    reading, release = threading.Event(), threading.Event()
    real = getattr(owner, read)
    calls = 0

    def held_first_read(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            reading.set()
            assert release.wait(10), "the test never released the read"
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, read, held_first_read)
    field_.value = first
    typed = asyncio.create_task(session.dispatch_event(field_._i, "change", first))
    assert await asyncio.to_thread(reading.wait, 10), f"the search for {first} never read the cache"
    field_.value = then  # the next key lands in the client while ``first`` is being read
    release.set()
    await typed
    await settle()
    assert field_.value == then, f"the late result for {first!r} overwrote {then!r}"
    await session.dispatch_event(field_._i, "change", then)
    await settle()
    assert field_.value == then


async def settle(rounds: int = 6) -> None:
    """Let queued tasks (worker-thread reads, run_task calls, route events) finish."""
    for _ in range(rounds):
        await asyncio.sleep(0.02)


# ----------------------------------------------------------------------------- data


def tracking_event(
    t: datetime,
    status: ShipmentStatus,
    description: str,
    location: str | None,
    *,
    offset_known: bool = True,
    local_time: str | None = None,
) -> TrackingEvent:
    """A carrier event."""
    return TrackingEvent(
        occurred_at=t,
        status=status,
        description=description,
        location=location,
        offset_known=offset_known,
        local_time=local_time,
        raw_status=status.value,
    )


def make_order(i: int, *, day: int | None = None, prefix: str = "W-") -> Order:
    """A realistic order: placed, confirmed, one or two parcels with carrier events."""
    placed = T0 + timedelta(days=day if day is not None else i % 20, hours=i % 7)
    number = f"{prefix}{10000 + i}"
    ups = with_events(
        Shipment(
            tracking_number=f"1Z999AA1{i:010d}",
            carrier="ups",
            carrier_name="UPS",
            tracking_url=f"https://www.ups.com/track?tracknum=1Z999AA1{i:010d}",
            estimated_delivery=DeliveryWindow(placed + timedelta(days=4), placed + timedelta(days=4, hours=10)),
        ),
        (
            tracking_event(placed + timedelta(hours=5), ShipmentStatus.INFO_RECEIVED, "Label created", None),
            tracking_event(
                placed + timedelta(hours=30), ShipmentStatus.IN_TRANSIT, "Departed facility", "Louisville, KY, US"
            ),
        ),
    )
    shipments = [ups]
    if i % 3 == 0:
        shipments.append(
            with_events(
                Shipment(tracking_number=f"RM{i:09d}GB", carrier="royal-mail", carrier_name="Royal Mail"),
                (
                    tracking_event(
                        placed + timedelta(hours=20),
                        ShipmentStatus.IN_TRANSIT,
                        "Item received at sorting office",
                        "Birmingham, GB",
                        offset_known=False,
                        local_time=f"{(placed + timedelta(hours=20)):%Y-%m-%dT%H:%M:%S}",
                    ),
                ),
            )
        )
    return Order(
        order_number=number,
        source="demo",
        channel=[Channel.WEB, Channel.MOBILE_APP, Channel.MARKETPLACE][i % 3],
        placed_at=placed,
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=Decimal("129.90") + i,
        tax_total=Decimal("20.74"),
        items=(LineItem(sku=f"SKU-{i}", name="Trail running shoes", quantity=1, unit_price=Decimal("129.90") + i),),
        events=(
            OrderEvent(placed, OrderStatus.PLACED, "Order placed"),
            OrderEvent(placed + timedelta(minutes=10), OrderStatus.CONFIRMED, "Payment confirmed"),
            OrderEvent(placed + timedelta(hours=26), OrderStatus.SHIPPED, "Handed to the carrier"),
        ),
        shipments=tuple(shipments),
        merchant="Northwind Outdoor",
    )


def fill(store: Store, orders: list[Order], *, at: datetime = RECEIVED) -> None:
    """Write orders into the cache the way a sync does."""
    with store.transaction() as uow:
        uow.upsert_orders(orders, source="demo", received_at=at, live=False)


@dataclass
class FakeContainer:
    """What ``make_session_main`` reads from ``app.container.AppContainer``."""

    store: Store
    home: Path
    is_demo: bool = True
    settings: Settings = field(default_factory=Settings)
