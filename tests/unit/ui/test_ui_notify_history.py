"""Notifications and History on a real page session over a real cache (alert log rows, archived orders)."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from flet.messaging.session import Session

from app.state import StoreArchive
from services.domain import OrderStatus
from services.storage import NotifyRepository, Store
from services.storage.archive import move_to_history
from services.storage.notify_repo import AlertDraft
from tests.unit.ui.support import (
    UiApp,
    by_type,
    fill,
    find,
    make_order,
    settle,
    type_during_a_late_read,
)
from views import formatting as fmt

ARCHIVED_AT = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
RAISED = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)


def draft(
    key: str, number: str, title: str, deliveries: tuple[tuple[str, str, str, datetime | None], ...]
) -> AlertDraft:
    """An alert as the dispatcher claims it."""
    return AlertDraft(
        alert_key=key,
        order_number=number,
        tracking_number=None,
        milestone="delivered",
        rule="delivered",
        trigger="carrier:delivered",
        event_at=RAISED,
        title=title,
        body=f"{title} — order {number}",
        link=None,
        deliveries=deliveries,
    )


@pytest.fixture
def alerts_store(store: Store) -> Store:
    """Orders plus three log rows: an unread in-app alert, an e-mail alert, a suppressed alert."""
    fill(store, [make_order(i) for i in range(1, 4)])
    repo = NotifyRepository(store)
    repo.claim(
        [
            draft(
                "k1",
                "W-10001",
                "Delivered",
                (("in_app", "sent", "rule delivered fired on event carrier:delivered", None),),
            )
        ],
        RAISED,
    )
    repo.claim(
        [draft("k2", "W-10002", "Out for delivery", (("email", "sent", "rule out fired on event scan", None),))],
        RAISED + timedelta(minutes=5),
    )
    repo.claim(
        [draft("k3", "W-10003", "Shipped", (("-", "suppressed", "suppressed: order muted (shipped)", None),))],
        RAISED + timedelta(minutes=10),
    )
    return store


@pytest.fixture
def history_store(store: Store) -> Store:
    """Three finished orders moved to History and two live ones."""
    finished = [replace(make_order(i), status=OrderStatus.DELIVERED) for i in (11, 12)]
    finished.append(replace(make_order(13, prefix="R-"), status=OrderStatus.RETURNED))
    fill(store, finished)
    assert move_to_history(store, after_days=0, now=ARCHIVED_AT) == 3
    fill(store, [make_order(i) for i in (21, 22)])
    return store


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture what reaches ``FilePicker.save_file`` (the client round trip is not available here)."""
    calls: list[dict[str, Any]] = []

    async def fake_save_file(self: ft.FilePicker, **kw: Any) -> str | None:
        calls.append(kw)
        return None  # what the web client answers: it started a browser download

    monkeypatch.setattr(ft.FilePicker, "save_file", fake_save_file)
    return calls


# --------------------------------------------------------------------------- Notifications


async def test_notifications_log_newest_first_with_reasons_unread_marker_and_badge(
    session: Session, alerts_store: Store, tmp_path: Path
):
    app = await UiApp(session, alerts_store, tmp_path).start("/notifications")
    assert app.page.views[0].appbar.title.value == "Notifications"
    tiles = app.tiles()
    assert [t.key for t in tiles] == ["alert:3", "alert:2", "alert:1"]  # newest first
    texts = app.texts()
    assert "Delivered · Unread" in texts  # the unread in-app alert is marked
    assert "Out for delivery" in texts and "Shipped" in texts
    assert "rule delivered fired on event carrier:delivered" in texts
    assert "suppressed: order muted (shipped)" in texts
    assert any(t.startswith("W-10003 · ") and t.endswith(" · No channel") for t in texts)
    assert any(t.startswith("W-10002 · ") and t.endswith(" · E-mail") for t in texts)
    assert any(t.startswith("W-10001 · ") and t.endswith(" · In-app") for t in texts)
    assert {"Sent", "Suppressed"} <= set(texts)
    assert "3 alerts · 1 unread" in texts
    assert app.badge() == "1"

    await app.click(app.button("Mark all as read"))
    assert NotifyRepository(alerts_store).unread_count() == 0
    assert "Delivered" in app.texts() and "Delivered · Unread" not in app.texts()
    assert app.badge() is None
    assert app.button("Mark all as read").disabled


