"""Live updates and persistence in Chromium.

1. A carrier event posted to the merchant's backend (a demo server this test owns, added as an
   ``ordertrack`` source) reaches the open Order screen through the push stream, and its alert shows in
   Notifications, without a reload. Polling is set to an hour, so only push can deliver it in time.
2. Preferences changed in Settings (alert rules, channels, History delay, theme) are still there after
   the app process is stopped and started again on the same data folder.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, ViewportSize, expect

from services.demo import DemoServer
from tests.e2e.support import (
    DESKTOP,
    PHONE,
    Server,
    cli,
    nav,
    open_app,
    shoot,
    start_server,
    stop_server,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

COUNT = re.compile(r"^[\d,]+ orders?$")
WAIT = 30_000
SHOP_SEED = 23
"""The seed of this module's shop (tests/e2e/conftest.py)."""


def _moving_parcel(home: Path) -> tuple[str, str]:
    """Return (order number, tracking number) of a live order whose parcel is on its way."""
    orders = cli(home, "orders", "--live", "--format", "json")["orders"]
    for order in orders:
        for shipment in order["shipments"]:
            if shipment["status"] in ("in_transit", "info_received"):
                return order["order_number"], shipment["tracking_number"]
    raise AssertionError("the demo shop has no parcel on its way")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_posted_event_reaches_the_open_order_and_notifications_without_reload(
    browser: Browser, shop_server: Server, shop_home: Path, shop: DemoServer, viewport: ViewportSize
) -> None:
    ctx = browser.new_context(viewport=viewport)
    try:
        page = open_app(ctx, shop_server.at("/orders"))
        expect(page.get_by_text(COUNT)).to_be_visible(timeout=45_000)  # the first sync filled the cache
        number, tracking = _moving_parcel(shop_home)
        page.goto(shop_server.at(f"/orders/{number}"))
        page.locator("flt-semantics-placeholder").dispatch_event("click")
        # a card's texts merge into one group label (notes/flet.md §7, gotcha 4)
        card = page.get_by_role("group", name=re.compile(re.escape(f"Tracking number {tracking}")))
        expect(card).to_be_visible(timeout=WAIT)
        loads = page.evaluate("performance.getEntriesByType('navigation').length")
        name = "desktop" if viewport is DESKTOP else "phone"
        text = f"Out for delivery with courier {name}"
        shop.add_event(tracking, "out_for_delivery", text, "Testville, DE")

        expect(page.get_by_text(text)).to_be_visible(timeout=WAIT)  # on the open Order screen
        assert page.evaluate("performance.getEntriesByType('navigation').length") == loads  # no reload
        shoot(page, f"{name}-15-live-event")
        page.get_by_role("button", name="Back").click()
        expect(page.get_by_text(COUNT)).to_be_visible(timeout=WAIT)
        nav(page, "Notifications").click()
        alert = page.get_by_text(re.compile(re.escape(number)))
        expect(alert.first).to_be_visible(timeout=WAIT)
        expect(page.get_by_text(re.compile("out for delivery", re.IGNORECASE)).first).to_be_visible()
        assert page.evaluate("performance.getEntriesByType('navigation').length") == loads
        shoot(page, f"{name}-16-live-notification")
    finally:
        ctx.close()


def _dark(png: bytes) -> bool:
    """Tell whether the page background is dark (the top-left corner, below the status area)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return image.getpixel((5, 5)) < 80  # type: ignore[operator]


def _prefs(home: Path) -> dict[str, Any]:
    """Return the saved notification preferences (what `ordertrack prefs show` reads)."""
    prefs: dict[str, Any] = cli(home, "prefs", "show", "--format", "json")["preferences"]
    return prefs


def _wait_until(condition: Any, message: str, timeout: float = 15.0) -> None:
    """Wait until ``condition()`` holds (the canvas repaints a moment after the ARIA tree changes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def _open_settings(browser: Browser, server: Server) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport=DESKTOP)
    page = open_app(ctx, server.at("/settings"))
    expect(page.get_by_role("switch", name="Order confirmed")).to_be_visible(timeout=WAIT)
    return ctx, page


def test_settings_persist_after_a_restart(browser: Browser, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    server = start_server(home, home / "server.log", ORDERTRACK_SYNC_INTERVAL="3600")
    try:
        ctx, page = _open_settings(browser, server)
        confirmed = page.get_by_role("switch", name="Order confirmed")
        desktop = page.get_by_role("switch", name="Desktop notifications")
        expect(confirmed).not_to_be_checked()
        expect(desktop).to_be_checked()
        confirmed.click()
        expect(confirmed).to_be_checked(timeout=WAIT)
        _wait_until(lambda: _prefs(home)["rules"]["confirmed"] is True, "turning 'Order confirmed' on was lost")
        desktop.click()
        expect(desktop).not_to_be_checked(timeout=WAIT)
        _wait_until(lambda: _prefs(home)["channels"]["native"] is False, "switching desktop notifications off was lost")
        page.get_by_role("button", name=re.compile(r"Move to History after: 30 days$")).click()
        page.get_by_role("menuitemcheckbox", name="90 days", exact=True).click()
        expect(page.get_by_role("button", name=re.compile(r"Move to History after: 90 days$"))).to_be_visible(
            timeout=WAIT
        )
        page.get_by_role("button", name=re.compile("^Dark")).click()
        _wait_until(lambda: _dark(page.screenshot()), "the Dark theme did not apply")
        ctx.close()
    finally:
        assert stop_server(server.proc), "the app did not stop cleanly"

    prefs = _prefs(home)
    assert prefs["rules"]["confirmed"] is True and prefs["channels"]["native"] is False

    again = start_server(home, home / "server-2.log", ORDERTRACK_SYNC_INTERVAL="3600")
    try:
        ctx, page = _open_settings(browser, again)
        expect(page.get_by_role("switch", name="Order confirmed")).to_be_checked()
        expect(page.get_by_role("switch", name="Desktop notifications")).not_to_be_checked()
        expect(page.get_by_role("button", name=re.compile(r"Move to History after: 90 days$"))).to_be_visible()
        _wait_until(lambda: _dark(page.screenshot()), "the theme chosen before the restart was lost")
        shoot(page, "desktop-17-settings-after-restart")
        ctx.close()
    finally:
        stop_server(again.proc)
