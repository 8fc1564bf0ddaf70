"""The complete client on a real page session: Timeline, filters, order details, Settings, navigation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from typing import Any

import flet as ft
import pytest
from flet.messaging.session import Session

from app.admin import ContainerAdmin, check_source_url
from app.state import AppState, StoreGateway, attention_items
from services.credentials import source_token_key
from services.domain import (
    AttentionReason,
    ChangeSet,
    Channel,
    DeliveryWindow,
    Order,
    OrderFilter,
    OrderStatus,
    ShipmentStatus,
    SyncInfo,
    SyncPhase,
    SyncState,
)
from services.storage import Store
from services.sync import SyncReport
from tests.unit.ui.support import (
    NOW,
    FakeContainer,
    UiApp,
    by_type,
    fill,
    find,
    make_order,
    order,
    parcel,
    settle,
    texts,
)
from views.shell import AppShell
from views.widgets import TONE_COLORS, Tone, status_colors

H, D = timedelta(hours=1), timedelta(days=1)


def attention_orders() -> list[Order]:
    """One order per pinned reason, plus a healthy one and a delivered one."""
    return [
        order(
            "A-1",
            1 * D,
            parcel(
                "1ZEXC",
                (20 * H, ShipmentStatus.IN_TRANSIT, "Departed"),
                (2 * H, ShipmentStatus.EXCEPTION, "Address problem"),
            ),
        ),
        order(
            "A-2",
            10 * D,
            parcel(
                "1ZLATE",
                (8 * D, ShipmentStatus.IN_TRANSIT, "Arrived at hub"),
                (1 * D, ShipmentStatus.IN_TRANSIT, "Departed hub"),
                eta=DeliveryWindow(NOW - 3 * D, NOW - 2 * D),
            ),
        ),
        order(
            "A-3",
            6 * D,
            parcel(
                "1ZSTALE",
                (4 * D, ShipmentStatus.IN_TRANSIT, "Departed facility"),
                eta=DeliveryWindow(NOW + 2 * D, NOW + 3 * D),
            ),
        ),
        order("A-4", 2 * D, parcel("1ZPICK", (3 * H, ShipmentStatus.AVAILABLE_FOR_PICKUP, "Ready at the shop"))),
        order(
            "A-5",
            3 * H,
            parcel(
                "1ZOK", (1 * H, ShipmentStatus.IN_TRANSIT, "Arrival scan"), eta=DeliveryWindow(NOW + D, NOW + D + 8 * H)
            ),
        ),
        order(
            "A-6",
            5 * D,
            parcel(
                "1ZDONE",
                (30 * H, ShipmentStatus.DELIVERED, "Delivered to the front door"),
                eta=DeliveryWindow(NOW - 3 * D, NOW - 2 * D),
            ),
            status=OrderStatus.DELIVERED,
        ),
    ]


class Client(UiApp):
    """The UI harness with the shell built over an AppState with a fixed clock and Settings' real admin actions."""

    def __init__(self, session: Session, store: Store, *, sync: SyncInfo | None = None) -> None:
        super().__init__(session, store, store.path.parent)
        self.container = FakeContainer(store, now=NOW)
        self.sync_requests = 0
        self.state = AppState(
            StoreGateway(store),
            sync=sync
            or SyncInfo(phase=SyncPhase.UP_TO_DATE, last_synced_at=NOW - 5 * timedelta(minutes=1), is_demo=True),
            admin=ContainerAdmin(self.container),
            clock=lambda: NOW,
            tz=UTC,
            request_sync=self._request,
            data_location="/data/ordertrack",
        )

    def _request(self) -> None:
        self.sync_requests += 1

    async def start(self, route: str = "/", *, rounds: int = 10) -> Client:
        """Show ``route`` and let everything settle."""
        self.page.route = route
        await self.state.orders.load()
        self.shell = AppShell(self.page, self.state)
        await self.shell.start()
        self.session.get_page_patch()
        await settle(rounds)
        return self


def tile_titles(page: ft.Page) -> list[str]:
    """Return the titles of the clickable ListTiles of the top-most view."""
    return [t.title.value for t in by_type(page, ft.ListTile, lambda t: t.on_click is not None)]


# ----------------------------------------------------------------------------- timeline