async def test_tapping_an_alert_opens_its_order_and_back_returns(session: Session, alerts_store: Store, tmp_path: Path):
    app = await UiApp(session, alerts_store, tmp_path).start("/notifications")
    tile = next(t for t in app.tiles() if t.key == "alert:1")
    await app.click(tile)
    await settle()
    assert app.page.route == "/orders/W-10001"
    assert app.page.views[-1].appbar.title.value == "Order W-10001"
    assert NotifyRepository(alerts_store).unread_count() == 0  # opening an alert reads it
    back = app.page.views[-1].appbar.leading
    await app.click(back)
    await settle()
    assert app.page.route == "/notifications"
    assert app.page.views[0].appbar.title.value == "Notifications"


async def test_notifications_empty_state_and_badge_on_the_phone_bar(session: Session, store: Store, tmp_path: Path):
    app = await UiApp(session, store, tmp_path).start("/timeline")
    app.page.width = 390
    await app.session.dispatch_event(app.page._i, "resize", {"width": 390, "height": 844})
    await settle()
    bar = app.page.views[0].navigation_bar
    assert isinstance(bar, ft.NavigationBar)
    assert [d.label for d in bar.destinations] == ["Timeline", "Orders", "History", "Notifications", "Settings"]
    bar.selected_index = 3
    await app.session.dispatch_event(bar._i, "change", "3")
    await settle()
    assert app.page.route == "/notifications"
    assert "No notifications yet" in app.texts()
    assert app.badge() is None
    assert app.button("Mark all as read").disabled  # nothing to mark


# --------------------------------------------------------------------------- History


async def test_history_lists_archived_orders_only_and_searches_by_number(
    session: Session, history_store: Store, tmp_path: Path
):
    app = await UiApp(session, history_store, tmp_path).start("/orders")
    rail = app.nav()
    assert [d.label for d in rail.destinations] == ["Timeline", "Orders", "History", "Notifications", "Settings"]
    rail.selected_index = 2
    await app.session.dispatch_event(rail._i, "change", "2")
    await settle()
    assert app.page.route == "/history"
    assert [t.key for t in app.tiles()] == ["history:R-10013", "history:W-10012", "history:W-10011"]
    assert "3 orders in history" in app.texts()
    assert not any("W-10021" in t for t in app.texts())  # live orders stay out of History

    search = by_type(app.page, ft.TextField, lambda t: t.label == "Search history")[0]
    search.value = "r-"
    await app.session.dispatch_event(search._i, "change", "r-")
    await settle()
    assert [t.key for t in app.tiles()] == ["history:R-10013"]  # lower case forgiven
    search.value = "X-9"
    await app.session.dispatch_event(search._i, "change", "X-9")
    await settle()
    assert "No matching past orders" in app.texts()

    search.value = ""
    await app.session.dispatch_event(search._i, "change", "")
    await settle()
    await app.click(next(t for t in app.tiles() if t.key == "history:W-10011"))
    await settle()
    assert app.page.route == "/orders/W-10011"
    await app.click(app.page.views[-1].appbar.leading)
    await settle()
    assert app.page.route == "/history"


async def test_history_empty_state(session: Session, store: Store, tmp_path: Path):
    fill(store, [make_order(1)])  # live, not archived
    app = await UiApp(session, store, tmp_path).start("/history")
    assert app.page.views[0].appbar.title.value == "History"
    assert "No past orders yet" in app.texts()
    for text in ("Export PDF", "Export CSV", "Export JSON"):
        assert app.button(text).disabled


@pytest.mark.parametrize(
    ("label", "ext"),
    [("Export CSV", "csv"), ("Export PDF", "pdf"), ("Export JSON", "json")],
)
async def test_history_export_hands_the_file_to_the_file_picker(
    session: Session, history_store: Store, tmp_path: Path, saved: list[dict[str, Any]], label: str, ext: str
):
    app = await UiApp(session, history_store, tmp_path).start("/history")
    await app.click(app.button(label))
    await settle(10)
    assert len(saved) == 1, app.texts()
    call = saved[0]
    assert call["file_name"].startswith("order-history-") and call["file_name"].endswith(f".{ext}")
    data: bytes = call["src_bytes"]
    if ext == "csv":
        text = data.decode("utf-8-sig")
        assert text.startswith("order_number,placed_at,status,")
        numbers = {line.split(",")[0] for line in text.splitlines()[1:]}
        assert numbers == {"W-10011", "W-10012", "R-10013"}
    elif ext == "pdf":
        assert data.startswith(b"%PDF-")
    else:
        doc = json.loads(data)
        assert sorted(o["order_number"] for o in doc["orders"]) == ["R-10013", "W-10011", "W-10012"]
    assert f"Exported {call['file_name']}." in app.texts()


