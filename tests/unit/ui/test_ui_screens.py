"""The Orders and Order screens on a real page session, reading a real cache on a tmp file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from flet.messaging.session import Session

from app.settings import Settings
from app.state import AppState, OrdersState, StoreGateway
from services.domain import (
    ChangeSet,
    NewTrackingEvent,
    ShipmentStatus,
    StorageError,
    SyncInfo,
    unified_timeline,
    with_events,
)
from services.storage import Store
from tests.unit.ui.support import (
    T0,
    UiApp,
    by_type,
    fill,
    find,
    make_order,
    settle,
    sync_report,
    timeline_rows,
    top_texts,
    tracking_event,
    type_during_a_late_read,
)
from views.orders_view import TILE_EXTENT
from views.shell import AppShell


@pytest.fixture
def orders120(store: Store) -> Store:
    """A cache with 120 orders W-10000..W-10119."""
    fill(store, [make_order(i) for i in range(120)])
    return store


async def test_first_screen_lists_cached_orders_one_page_at_a_time(session: Session, orders120: Store, tmp_path: Path):
    """The list paints from the cache at once: count, demo badge, 50 tiles and "Load more"."""
    app = await UiApp(session, orders120, tmp_path).start()
    texts = app.texts()
    assert "120 orders" in texts
    assert "Demo data" in texts
    assert len(app.tiles()) == 50
    list_view = by_type(app.page, ft.ListView)[0]
    assert list_view.item_extent == TILE_EXTENT  # lazy: Flutter lays out only the visible rows
    await app.click(app.button("Load more"))
    assert len(app.tiles()) == 100
    await app.click(app.button("Load more"))
    assert len(app.tiles()) == 120
    assert not by_type(app.page, ft.TextButton, lambda b: b.content == "Load more")
    assert not app.crashed()


async def test_search_filters_by_order_number_prefix(session: Session, orders120: Store, tmp_path: Path):
    """Typing a prefix narrows list and count; lower case is forgiven; clearing restores everything."""
    app = await UiApp(session, orders120, tmp_path).start()
    await app.type_search("W-1001")
    assert "10 orders" in app.texts()  # W-10010..W-10019
    assert sorted(t.title.value for t in app.tiles()) == [f"W-{10010 + d}" for d in range(10)]
    await app.type_search("w-10011")
    assert "1 order" in app.texts()
    assert [t.title.value for t in app.tiles()] == ["W-10011"]
    await app.type_search("X-")
    assert "No matching orders" in app.texts()
    await app.type_search("")
    assert "120 orders" in app.texts()
    assert not app.crashed()


async def test_a_late_search_result_never_overwrites_what_was_typed_since(
    session: Session, orders120: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A key typed while the previous search is still being read stays in the field (no eaten keys).

    The client patches the field's value before the server finishes the earlier search; painting that
    earlier result must update the list, not write the older text back into the field.
    """
    app = await UiApp(session, orders120, tmp_path).start()
    await type_during_a_late_read(
        app.session, app.search_field(), "W-100", "W-1001", monkeypatch, OrdersState, "_read_list"
    )
    assert "10 orders" in app.texts()
    assert not app.crashed()


async def test_date_range_filters_and_clears(session: Session, orders120: Store, tmp_path: Path):
    """The date-range picker limits the list to orders placed on those (local) days; "Clear dates" undoes it."""
    app = await UiApp(session, orders120, tmp_path).start()
    await app.click(app.button("Date range"))
    picker = app.page._dialogs.controls[-1]
    assert isinstance(picker, ft.DateRangePicker) and picker.open
    first_day = (T0 + timedelta(days=3)).date()
    picker.start_value = datetime.combine(first_day, datetime.min.time())
    picker.end_value = datetime.combine(first_day + timedelta(days=1), datetime.min.time())
    await app.session.dispatch_event(picker._i, "change", None)
    await settle()
    expected = [o for o in (make_order(i) for i in range(120)) if o.placed_at.astimezone().date() in
                (first_day, first_day + timedelta(days=1))]
    assert f"{len(expected)} orders" in app.texts()
    assert any(t.startswith(f"{first_day.day} ") and "–" in t for t in app.texts())
    await app.click(app.button("Clear dates"))
    assert "120 orders" in app.texts()
    assert not app.crashed()


