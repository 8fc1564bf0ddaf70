"""The Order screen's shipment card: how the estimated delivery window changed, on a real session and cache."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import flet as ft
from flet.messaging.session import Session

from services.domain import DeliveryWindow, Order, ShipmentStatus, with_events
from services.storage import Store
from tests.unit.ui.support import (
    RECEIVED,
    UiApp,
    fill,
    make_order,
    settle,
    tracking_event,
)
from views import formatting as fmt


def _moved(order: Order, delta: timedelta) -> Order:
    ship = order.shipments[0]
    eta = ship.estimated_delivery
    assert eta is not None
    moved = DeliveryWindow(eta.start + delta, eta.end + delta)
    return replace(order, shipments=(replace(ship, estimated_delivery=moved), *order.shipments[1:]))


def _win(w: DeliveryWindow) -> str:
    return fmt.window(w.start, w.end, None)


async def test_a_moved_eta_says_how_it_moved_and_lists_the_changes(session: Session, store: Store, tmp_path: Path):
    """Expected … · moved later by 1 day (was …), and an expandable list with when each window was first seen."""
    first = make_order(1)
    later = _moved(first, timedelta(days=1))
    fill(store, [first])
    fill(store, [later], at=RECEIVED + timedelta(hours=3))
    fill(store, [later], at=RECEIVED + timedelta(hours=5))  # the same window again: no change
    old, new = first.shipments[0].estimated_delivery, later.shipments[0].estimated_delivery
    assert old is not None and new is not None

    app = await UiApp(session, store, tmp_path).start("/orders/W-10001")
    expected = (
        f"Expected {_win(new)} · moved later by 1 day (was {fmt.was_window(old.start, old.end, new.start, None)})"
    )
    assert any(t.startswith(expected) for t in app.texts()), app.texts()
    [toggle] = app.toggles()
    assert toggle.content == "ETA changes (2)"
    assert toggle.tooltip == f"Show how the delivery estimate of {first.shipments[0].tracking_number} changed"
    assert not any("first seen" in t for t in app.texts())

    await app.click(toggle)
    rows = [t for t in app.texts() if "first seen" in t]
    assert rows == [
        f"{_win(old)} · first estimate · first seen {fmt.moment(RECEIVED, None)}",
        f"{_win(new)} · moved later by 1 day · first seen {fmt.moment(RECEIVED + timedelta(hours=3), None)}",
    ]
    [toggle] = app.toggles()
    assert toggle.tooltip.startswith("Hide") and toggle.icon == ft.Icons.EXPAND_LESS
    await app.click(toggle)
    assert not any("first seen" in t for t in app.texts())


async def test_a_single_estimate_is_the_first_and_an_earlier_one_moved_earlier(
    session: Session, store: Store, tmp_path: Path
):
    """One window: "first estimate", no list; a window moved 5 h earlier says so."""
    two, three = make_order(2), make_order(3)
    fill(store, [two, three])
    earlier = _moved(three, -timedelta(hours=5))
    fill(store, [earlier], at=RECEIVED + timedelta(days=1))

    app = await UiApp(session, store, tmp_path).start("/orders/W-10002")
    eta = two.shipments[0].estimated_delivery
    assert eta is not None
    assert any(t.startswith(f"Expected {_win(eta)} · first estimate") for t in app.texts()), app.texts()
    assert app.toggles() == []

    app.page.route = "/orders/W-10003"
    await app.session.dispatch_event(app.page._i, "route_change", {"route": "/orders/W-10003"})
    await settle()
    assert any(" · moved earlier by 5 h (was " in t for t in app.texts()), app.texts()
    assert [b.content for b in app.toggles()] == ["ETA changes (2)"]


async def test_a_delivered_shipment_compares_the_delivery_with_the_last_estimate(
    session: Session, store: Store, tmp_path: Path
):
    """Delivered … · expected … (last estimate) · arrived late by …; the changes stay listed."""
    order = make_order(4)
    fill(store, [order])
    moved = _moved(order, timedelta(days=1))
    fill(store, [moved], at=RECEIVED + timedelta(hours=1))
    eta = moved.shipments[0].estimated_delivery
    assert eta is not None
    delivered_at = eta.end + timedelta(hours=2)
    ship = moved.shipments[0]
    done = with_events(
        ship, (*ship.events, tracking_event(delivered_at, ShipmentStatus.DELIVERED, "Delivered", "Malmö, SE"))
    )
    fill(store, [replace(moved, shipments=(done, *moved.shipments[1:]))], at=RECEIVED + timedelta(days=9))

    app = await UiApp(session, store, tmp_path).start("/orders/W-10004")
    text = f"Delivered {fmt.moment(delivered_at, None)} · expected {_win(eta)} (last estimate) · arrived late by 2 h"
    assert text in app.texts(), app.texts()
    assert [b.content for b in app.toggles()] == ["ETA changes (2)"]


def test_formatting_of_eta_moves_and_arrivals() -> None:
    """The pure texts behind the card."""
    base = RECEIVED.replace(hour=8)
    day = timedelta(days=1)
    assert fmt.span(timedelta(days=1)) == "1 day"
    assert fmt.span(timedelta(days=2, hours=3, minutes=10)) == "2 days 3 h"
    assert fmt.span(timedelta(hours=5, minutes=30)) == "5 h 30 min"
    assert fmt.span(timedelta(minutes=40)) == "40 min"
    assert fmt.eta_move(
        (base, base + timedelta(hours=4)), (base + day, base + day + timedelta(hours=4)), None, was=False
    ) == ("moved later by 1 day")
    assert fmt.eta_move(
        (base, base + timedelta(hours=12)), (base + timedelta(hours=2), base + timedelta(hours=6)), None, was=False
    ) == ("window narrowed")
    whole_day = (base.replace(hour=0), base.replace(hour=23, minute=59))
    nearly = (whole_day[0], whole_day[1] + timedelta(seconds=30))  # reads the same: "Fri 27 Nov"
    assert fmt.eta_move(whole_day, nearly, UTC) == "same day, estimate refined"
    assert fmt.arrival(base, base, base + timedelta(hours=4)) == "arrived on time"
    assert fmt.arrival(base - timedelta(hours=3), base, base + timedelta(hours=4)) == "arrived early by 3 h"