async def test_history_export_shows_progress_and_cancel_stops_it(
    session: Session, history_store: Store, tmp_path: Path, saved: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
):
    import services.export as export_mod
    from services.export import ExportCancelled, ExportProgress

    started = threading.Event()

    def slow_export(store: Any, flt: Any, fmt: str, path: Path, **kw: Any) -> Any:
        kw["progress"](ExportProgress("orders", 1, 3))
        started.set()
        cancel: threading.Event = kw["cancel"]
        if cancel.wait(5):
            raise ExportCancelled("cancelled")
        raise AssertionError("the export was not cancelled")

    monkeypatch.setattr(export_mod, "export_orders", slow_export)
    app = await UiApp(session, history_store, tmp_path).start("/history")
    click = asyncio.ensure_future(app.session.dispatch_event(app.button("Export PDF")._i, "click", None))
    for _ in range(100):
        if started.is_set():
            break
        await asyncio.sleep(0.02)
    await settle()
    texts = app.texts()
    assert "Exporting PDF… Reading orders 1 of 3" in texts
    bar = by_type(app.page, ft.ProgressBar, lambda b: b.semantics_label == "Export progress")[0]
    assert bar.parent.parent.visible and bar.value == pytest.approx(1 / 3)
    assert app.button("Export CSV").disabled
    await app.click(app.button("Cancel export"))
    await asyncio.wait_for(click, 5)
    await settle()
    assert "Export cancelled." in app.texts()
    assert not bar.parent.parent.visible
    assert not app.button("Export CSV").disabled
    assert saved == []


async def test_new_in_app_alert_while_open_shows_a_snack_bar(session: Session, alerts_store: Store, tmp_path: Path):
    """An alert raised by a background sync while the app is open pops a snack bar (not the ones already there)."""
    app = await UiApp(session, alerts_store, tmp_path).start("/timeline")
    assert not any(isinstance(d, ft.SnackBar) for d in app.page._dialogs.controls)  # existing alerts: badge only
    NotifyRepository(alerts_store).claim(
        [draft("k4", "W-10003", "Available for pickup", (("in_app", "sent", "rule pickup fired", None),))],
        RAISED + timedelta(minutes=20),
    )
    finisher = threading.Thread(target=app.hub.finished, args=([],))  # a background pass finished, as the sync
    finisher.start()  # loop does it: from its own thread
    finisher.join()
    for _ in range(100):
        await settle()
        if any(isinstance(d, ft.SnackBar) for d in app.page._dialogs.controls):
            break
    snacks = [d for d in app.page._dialogs.controls if isinstance(d, ft.SnackBar)]
    assert len(snacks) == 1 and snacks[0].open
    assert snacks[0].content.value == "1 new alert — see Notifications"
    assert snacks[0].action == "View"
    assert app.badge() == "2"


async def test_settings_edit_the_same_notification_preferences_as_the_cli(
    session: Session, alerts_store: Store, tmp_path: Path
):
    """Rules and quiet hours shown in Settings are read from and saved to the cache database."""
    from services.notify import load_prefs

    app = await UiApp(session, alerts_store, tmp_path).start("/settings")
    for _ in range(50):
        if by_type(app.page, ft.Switch, lambda c: c.label == "Delivered"):
            break
        await settle()
    [delivered] = by_type(app.page, ft.Switch, lambda c: c.label == "Delivered")
    [stale] = by_type(app.page, ft.Switch, lambda c: c.label == "No news")
    assert delivered.value is True and stale.value is False  # the merchant defaults
    assert "Problem / action required" in [s.label for s in by_type(app.page, ft.Switch)]
    delivered.value = False
    await app.session.dispatch_event(delivered._i, "change", "false")
    await settle()
    assert load_prefs(NotifyRepository(alerts_store)).rules["delivered"] is False

    [quiet] = by_type(app.page, ft.TextField, lambda c: str(c.label).startswith("Quiet hours"))
    quiet.value = "late evening"
    await app.click(app.button("Save quiet hours"))
    assert any("quiet_hours" in t and "HH:MM" in t for t in app.texts())  # the reason, in words
    assert load_prefs(NotifyRepository(alerts_store)).quiet_hours is None
    [quiet] = by_type(app.page, ft.TextField, lambda c: str(c.label).startswith("Quiet hours"))
    quiet.value = "22:00-07:00"
    await app.click(app.button("Save quiet hours"))
    saved = load_prefs(NotifyRepository(alerts_store)).quiet_hours
    assert saved is not None and f"{saved.start:%H:%M}-{saved.end:%H:%M}" == "22:00-07:00"