def test_attention_rules_pin_problems_pickups_passed_etas_and_silent_parcels():
    """Each reason is found once; healthy, delivered and long-past problems are not pinned."""
    items = attention_items(attention_orders(), NOW)
    assert [(i.order_number, i.reason) for i in items] == [
        ("A-1", AttentionReason.EXCEPTION),
        ("A-4", AttentionReason.AVAILABLE_FOR_PICKUP),
        ("A-2", AttentionReason.DELAYED),
        ("A-3", AttentionReason.STALE),
    ]
    assert items[0].detail == "Address problem" and items[0].carrier == "ups"
    assert items[2].since == NOW - 2 * D  # the end of the passed window
    old = order("OLD", 90 * D, parcel("1ZOLD", (80 * D, ShipmentStatus.EXCEPTION, "Lost")))
    assert attention_items([old], NOW) == []
    flagged = order(
        "ACT", 2 * D, replace(parcel("1ZACT", (1 * D, ShipmentStatus.IN_TRANSIT, "Customs")), action_required=True)
    )
    assert [i.reason for i in attention_items([flagged], NOW)] == [AttentionReason.ACTION_REQUIRED]


async def test_timeline_pins_attention_groups_days_and_opens_orders(session: Session, store: Store):
    """Home shows "Needs attention" on top, then Today / Yesterday / dated groups; a tap opens the order."""
    fill(store, attention_orders())
    app = await Client(session, store).start("/")
    texts = app.texts()
    assert "Timeline" in texts
    assert "Needs attention (4)" in texts
    titles = tile_titles(app.page)
    assert titles[:4] == [
        "Delivery problem",
        "Ready for pickup",
        "Delayed — ETA passed",
        "No carrier update for 3+ days",
    ]
    assert titles[4] == "Arrival scan"  # the newest event right after the pinned items
    for heading in ("Today", "Yesterday", "Sun 22 Nov 2026"):
        assert heading in texts, heading
    assert texts.index("Today") < texts.index("Yesterday") < texts.index("Sun 22 Nov 2026")
    assert any("Address problem · 2 h ago" in t for t in texts)
    assert any("expected by 25 Nov, 12:00" in t for t in texts)
    pinned = by_type(app.page, ft.ListTile, lambda t: t.title.value == "Delivery problem")[0]
    await app.click(pinned)
    assert app.page.route == "/orders/A-1"
    assert "Order A-1" in app.texts()
    await app.click(app.labelled(ft.IconButton, "Back")[0])
    assert app.page.route == "/timeline"  # back where the user came from
    assert not app.crashed()


async def test_timeline_pages_older_events_and_shows_designed_states(session: Session, store: Store):
    """Many orders load a page at a time ("Show older events"); an empty cache explains itself."""
    app = await Client(session, store, sync=SyncInfo(phase=SyncPhase.NEVER, is_demo=True)).start("/timeline")
    assert "Fetching your orders…" in app.texts()
    fill(store, [make_order(i) for i in range(120)])
    await app.state.orders.load()
    await app.state.feed.load_feed()
    await settle()
    before = len(app.state.feed.feed)
    assert app.state.feed.feed_has_more
    more = app.labelled(ft.TextButton, "Show older events")
    assert more
    await app.click(more[0])
    assert len(app.state.feed.feed) > before
    assert not app.crashed()


# ----------------------------------------------------------------------------- orders


@pytest.fixture
def orders120(store: Store) -> Store:
    """A cache with 120 orders W-10000..W-10119 (channels web / mobile app / marketplace in turn)."""
    fill(store, [make_order(i) for i in range(120)])
    return store


async def test_filters_narrow_the_list_with_counts_and_clear(session: Session, orders120: Store):
    """Status, channel, carrier and "needs attention" filters combine; counts follow; one tap clears them."""
    app = await Client(session, orders120).start("/orders")
    assert "120 orders" in app.texts()
    await app.pick("Channel", "Mobile app")
    assert "40 orders" in app.texts()
    assert app.state.orders.filters.channel is Channel.MOBILE_APP
    await app.pick("Status", "Shipped")
    assert "40 orders" in app.texts()
    await app.pick("Channel", "Web")
    await app.pick("Carrier", "Royal Mail")
    assert "40 orders" in app.texts()  # every third order is on the web and has a Royal Mail parcel
    await app.pick("Status", "Delivered")
    assert "No matching orders" in app.texts()
    assert any("with these filters" in t for t in app.texts())
    await app.click(app.labelled(ft.TextButton, "Clear filters")[0])
    assert "120 orders" in app.texts()
    chip = by_type(app.page, ft.Chip)[0]
    chip.selected = True
    await app.session.dispatch_event(chip._i, "select", True)
    await settle(10)
    assert app.state.orders.filters.needs_attention
    assert "No matching orders" in app.texts()
    assert not app.crashed()


