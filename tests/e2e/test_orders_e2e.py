"""The app as a user meets it: `python -m app run --web` on a fresh data folder, driven in Chromium.

One server for the module (it starts the embedded demo server and syncs in the background); each
viewport (desktop 1280x800, phone 390x844) gets its own browser context. Screenshots of every screen
land in tests/e2e/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import (
    DESKTOP,
    PHONE,
    Server,
    cli,
    nav,
    open_app,
    pick,
    replace_text,
    shoot,
    stop_server,
)
from views.shell import order_route

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

COUNT = re.compile(r"^[\d,]+ orders?$")


@dataclass(frozen=True)
class Sample:
    """A real cached order to search for, and what the UI must show for it."""

    number: str
    prefix: str
    prefix_count: int
    descriptions: list[str]
    status: str
    channel: str
    status_channel_count: int


def _wait_for_orders(page: Any) -> None:
    """Wait until the first sync has filled the cache and the list shows a count."""
    expect(page.get_by_text(COUNT)).to_be_visible(timeout=45_000)


def _sample(home: Path) -> Sample:
    """Pick a cached order with carrier events, via the CLI (the stable contract)."""
    orders = cli(home, "orders", "--live", "--format", "json", "--limit", "40")["orders"]
    assert orders, "the first sync left the cache empty"

    def richness(o: dict[str, Any]) -> int:
        return len(o["events"]) + sum(len(s["events"]) for s in o["shipments"])

    best = max(orders, key=lambda o: (bool(o["shipments"]), richness(o)))
    number = best["order_number"]
    prefix = number[:-1]
    matching = cli(home, "orders", "--live", "--number", prefix, "--format", "json")["orders"]
    timeline = cli(home, "timeline", number, "--format", "json")["events"]
    both = cli(home, "orders", "--live", "--status", best["status"], "--channel", best["channel"], "--format", "json")
    return Sample(
        number=number,
        prefix=prefix,
        prefix_count=len(matching),
        descriptions=[e["description"] for e in timeline if e["description"]],
        status=best["status"],
        channel=best["channel"],
        status_channel_count=len(both["orders"]),
    )


def _in_order(text: str, start: str, parts: list[str]) -> bool:
    """Tell whether ``parts`` appear in ``text`` in this order, after ``start``."""
    at = text.find(start)
    if at < 0:
        return False
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


@pytest.fixture(scope="module")
def sample(server: Server, browser: Browser, home: Path) -> Sample:
    """Wait for the first sync (seen in the UI), then read a real order from the cache."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = open_app(context, server.at("/orders"))
        _wait_for_orders(page)
    finally:
        context.close()
    return _sample(home)


