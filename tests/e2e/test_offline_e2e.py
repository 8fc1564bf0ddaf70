"""Offline in Chromium: a configured ``ordertrack`` source syncs once, then its server goes away.

The test runs its own demo backend (a real HTTP server on loopback), adds it as a source through the
CLI, starts the app on it, waits for the first sync, then stops the backend and asks for a sync: the
app must say it is offline (and since when its data is) while the cached orders stay browsable.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from services.demo import DemoServer
from tests.e2e.support import (
    DESKTOP,
    PHONE,
    Server,
    nav,
    open_app,
    shoot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SHOP_SEED = 11
"""The seed of this module's shop (tests/e2e/conftest.py)."""

COUNT = re.compile(r"^[\d,]+ orders?$")
OFFLINE = re.compile(r"^Offline — showing cached data from ")


def test_offline_banner_while_cached_data_stays_browsable(browser: Browser, shop_server: Server, shop: DemoServer):
    """After the source stops answering, every screen says "Offline"; lists and orders still open."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = open_app(context, shop_server.at("/orders"))
        expect(page.get_by_text(COUNT)).to_be_visible(timeout=45_000)  # the first sync filled the cache
        expect(page.get_by_text(re.compile(r"^Last synced \d")).first).to_be_visible(timeout=20_000)
        expect(page.get_by_text("Demo data", exact=True)).to_have_count(0)  # a real source, not the demo
        count = page.get_by_text(COUNT).text_content() or ""

        shop.stop()  # the merchant's server goes away
        page.get_by_role("button", name="Sync now").first.click()
        expect(page.get_by_text(OFFLINE).first).to_be_visible(timeout=30_000)
        expect(page.get_by_text(count, exact=True)).to_be_visible()  # nothing cached was dropped
        shoot(page, "desktop-11-offline-orders")

        page.get_by_role("button", name=re.compile(r"^[A-Z]+-\d+ ")).first.click()
        expect(page.get_by_role("heading", name=re.compile(r"^Order "))).to_be_visible(timeout=10_000)
        expect(page.get_by_text(OFFLINE).first).to_be_visible()
        expect(page.get_by_text("Timeline", exact=False).first).to_be_attached()
        shoot(page, "desktop-12-offline-order")
        page.get_by_role("button", name="Back").click()

        nav(page, "Timeline").click()
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^(Today|Yesterday|\w{3} \d+ \w{3} \d{4})$")).first).to_be_attached(
            timeout=10_000
        )
        expect(page.get_by_text(OFFLINE).first).to_be_visible()
        shoot(page, "desktop-13-offline-timeline")

        nav(page, "Settings").click()
        expect(page.get_by_role("group", name=re.compile(r"shop Failing .* Last error: "))).to_be_visible(
            timeout=10_000
        )
        shoot(page, "desktop-14-offline-settings")
    finally:
        context.close()

    context = browser.new_context(viewport=PHONE)
    try:
        page = open_app(context, shop_server.at("/"))
        expect(page.get_by_text(OFFLINE).first).to_be_visible(timeout=20_000)
        expect(page.get_by_role("tab", name=re.compile(r"^Timeline"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Needs attention \(\d+\)$|^Today$|^Yesterday$")).first).to_be_visible(
            timeout=10_000
        )
        shoot(page, "phone-11-offline-timeline")
        nav(page, "Orders").click()
        expect(page.get_by_text(COUNT)).to_be_visible(timeout=10_000)
        shoot(page, "phone-12-offline-orders")
    finally:
        context.close()