async def test_sort_oldest_first_and_source_filter(session: Session, orders120: Store):
    """ "Oldest first" reverses the list; the source filter offers the cache's sources."""
    app = await Client(session, orders120).start("/orders")
    newest = tile_titles(app.page)[0]
    await app.pick("Sort", "Oldest first")
    assert tile_titles(app.page)[0] == "W-10000"
    assert tile_titles(app.page)[0] != newest
    await app.pick("Source", "demo")
    assert "120 orders" in app.texts()
    assert "ups" in app.state.orders.carrier_choices and "royal-mail" in app.state.orders.carrier_choices


# ----------------------------------------------------------------------------- order


async def test_order_shows_copy_button_eta_passed_freshness_and_both_times(
    session: Session, store: Store, monkeypatch: pytest.MonkeyPatch
):
    """A shipment has a copy button, the carrier link, "ETA passed" when late, and "updated … from demo"."""
    late = order(
        "A-2",
        10 * D,
        parcel(
            "1ZLATE", (1 * D, ShipmentStatus.IN_TRANSIT, "Departed hub"), eta=DeliveryWindow(NOW - 3 * D, NOW - 2 * D)
        ),
    )
    ev = replace(late.shipments[0].events[0], local_time="2026-11-26T07:00:00-05:00")
    late = replace(late, shipments=(replace(late.shipments[0], events=(ev,)),))
    fill(store, [late])
    with store.transaction() as uow:
        uow.set_sync_state(SyncState("demo", last_success_at=NOW - timedelta(minutes=5)))
    copied: list[str] = []

    async def fake_set(self: ft.Clipboard, value: str) -> None:
        copied.append(value)

    monkeypatch.setattr(ft.Clipboard, "set", fake_set)
    app = await Client(session, store).start("/orders/A-2")
    await app.state.orders.load_choices()
    await app.state.settings.load_sources()
    await settle()
    texts = app.texts()
    assert "Updated 5 min ago from demo" in texts
    assert any(t.endswith("· ETA passed") for t in texts), texts
    assert "Last carrier update 1 day ago" in texts
    assert "Carrier local: Thu 26 Nov, 07:00 (UTC−05:00)" in texts
    assert any(t.endswith("your time") for t in texts)
    assert app.labelled(ft.TextButton, "Track on UPS")[0].url.url.startswith("https://www.ups.com/")
    copy = app.labelled(ft.IconButton, "Copy tracking number")
    assert len(copy) == 1
    await app.click(copy[0])
    assert copied == ["1ZLATE"]
    snack = app.page._dialogs.controls[-1]
    assert isinstance(snack, ft.SnackBar) and snack.content.value == "Tracking number 1ZLATE copied"
    assert isinstance(app.shell.order_screen.clipboard, ft.Clipboard)  # kept on self (services are GC'd)
    assert not app.crashed()


# ----------------------------------------------------------------------------- settings


async def test_settings_lists_source_health_and_adds_a_source_with_a_hidden_token(session: Session, store: Store):
    """The demo source shows its health; "Add source" validates, keeps the token in the keyring only."""
    with store.transaction() as uow:
        uow.set_sync_state(SyncState("demo", last_success_at=NOW - timedelta(minutes=5)))
    app = await Client(session, store).start("/settings")
    texts = app.texts()
    assert "Demo data" in texts and "Healthy" in texts
    assert "Last sync 5 min ago (11:55)" in texts
    assert "/data/ordertrack" in texts
    await app.click(app.labelled(ft.FilledTonalButton, "Add source")[0])
    dialog = app.dialog()
    fields = {f.label: f for f in find(dialog, lambda c: isinstance(c, ft.TextField))}
    assert fields["Token"].password is True and fields["Token"].can_reveal_password is False
    fields["Name"].value, fields["Backend URL"].value, fields["Token"].value = "shop", "ftp://x", "s3cret"
    add = [b for b in find(dialog, lambda c: isinstance(c, ft.FilledButton)) if b.content == "Add source"][0]
    await app.click(add)
    assert any(t.startswith("Enter the full address") for t in texts_of(dialog))
    fields["Backend URL"].value, fields["Token"].value = "http://127.0.0.1:9/", "s3cret"
    await app.click(add)
    assert fields["Token"].value == ""  # never kept in the UI
    assert app.container.credentials.get(source_token_key("shop")) == "s3cret"
    assert [s.name for s in store.sources.list()] == ["shop"]
    assert "s3cret" not in " ".join(str(t) for t in texts_of(app.page))
    assert app.sync_requests == 1
    assert not app.state.status.sync.is_demo
    texts = app.texts()
    assert "shop" in texts and "Never synced" in texts
    assert "ordertrack · http://127.0.0.1:9" in texts
    assert not app.crashed()