def _label(value: str) -> str:
    """Return the UI label of a vocabulary value (views.formatting.label)."""
    from views.formatting import label

    return label(value)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_timeline_filters_order_and_settings(browser: Browser, server: Server, sample: Sample, size: str):
    """Home timeline (pinned + day groups), search and filters, an order's timeline, Settings' source health."""
    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(viewport=viewport)
    try:
        page = open_app(context, server.at("/"))
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Needs attention \(\d+\)$"))).to_be_visible(timeout=20_000)
        expect(page.get_by_text(re.compile(r"^(Today|Yesterday)$")).first).to_be_attached()
        expect(page.get_by_text("Demo data", exact=False).first).to_be_visible()
        expect(page.get_by_text(re.compile(r"Last synced \d"), exact=False).first).to_be_visible(timeout=20_000)
        # the rail on wide windows, the bar on phones
        if size == "desktop":
            expect(page.get_by_role("button", name=re.compile(r"^Settings"))).to_be_visible()
            expect(page.get_by_role("tablist")).to_have_count(0)
        else:
            expect(page.get_by_role("tab", name=re.compile(r"^Settings"))).to_be_visible()
        shoot(page, f"{size}-01-timeline")

        nav(page, "Orders").click()
        _wait_for_orders(page)
        all_orders = page.get_by_text(COUNT).text_content() or ""
        assert page.url.endswith("/orders"), page.url
        shoot(page, f"{size}-02-orders")
        replace_text(page, page.get_by_role("textbox", name="Search orders"), sample.prefix)
        expected = "1 order" if sample.prefix_count == 1 else f"{sample.prefix_count:,} orders"
        expect(page.get_by_text(expected, exact=True)).to_be_visible(timeout=10_000)
        tile = page.get_by_role("button", name=re.compile("^" + re.escape(sample.number) + " "))
        expect(tile).to_be_visible()
        shoot(page, f"{size}-03-search")

        replace_text(page, page.get_by_role("textbox", name="Search orders"), "")
        if size == "phone":
            page.get_by_role("button", name="Filters").click()
        pick(page, "Status", _label(sample.status))
        pick(page, "Channel", _label(sample.channel))
        n = sample.status_channel_count
        expect(page.get_by_text("1 order" if n == 1 else f"{n:,} orders", exact=True)).to_be_visible(timeout=10_000)
        shoot(page, f"{size}-04-filtered")
        page.get_by_role("button", name="Clear filters").click()
        expect(page.get_by_text(all_orders, exact=True)).to_be_visible(timeout=10_000)
        replace_text(page, page.get_by_role("textbox", name="Search orders"), sample.prefix)
        expect(page.get_by_text(expected, exact=True)).to_be_visible(timeout=10_000)
        page.get_by_role("button", name=re.compile("^" + re.escape(sample.number) + " ")).click()
        expect(page.get_by_role("heading", name=f"Order {sample.number}")).to_be_visible(timeout=10_000)
        expect(page.get_by_role("button", name="Back")).to_be_visible()
        expect(page.get_by_role("button", name="Copy tracking number").first).to_be_visible()
        expect(page.get_by_text(re.compile(r"Updated .* from demo")).first).to_be_attached()
        for description in sample.descriptions:
            expect(page.get_by_text(description, exact=False).first).to_be_attached()
        content = page.locator("flt-semantics-host").text_content() or ""
        assert _in_order(content, "Timeline (", sample.descriptions), content
        assert page.url.endswith(order_route(sample.number)), page.url
        shoot(page, f"{size}-05-order")
        if size == "phone":
            page.mouse.move(195, 500)
            page.mouse.wheel(0, 1600)
            shoot(page, f"{size}-06-order-timeline")

        page.go_back()  # the browser's back button: a route change
        expect(page.get_by_text(expected, exact=True)).to_be_visible(timeout=10_000)
        page.get_by_role("button", name=re.compile(re.escape(sample.number) + " ")).click()
        expect(page.get_by_role("heading", name=f"Order {sample.number}")).to_be_visible(timeout=10_000)
        page.get_by_role("button", name="Back").click()
        expect(page.get_by_text(expected, exact=True)).to_be_visible(timeout=10_000)

        page.get_by_role("button", name="Date range").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_have_count(0)

        nav(page, "Settings").click()
        expect(page.get_by_role("heading", name="Settings")).to_be_visible()
        # cards merge their texts into one group label (notes/flet.md §7, gotcha 4)
        expect(
            page.get_by_role("group", name=re.compile(r"Demo data Healthy .* Last sync (just now|.* ago)"))
        ).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Test connection"))).to_be_visible()
        expect(page.get_by_role("group", name=re.compile(r"^Data Database location \S"))).to_be_visible()
        shoot(page, f"{size}-07-settings")
        width = (DESKTOP if size == "desktop" else PHONE)["width"]
        page.mouse.move(width // 2, 400)
        page.mouse.wheel(0, 4000)  # down to the notification form and the Data card
        expect(page.get_by_role("button", name=re.compile(r"Move to History after: 30 days$"))).to_be_visible(
            timeout=10_000
        )
        data_card = re.compile(r"^Data Database location .*Encrypted \(SQLCipher [^)]*256-bit key\) with a key kept in")
        expect(page.get_by_role("group", name=data_card)).to_be_visible()
        shoot(page, f"{size}-07b-settings-data")
        page.mouse.wheel(0, -4000)
        page.get_by_role("button", name="Add source").click()
        expect(page.get_by_role("textbox", name="Token")).to_be_visible()
        shoot(page, f"{size}-08-add-source")
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("textbox", name="Token")).to_have_count(0)
        if size == "desktop":  # narrowing the window swaps the rail for a bar, live
            page.set_viewport_size(PHONE)
            expect(page.get_by_role("tab", name=re.compile(r"^Settings"))).to_be_visible(timeout=10_000)
    finally:
        context.close()


def test_deep_link_in_dark_mode(browser: Browser, server: Server, sample: Sample, home: Path):
    """/orders/<number> opens straight on the order; the dark theme follows the system.

    "Track on …" opens the carrier's page in a new tab and counts as a tracking link opened.
    """
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(server.at(f"/orders/{sample.number}"))
        page.wait_for_selector("#loading", state="detached", timeout=60_000)
        page.locator("flt-semantics-placeholder").dispatch_event("click")
        expect(page.get_by_role("heading", name=f"Order {sample.number}")).to_be_visible(timeout=20_000)
        expect(page.get_by_text(sample.descriptions[-1], exact=False).first).to_be_attached()
        shoot(page, "desktop-09-order-dark")
        before = cli(home, "stats", "--format", "json")["self_service"]["tracking_links_opened"]
        track = page.get_by_role("button", name=re.compile(r"^Track on ")).or_(
            page.get_by_role("link", name=re.compile(r"^Track on "))
        )
        carrier_pages: list[str] = []

        def carrier_site(route: Any) -> None:  # no internet here: answer for the carrier
            carrier_pages.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<title>Carrier tracking</title>")

        context.route(re.compile(r"^https://"), carrier_site)
        with context.expect_page(timeout=20_000) as tab:
            track.first.click()
        tab.value.wait_for_load_state()
        assert tab.value.url.startswith("https://") and tab.value.url in carrier_pages, (tab.value.url, carrier_pages)
        tab.value.close()
        deadline = time.monotonic() + 20
        opened = before
        while opened == before and time.monotonic() < deadline:
            opened = cli(home, "stats", "--format", "json")["self_service"]["tracking_links_opened"]
        assert opened == before + 1
        page.get_by_role("button", name="Back").click()
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=10_000)
        expect(page.get_by_text(re.compile(r"^Needs attention \(\d+\)$"))).to_be_visible(timeout=20_000)
        shoot(page, "desktop-10-timeline-dark")
    finally:
        context.close()


def test_server_stops_cleanly_on_sigterm(server: Server):
    """SIGTERM ends the process promptly: no sync thread or worker keeps it alive."""
    assert stop_server(server.proc, timeout=10), "the app needed SIGKILL after SIGTERM"
    log = server.log()
    assert "Serving Order Tracking on http://127.0.0.1:" in log
    assert "Traceback" not in log, log