async def test_history_has_the_orders_filters_and_exports_what_they_show(
    session: Session, store: Store, tmp_path: Path, saved: list[dict[str, Any]]
):
    """Status, channel, carrier, dates and text search narrow History; the export follows the same filter."""
    finished = [replace(make_order(i, day=i), status=OrderStatus.DELIVERED) for i in range(30, 36)]
    finished.append(replace(make_order(36, day=6, prefix="R-"), status=OrderStatus.RETURNED))
    fill(store, finished)
    assert move_to_history(store, after_days=0, now=ARCHIVED_AT) == 7
    app = await UiApp(session, store, tmp_path).start("/history")
    assert "7 orders in history" in app.texts()
    assert not [b for b in by_type(app.page, ft.TextButton) if b.content == "Clear filters" and b.visible]

    await app.pick("Status", "Returned")
    assert [t.key for t in app.tiles()] == ["history:R-10036"]
    await app.pick("Status", "Any")
    await app.pick("Carrier", "Royal Mail")  # every third order has a Royal Mail parcel: 30, 33, 36
    assert {t.key for t in app.tiles()} == {"history:W-10030", "history:W-10033", "history:R-10036"}
    await app.pick("Channel", "Web")  # i % 3 == 0 is the web channel as well
    assert len(app.tiles()) == 3
    await app.pick("Channel", "Marketplace")
    assert "No matching past orders" in app.texts()
    await app.click(app.button("Clear filters"))
    assert "7 orders in history" in app.texts()

    first = make_order(31, day=31).placed_at
    await app.click(app.button("Filter History by date placed"))
    picker = [d for d in app.page._dialogs.controls if isinstance(d, ft.DateRangePicker)][0]
    picker.start_value, picker.end_value = first, first + timedelta(days=1)
    await app.session.dispatch_event(picker._i, "change", None)
    await settle()
    assert {t.key for t in app.tiles()} == {"history:W-10031", "history:W-10032"}
    assert fmt.date_range(first.date(), first.date() + timedelta(days=1)) in app.texts()
    await app.click(app.button("Export JSON"))
    await settle(10)
    doc = json.loads(saved[-1]["src_bytes"])
    assert sorted(o["order_number"] for o in doc["orders"]) == ["W-10031", "W-10032"]
    await app.click(app.button("Clear filters"))

    search = by_type(app.page, ft.TextField, lambda t: t.label == "Search history")[0]
    search.value = "1Z999AA10000000034"  # a tracking number finds its order
    await app.session.dispatch_event(search._i, "change", search.value)
    await settle()
    assert [t.key for t in app.tiles()] == ["history:W-10034"]
    search.value = "trail RUNNING"  # item titles, any case
    await app.session.dispatch_event(search._i, "change", search.value)
    await settle()
    assert len(app.tiles()) == 7


@pytest.mark.parametrize("width", [1280, 390])
async def test_no_screen_expands_a_child_inside_a_wrapping_row(
    session: Session, history_store: Store, tmp_path: Path, width: int
):
    """An expanding child of a wrapping Row is a layout error that the web build paints as a grey box."""
    session.page.width = width
    app = await UiApp(session, history_store, tmp_path).start("/timeline")
    rows = 0
    for route in ("/timeline", "/orders", "/orders/W-10021", "/history", "/notifications", "/settings"):
        app.page.route = route
        await app.session.dispatch_event(app.page._i, "route_change", {"route": route})
        await settle(10)
        for view in app.page.views:
            for row in find(view, lambda c: isinstance(c, ft.Row) and bool(c.wrap)):
                rows += 1
                bad = [c for c in row.controls if getattr(c, "expand", None)]
                assert not bad, f"{route}: a wrapping Row expands {[type(c).__name__ for c in bad]}"
    assert "Quiet hours (e.g. 22:00-07:00, or off)" in [
        t.label for t in by_type(app.page, ft.TextField)
    ], "the Settings form was not rendered"
    assert rows > 5