async def test_opening_an_order_shows_its_unified_timeline_in_order(
    session: Session, orders120: Store, tmp_path: Path
):
    """Clicking a row opens /orders/<n>: header, parcels and every event, oldest first, with notes."""
    app = await UiApp(session, orders120, tmp_path).start()
    await app.type_search("W-10003")
    await app.click(app.tiles()[0])
    assert app.page.route == "/orders/W-10003"
    assert app.session.connection.routes[-1] == "/orders/W-10003"  # the browser URL follows
    assert len(app.page.views) == 2
    texts = app.texts()
    assert "Order W-10003" in texts
    assert "Northwind Outdoor" in texts
    assert "Tracking number 1Z999AA10000000003" in texts
    assert "Tracking number RM000000003GB" in texts
    order = orders120.orders.get("W-10003")
    assert order is not None
    expected = [e.description for e in unified_timeline(order)]
    rows = timeline_rows(app.page)
    assert [row[2] for row in rows] == expected  # chronological: order and carrier events merged
    assert expected == [
        "Order placed",
        "Payment confirmed",
        "Label created",
        "Item received at sorting office",
        "Handed to the carrier",
        "Departed facility",
    ]
    assert "Carrier's local time (time zone not given)" in texts
    assert "Royal Mail · RM000000003GB" in texts
    assert by_type(app.page, ft.TextButton, lambda b: b.content == "Track on UPS")
    # back to the list, where the search is kept
    await app.click(app.button("Back"))
    assert app.page.route == "/orders"
    assert len(app.page.views) == 1
    assert "1 order" in app.texts()
    assert not app.crashed()


async def test_enter_opens_the_only_match(session: Session, orders120: Store, tmp_path: Path):
    """Pressing Enter in the search box opens the order when exactly one matches."""
    app = await UiApp(session, orders120, tmp_path).start()
    await app.type_search("W-10042")
    field_ = app.search_field()
    await app.session.dispatch_event(field_._i, "submit", "W-10042")
    await settle()
    assert app.page.route == "/orders/W-10042"
    assert "Order W-10042" in app.texts()


async def test_deep_link_opens_the_order_and_unknown_orders_say_so(
    session: Session, orders120: Store, tmp_path: Path
):
    """A /orders/<number> link opens straight on the order; a missing number gets a designed state."""
    app = await UiApp(session, orders120, tmp_path).start("/orders/W-10042")
    assert "Order W-10042" in app.texts()
    assert "Departed facility" in app.texts()
    app.page.route = "/orders/NOPE-1"
    await app.session.dispatch_event(app.page._i, "route_change", {"route": "/orders/NOPE-1"})
    await settle()
    assert "Order not found" in app.texts()
    await app.click(app.button("Back to orders"))
    assert app.page.route == "/timeline"  # a deep link goes back to the home screen
    assert not app.crashed()


async def test_background_sync_refreshes_the_open_list_and_status(session: Session, store: Store, tmp_path: Path):
    """A pass on the sync thread shows "Syncing…", then new orders and "Last synced" without a click."""
    fill(store, [make_order(i) for i in range(10)])
    app = await UiApp(session, store, tmp_path).start()
    assert "10 orders" in app.texts()
    app.from_thread(app.hub.started)
    await settle()
    assert "Syncing…" in app.texts()
    fill(store, [make_order(i) for i in range(10, 15)])
    changes = ChangeSet(new_orders=tuple(f"W-{10000 + i}" for i in range(10, 15)))
    app.from_thread(app.hub.finished, [sync_report(changes=changes)])
    await settle()
    texts = app.texts()
    assert "15 orders" in texts
    assert "Syncing…" not in texts
    assert any(t.startswith("Last synced ") for t in texts)
    assert not app.crashed()


async def test_background_change_refreshes_the_open_order(session: Session, store: Store, tmp_path: Path):
    """A new carrier event for the open order appears on its timeline when the sync brings it."""
    fill(store, [make_order(i) for i in range(5)])
    app = await UiApp(session, store, tmp_path).start("/orders/W-10001")
    assert "Out for delivery" not in app.texts()
    order = make_order(1)
    ups = order.shipments[0]
    new = tracking_event(
        order.placed_at + timedelta(days=3), ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery today", "Austin, TX, US"
    )
    with store.transaction() as uow:
        uow.upsert_tracking(with_events(ups, (*ups.events, new)), source="demo", received_at=T0, live=True)
    changes = ChangeSet(new_events=(NewTrackingEvent("W-10001", ups.tracking_number, "ups", new),))
    app.from_thread(app.hub.finished, [sync_report(changes=changes)])
    await settle()
    texts = app.texts()
    assert "Out for delivery today" in texts
    assert texts.index("Out for delivery today") > texts.index("Departed facility")
    assert not app.crashed()


async def test_empty_cache_shows_loading_then_a_designed_empty_state(session: Session, store: Store, tmp_path: Path):
    """Never a blank page: "Fetching your orders…" during the first sync, then "No orders yet"."""
    app = await UiApp(session, store, tmp_path).start()
    app.from_thread(app.hub.started)
    await settle()
    texts = app.texts()
    assert "Fetching your orders…" in texts
    assert "Syncing…" in texts
    assert by_type(app.page, ft.ProgressRing)
    app.from_thread(app.hub.finished, [sync_report()])
    await settle()
    assert "No orders yet" in app.texts()
    assert not app.crashed()


async def test_failing_sync_keeps_cached_data_and_says_offline(session: Session, orders120: Store, tmp_path: Path):
    """A failed pass keeps the list and explains: "Offline — showing cached data from …" plus the reason."""
    app = await UiApp(session, orders120, tmp_path).start()
    app.from_thread(app.hub.finished, [sync_report(finished_at=None)])
    app.from_thread(app.hub.finished, [sync_report(error="connection refused")])
    await settle()
    texts = app.texts()
    assert "120 orders" in texts
    assert any(t.startswith("Offline — showing cached data from ") for t in texts)
    assert "connection refused" in texts
    assert not app.crashed()