async def test_test_connection_shows_progress_then_the_result_and_remove_asks_first(session: Session, store: Store):
    """ "Test connection" syncs that one source off the loop; "Remove" confirms, then forgets source and token."""
    app = await Client(session, store).start("/settings")
    await app.state.settings.add_source("shop", "http://127.0.0.1:9", "tok")
    await settle()
    app.container.sync_result = [SyncReport("shop", ChangeSet(new_orders=("X-1", "X-2")), orders_seen=12)]
    test = [b for b in app.labelled(ft.OutlinedButton, "Test connection")][0]
    await app.click(test)
    assert app.container.synced == ["shop"]
    assert "Connected. 12 orders checked, 2 new." in app.texts()
    app.container.sync_result = [SyncReport("shop", error="connection refused", orders_seen=12)]
    await app.click(app.labelled(ft.OutlinedButton, "Test connection")[0])
    assert "Could not sync: connection refused" in app.texts()
    await app.click(app.labelled(ft.TextButton, "Remove")[0])
    dialog = app.dialog()
    assert dialog.title.value == "Remove source?"
    confirm = [b for b in find(dialog, lambda c: isinstance(c, ft.FilledButton)) if b.content == "Remove"][0]
    await app.click(confirm)
    assert store.sources.list() == []
    assert app.container.credentials.get(source_token_key("shop")) is None
    assert app.state.status.sync.is_demo
    assert not app.crashed()


async def test_verify_database_and_clear_cache_with_confirmation(session: Session, store: Store):
    """Verify reports in plain words; "Clear cache" asks first, then deletes the cached orders and syncs."""
    fill(store, [make_order(i) for i in range(5)])
    with store.transaction() as uow:
        uow.set_sync_state(SyncState("demo", cursor="c-42", etag="e-1", last_success_at=NOW))
    app = await Client(session, store).start("/settings")
    await app.click(app.labelled(ft.OutlinedButton, "Verify database")[0])
    assert any(t.startswith("The database is healthy: no damage found") for t in app.texts())
    await app.click(app.labelled(ft.OutlinedButton, "Clear cache")[0])
    dialog = app.dialog()
    assert dialog.title.value == "Clear the cache?"
    assert store.sync_state.get("demo").cursor == "c-42"  # nothing happens before confirming
    assert store.orders.count(OrderFilter()) == 5
    confirm = [b for b in find(dialog, lambda c: isinstance(c, ft.FilledButton)) if b.content == "Clear cache"][0]
    await app.click(confirm)
    state = store.sync_state.get("demo")
    assert state.cursor is None and state.etag is None and state.last_success_at == NOW
    assert store.orders.count(OrderFilter()) == 0
    assert app.state.orders.total == 0 and app.state.orders.summaries == []
    assert app.dialog().content.value == "Cache cleared: 5 orders removed. Downloading your orders again…"
    assert app.sync_requests == 1
    assert not app.crashed()


def test_source_urls_are_checked_in_plain_words():
    """Only full http(s) addresses; plain http only on this computer; no credentials in the URL."""
    assert check_source_url(" https://orders.example.com/ ") == "https://orders.example.com"
    assert check_source_url("http://localhost:8080") == "http://localhost:8080"
    for bad in ("orders.example.com", "http://orders.example.com", "https://u:p@x.com", "https://x.com/?t=1"):
        with pytest.raises(ValueError):
            check_source_url(bad)


# ----------------------------------------------------------------------------- shell


async def test_routes_navigation_and_offline_banner(session: Session, orders120: Store):
    """/orders, /settings and /timeline deep-link; browser back (a route change) works; offline shows a banner."""
    failing = SyncInfo(phase=SyncPhase.FAILING, last_synced_at=NOW - D, error="connection refused", is_demo=False)
    app = await Client(session, orders120, sync=failing).start("/settings")
    assert app.page.views[0].appbar.title.value == "Settings"
    texts = app.texts()
    assert any(t.startswith("Offline — showing cached data from") for t in texts)
    assert "connection refused" in texts
    banner = app.shell._sync_slot.content
    assert isinstance(banner, ft.Container) and banner.bgcolor == status_colors("failed_attempt", False)[0]
    for route, title in (("/orders", "Orders"), ("/timeline", "Timeline"), ("/settings", "Settings")):
        app.page.route = route
        await app.session.dispatch_event(app.page._i, "route_change", {"route": route})
        await settle()
        assert app.page.views[0].appbar.title.value == title
    rail = find(app.page.views[0], lambda c: isinstance(c, ft.NavigationRail))[0]
    assert [d.label for d in rail.destinations] == ["Timeline", "Orders", "History", "Notifications", "Settings"]
    app.page.width = 390
    await app.session.dispatch_event(app.page._i, "resize", {"width": 390, "height": 844})
    await settle()
    bar = app.page.views[0].navigation_bar
    assert [d.label for d in bar.destinations] == ["Timeline", "Orders", "History", "Notifications", "Settings"]
    bar.selected_index = 1
    await app.session.dispatch_event(bar._i, "change", "1")
    await settle()
    assert app.page.route == "/orders"
    assert app.labelled(ft.TextButton, "Filters")  # filters fold away on phones
    assert not app.crashed()