async def test_a_late_history_search_never_overwrites_what_was_typed_since(
    session: Session, history_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """History's search keeps a key typed while the previous search is still being read."""
    app = await UiApp(session, history_store, tmp_path).start("/history")
    search = by_type(app.page, ft.TextField, lambda t: t.label == "Search history")[0]
    await type_during_a_late_read(app.session, search, "W-1001", "W-10012", monkeypatch, StoreArchive, "history")
    assert [t.key for t in app.tiles()] == ["history:W-10012"]


async def test_orders_point_to_matching_orders_in_history(session: Session, history_store: Store, tmp_path: Path):
    """Orders lists live orders; matches in History get a link that opens History with the same search."""
    app = await UiApp(session, history_store, tmp_path).start("/orders")
    assert "2 orders" in app.texts()  # W-10021, W-10022 are live; three finished ones are in History
    link = app.button("Show the 3 matching finished orders in History")
    assert link.visible and link.content == "3 more in History"

    search = by_type(app.page, ft.TextField, lambda t: t.label == "Search orders")[0]
    search.value = "R-"
    await app.session.dispatch_event(search._i, "change", "R-")
    await settle()
    assert "In History" in app.texts()
    assert any(t.startswith("1 matching finished order is in History") for t in app.texts())
    await app.click(app.button("Show in History"))
    await settle()
    assert app.page.route == "/history"
    history_search = by_type(app.page, ft.TextField, lambda t: t.label == "Search history")[0]
    assert history_search.value == "R-"
    assert [t.key for t in app.tiles()] == ["history:R-10013"]


async def test_an_order_shows_the_alerts_sent_about_it_in_its_timeline(
    session: Session, alerts_store: Store, tmp_path: Path
):
    """Every alert handed to a channel is part of the order's record; suppressed ones are not."""
    repo = NotifyRepository(alerts_store)
    for rec in repo.list():
        if rec.status == "sent":  # handed to its channel (what the dispatcher records)
            repo.update(rec.id, status="sent", reason=rec.reason, alerted_at=RAISED + timedelta(seconds=2))
    app = await UiApp(session, alerts_store, tmp_path).start("/orders/W-10001")
    texts = app.texts()
    assert "Alert sent" in texts and "Delivered" in texts
    app.page.route = "/orders/W-10003"
    await app.session.dispatch_event(app.page._i, "route_change", {"route": "/orders/W-10003"})
    await settle()
    assert any(t.startswith("Order W-10003") for t in app.texts())
    assert "Alert sent" not in app.texts()  # its only alert was suppressed, never sent

    app.page.route = "/timeline"
    await app.session.dispatch_event(app.page._i, "route_change", {"route": "/timeline"})
    await settle()
    feed = [t for t in app.tiles() if isinstance(t.title, ft.Text) and t.title.value == "Delivered"]
    assert feed, "the alert sent is not in the Timeline feed"
    chips = find(feed[0].trailing, lambda c: isinstance(c, ft.Text) and c.value == "Alert sent")
    assert chips and feed[0].subtitle.value.startswith("W-10001")
    suppressed = [t for t in app.tiles() if isinstance(t.title, ft.Text) and t.title.value == "Shipped"]
    assert not [t for t in suppressed if find(t.trailing, lambda c: isinstance(c, ft.Text) and c.value == "Alert sent")]


async def test_settings_switches_survive_a_repaint_so_quick_toggles_are_not_lost(
    session: Session, store: Store, tmp_path: Path
):
    """Saving one switch repaints Settings; the other switches stay the same controls (their events still land)."""
    app = await UiApp(session, store, tmp_path).start("/settings")

    def switch(label: str) -> ft.Switch:
        found = by_type(app.page, ft.Switch, lambda s: s.label == label)
        assert len(found) == 1, f"{label}: {app.texts()}"
        return found[0]

    native_before = switch("Desktop notifications")
    field_before = by_type(app.page, ft.TextField, lambda t: t.label == "Quiet hours (e.g. 22:00-07:00, or off)")[0]
    field_before.value = "22:00-0"  # being typed when the repaint comes
    confirmed = switch("Order confirmed")
    confirmed.value = True
    await app.session.dispatch_event(confirmed._i, "change", True)
    await settle()
    assert switch("Desktop notifications") is native_before  # same control: a click in flight still lands
    assert field_before.value == "22:00-0"  # the repaint did not overwrite the typing
    native_before.value = False
    await app.session.dispatch_event(native_before._i, "change", False)
    await settle()
    prefs = NotifyRepository(store).prefs_json()
    assert prefs is not None and prefs["rules"]["confirmed"] is True and prefs["channels"]["native"] is False


async def test_history_filters_fold_behind_a_button_on_phones(session: Session, history_store: Store, tmp_path: Path):
    """At 390 px the History filters wait behind "Filters"; on a wide window they are always shown."""
    session.page.width = 390
    app = await UiApp(session, history_store, tmp_path).start("/history")
    toggle = app.button("Filters")
    assert toggle.visible
    menus = by_type(app.page, ft.PopupMenuButton)
    row = next(r for r in by_type(app.page, ft.Row) if any(m in r.controls for m in menus))
    assert row.visible is False
    await app.click(toggle)
    assert row.visible is True
    app.page.width = 1280
    await app.session.dispatch_event(app.page._i, "resize", {"width": 1280, "height": 800})
    await settle()
    assert row.visible is True and toggle.visible is False