async def test_demo_badge_only_on_demo_data(session: Session, orders120: Store, tmp_path: Path):
    """Configured sources show no "Demo data" badge."""
    app = await UiApp(session, orders120, tmp_path, is_demo=False).start()
    assert "Demo data" not in app.texts()
    assert "120 orders" in app.texts()


async def test_navigation_rail_when_wide_bar_when_narrow_and_settings_work(
    session: Session, orders120: Store, tmp_path: Path
):
    """Wide windows get a NavigationRail, phones a NavigationBar; Settings switches the theme for real."""
    app = await UiApp(session, orders120, tmp_path).start()
    top = app.page.views[0]
    assert find(top, lambda c: isinstance(c, ft.NavigationRail))
    assert top.navigation_bar is None
    app.page.width = 390
    await app.session.dispatch_event(app.page._i, "resize", {"width": 390, "height": 844})
    await settle()
    assert isinstance(app.page.views[0].navigation_bar, ft.NavigationBar)
    assert not find(app.page.views[0], lambda c: isinstance(c, ft.NavigationRail))
    nav = app.page.views[0].navigation_bar
    nav.selected_index = 4
    await app.session.dispatch_event(nav._i, "change", "4")
    await settle()
    assert app.page.route == "/settings"
    assert str(tmp_path) in app.texts()
    theme = by_type(app.page, ft.SegmentedButton)[0]
    theme.selected = ["dark"]
    await app.session.dispatch_event(theme._i, "change", None)
    await settle()
    assert app.page.theme_mode == ft.ThemeMode.DARK
    assert app.container.settings.theme == "dark"
    assert Settings.load(tmp_path).theme == "dark"
    assert not app.crashed()


async def test_one_day_range_covers_the_whole_local_day(store: Store):
    """A one-day range runs from local midnight to the end of that local day."""
    today = datetime.now(UTC).astimezone().date()
    state = AppState(StoreGateway(store))
    await state.orders.set_dates(today, today)
    flt = state.orders.current_filter()
    assert flt.placed_from is not None and flt.placed_to is not None
    assert flt.placed_from.astimezone().date() == today
    assert flt.placed_to.astimezone().date() == today
    assert flt.placed_to - flt.placed_from > timedelta(hours=23)


class FlakyGateway(StoreGateway):
    """A cache that fails its first reads (a locked or corrupt file), then recovers."""

    def __init__(self, store: Store, failures: int) -> None:
        super().__init__(store)
        self.failures = failures

    def count(self, flt: Any) -> int:
        """Fail while failures remain, then count for real."""
        if self.failures > 0:
            self.failures -= 1
            raise StorageError("the local cache is locked by another program")
        return super().count(flt)


async def orders_over(session: Session, gateway: StoreGateway) -> AppState:
    """Show the Orders screen of a shell over ``gateway`` (its first read done before the first paint)."""
    state = AppState(gateway, sync=SyncInfo(is_demo=True))
    await state.orders.load()
    session.page.route = "/orders"
    await AppShell(session.page, state).start()
    session.get_page_patch()
    return state


async def test_unreadable_cache_shows_an_error_state_with_retry(session: Session, orders120: Store):
    """A failing cache read shows "Couldn't read your orders" and the reason; "Try again" recovers."""
    await orders_over(session, FlakyGateway(orders120, failures=1))
    texts = top_texts(session.page)
    assert "Couldn't read your orders" in texts
    assert "the local cache is locked by another program" in texts
    retry = by_type(session.page, ft.FilledButton)[0]
    await session.dispatch_event(retry._i, "click", None)
    await settle()
    assert "120 orders" in top_texts(session.page)


async def test_a_failed_reread_keeps_the_orders_shown_and_marks_them_stale(session: Session, orders120: Store):
    """Keep-last-good: a read error after a good read leaves the rows on screen with the reason and "Try again"."""
    gateway = FlakyGateway(orders120, failures=0)
    state = await orders_over(session, gateway)
    assert len(by_type(session.page, ft.ListTile, lambda t: t.on_click is not None)) == 50

    gateway.failures = 1
    await state.orders.reload()
    await settle()
    texts = top_texts(session.page)
    assert "Couldn't refresh your orders: the local cache is locked by another program" in texts
    assert "120 orders" in texts  # the last good count and rows stay
    assert len(by_type(session.page, ft.ListTile, lambda t: t.on_click is not None)) == 50
    assert len(state.orders.summaries) == 50

    retry = by_type(session.page, ft.TextButton, lambda b: b.content == "Try again")[0]
    await session.dispatch_event(retry._i, "click", None)
    await settle()
    assert not any(t.startswith("Couldn't refresh") for t in top_texts(session.page))
    assert state.orders.list_error is None