def test_every_interactive_control_is_labelled():
    """Icon buttons carry a tooltip and an icon label; the sync and attention colours reach AA."""
    from views import widgets

    button = widgets.icon_button(ft.Icons.SYNC, "Sync now", None)
    assert button.tooltip == "Sync now" and button.icon.semantics_label == "Sync now"
    for dark in (False, True):
        for tone in Tone:
            bg, fg = (TONE_COLORS[tone][2], TONE_COLORS[tone][3]) if dark else TONE_COLORS[tone][:2]
            assert contrast(bg, fg) >= 4.5


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two #RRGGBB colours."""

    def lum(c: str) -> float:
        rgb = [int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def texts_of(control: Any) -> list[str]:
    """Return every Text value under a control (dialogs live outside the views)."""
    return texts(control)


async def test_a_long_timeline_folds_its_middle_until_asked(session: Session, store: Store):
    """200 scans open fast: the first and latest events show, "Show N more events" unfolds the rest."""
    scans = [
        (timedelta(minutes=10 * (200 - k)), ShipmentStatus.IN_TRANSIT, f"Sorting scan {k + 1}") for k in range(200)
    ]
    fill(store, [order("BIG-1", 3 * D, parcel("1ZBIG", *scans))])
    app = await Client(session, store).start("/orders/BIG-1")
    texts = app.texts()
    assert "Timeline (201 events)" in texts
    assert "Sorting scan 1" in texts and "Sorting scan 200" in texts
    assert "Sorting scan 100" not in texts
    unfold = app.labelled(ft.TextButton, "Show 171 more events")
    assert unfold
    await app.click(unfold[0])
    assert "Sorting scan 100" in app.texts()
    assert not app.labelled(ft.TextButton, "Show 171 more events")
    assert not app.crashed()


# ----------------------------------------------------------------------------- History delay


async def test_history_delay_in_settings_moves_finished_orders_out_of_the_orders_list(session: Session, store: Store):
    """Settings shows the encryption state and the History delay; a shorter delay moves orders at once."""
    fill(
        store,
        [
            order("D-1", 40 * D, status=OrderStatus.DELIVERED),
            order("D-2", 5 * D, status=OrderStatus.DELIVERED),
            order("S-1", 2 * D),
        ],
    )
    app = await Client(session, store).start("/orders")
    assert "3 orders" in app.texts()
    await app.state.orders.load_choices()
    await app.state.settings.load_sources()  # what a finished sync pass does
    app.page.route = "/settings"
    await app.session.dispatch_event(app.page._i, "route_change", {"route": "/settings"})
    await settle(10)
    texts = app.texts()
    assert "Not encrypted" in texts  # this test cache is a plain SQLite file
    assert "Move to History after: 30 days" in texts
    assert any(t.startswith("Delivered, cancelled and returned orders leave the Orders list") for t in texts)
    await app.pick("Move to History after", "14 days")
    assert app.container.settings.history_after_days == 14
    snack = app.dialog()
    assert isinstance(snack, ft.SnackBar)
    assert snack.content.value == "Finished orders now move to History after 14 days. Moved 1 order now."
    assert "Move to History after: 14 days" in app.texts()
    assert [o.order_number for o in store.orders.list_orders(OrderFilter(archived=True))] == ["D-1"]
    await app.state.orders.reload()
    assert app.state.orders.total == 2 and app.state.orders.history_matches == 1
    assert {s.order_number for s in app.state.orders.summaries} == {"D-2", "S-1"}
    assert not app.crashed()


async def test_a_history_delay_set_elsewhere_is_offered_too(session: Session, store: Store):
    """A delay chosen with the CLI (not one of the menu's) is shown and selectable."""
    app = Client(session, store)
    app.container.settings.history_after_days = 45
    await app.start("/settings")
    await app.state.settings.load_data_settings()
    await settle(10)
    assert "Move to History after: 45 days" in app.texts()
    menu = by_type(app.page, ft.PopupMenuButton, lambda m: any(i.content == "45 days" for i in m.items))
    assert menu and [i.content for i in menu[0].items if i.checked] == ["45 days"]

