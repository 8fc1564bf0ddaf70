"""The client with 10,000 cached orders, measured in Chromium.

Preparation (not measured): a data folder whose one source is the 10,000-order demo backend
(``demo_10k``, its own process), synced once with ``ordertrack sync``; one open parcel then gets 200
extra carrier scans through the demo's control API and is synced again.

Measured, each against a trivial Flet app (``trivial_app.py``) served the same way in the same run:
- ``python -m app run --web`` process start -> the Timeline (pinned items and day groups) in the ARIA
  tree, against the trivial app's process start -> its first frame (budget x1.3, medians of 3 cold
  starts, taken in turns);
- a keystroke in the order search -> the list shows only matching rows, against a keystroke in the
  trivial app's text field -> its echo on screen (budget x2.5, medians of 8);
- a click on an order with 200+ events -> its details and timeline are on screen, against a click
  that puts 205 plain text rows on screen in the trivial app (budget x3, medians of 3).
"""

from __future__ import annotations

import json
import re
import statistics
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, Server, cli, start_server, stop_server

from .conftest import record_ratio
from .trivial_app import HELLO, SHOWN

pytestmark = [pytest.mark.bench, pytest.mark.timeout(900)]

ORDERS = 10_000
EXTRA_EVENTS = 200
FIRST_TIMELINE_RATIO = 1.3
KEYSTROKE_RATIO = 2.5
OPEN_ORDER_RATIO = 3.0
TRIVIAL = "tests.bench.trivial_app"
RUNS = 3
PREFIXES = ["W", "M", "P", "S", "W", "M", "P", "S"]
COUNT = re.compile(r"^[\d,]+ orders?$")


@dataclass(frozen=True)
class Cache:
    """A synced data folder and the big order in it."""

    home: Path
    newest: str
    big_order: str
    events: int


@pytest.fixture(scope="module")
def cache_10k(tmp_path_factory: pytest.TempPathFactory, demo_10k: str) -> Cache:
    """A data folder with 10,000 orders synced from the demo backend, one of them with 200+ events."""
    home = tmp_path_factory.mktemp("ordertrack-10k")
    (home / "settings.json").write_text(json.dumps({"theme": "light", "sync_interval_seconds": 3600}))
    cli_ok(home, "sources", "add", "ordertrack", "--url", demo_10k, "--name", "shop")
    report = cli(home, "sync", "--format", "json", timeout=600)
    assert all(s["ok"] for s in report["sources"]), report
    recent = cli(home, "orders", "--status", "shipped", "--format", "json", "--limit", "50")["orders"]
    big = next(o for o in recent if any(s["status"] not in ("delivered", "returned") for s in o["shipments"]))
    parcel = next(s for s in big["shipments"] if s["status"] not in ("delivered", "returned"))
    for i in range(EXTRA_EVENTS):
        body = json.dumps(
            {"status": "in_transit", "description": f"Sorting scan {i + 1}", "location": "Hub, DE"}
        ).encode()
        req = urllib.request.Request(
            f"{demo_10k}/_demo/shipments/{quote(parcel['tracking_number'], safe='')}/events",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10):
            pass
    report = cli(home, "sync", "--format", "json", timeout=600)
    assert all(s["ok"] for s in report["sources"]), report
    events = cli(home, "timeline", big["order_number"], "--format", "json")["events"]
    assert len(events) >= EXTRA_EVENTS, len(events)
    count = cli(home, "orders", "--format", "json", "--limit", "1")["orders"]
    return Cache(home=home, newest=count[0]["order_number"], big_order=big["order_number"], events=len(events))


def cli_ok(home: Path, *args: str) -> None:
    """Run a CLI command that prints text; fail on a non-zero exit."""
    import subprocess
    import sys

    from tests.e2e.support import ROOT, app_env

    done = subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=app_env(home), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _enable_semantics(page: Any) -> None:
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")


def _first_frame_of_trivial_app(browser: Any, home: Path, run: int) -> float:
    """Process start of the trivial app -> its first text in the ARIA tree (same server path, fresh tab)."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    server = start_server(home, home / f"trivial-{run}.log", module=TRIVIAL)
    try:
        page.goto(server.at("/"))
        _enable_semantics(page)
        expect(page.get_by_text(HELLO)).to_be_visible(timeout=60_000)
        return time.monotonic() - server.started
    finally:
        stop_server(server.proc)
        context.close()


def test_first_timeline_with_10k_cached_orders(cache_10k: Cache, browser: Any) -> None:
    """Process start -> the Timeline with pinned items and day groups, against a trivial app's first frame."""
    seconds: list[float] = []
    floors: list[float] = []
    for run in range(RUNS):
        floors.append(_first_frame_of_trivial_app(browser, cache_10k.home, run))
        context = browser.new_context(viewport=DESKTOP)  # fresh: nothing cached by the browser
        page = context.new_page()
        server = start_server(cache_10k.home, cache_10k.home / f"bench-{run}.log", ORDERTRACK_SYNC_INTERVAL="3600")
        try:
            page.goto(server.at("/"))
            _enable_semantics(page)
            day = page.get_by_text(re.compile(r"^(Today|Yesterday|\w{3} \d+ \w{3} \d{4})$")).first
            expect(day).to_be_visible(timeout=60_000)
            elapsed = time.monotonic() - server.started
            expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
            seconds.append(elapsed)
            print(
                f"BENCH ui.first_timeline.run{run} seconds={elapsed:.2f} trivial={floors[-1]:.2f} "
                f"(http_up={server.ready - server.started:.2f})"
            )
        finally:
            stop_server(server.proc)
            context.close()
    record_ratio(
        "ui.first_timeline (10k orders)",
        statistics.median(seconds),
        statistics.median(floors),
        FIRST_TIMELINE_RATIO,
        floor_name="trivial app first frame",
        note=f"median of {RUNS}",
    )


@pytest.fixture(scope="module")
def trivial(cache_10k: Cache) -> Iterator[Server]:
    """The trivial app, served like the app, for the interaction floors."""
    server = start_server(cache_10k.home, cache_10k.home / "trivial-interactive.log", module=TRIVIAL)
    try:
        yield server
    finally:
        stop_server(server.proc)


def _trivial_page(browser: Any, server: Server) -> tuple[Any, Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(server.at("/"))
    _enable_semantics(page)
    expect(page.get_by_text(HELLO)).to_be_visible(timeout=60_000)
    return context, page


def _trivial_keystrokes(browser: Any, server: Server) -> list[float]:
    """A keystroke in the trivial app's text field -> its count on screen (one warm-up, then 8)."""
    context, page = _trivial_page(browser, server)
    try:
        page.get_by_role("textbox", name="Type here").click()
        page.keyboard.press("W")
        page.get_by_text("1 characters typed", exact=True).wait_for(timeout=10_000)
        page.keyboard.press("Backspace")
        page.get_by_text("0 characters typed", exact=True).wait_for(timeout=10_000)
        seconds: list[float] = []
        for prefix in PREFIXES:
            started = time.monotonic()
            page.keyboard.press(prefix)
            page.get_by_text("1 characters typed", exact=True).wait_for(timeout=10_000)
            seconds.append(time.monotonic() - started)
            page.keyboard.press("Backspace")
            page.get_by_text("0 characters typed", exact=True).wait_for(timeout=10_000)
        return seconds
    finally:
        context.close()


def _trivial_rows(browser: Any, server: Server) -> list[float]:
    """A click that puts 205 text rows on screen in the trivial app (one warm-up, then RUNS)."""
    context, page = _trivial_page(browser, server)
    try:
        seconds: list[float] = []
        for run in range(RUNS + 1):
            started = time.monotonic()
            page.get_by_role("button", name="Show rows").click()
            page.get_by_text(SHOWN, exact=True).wait_for(timeout=10_000)
            if run:
                seconds.append(time.monotonic() - started)
            page.get_by_role("button", name="Hide rows").click()
            page.get_by_text(SHOWN, exact=True).wait_for(state="detached", timeout=10_000)
        return seconds
    finally:
        context.close()


@pytest.fixture(scope="module")
def running(cache_10k: Cache) -> Iterator[Server]:
    """One app server on the 10k cache for the interaction benchmarks."""
    server = start_server(cache_10k.home, cache_10k.home / "bench-interactive.log", ORDERTRACK_SYNC_INTERVAL="3600")
    try:
        yield server
    finally:
        stop_server(server.proc)


def _orders_page(browser: Any, server: Server) -> tuple[Any, Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(server.at("/orders"))
    _enable_semantics(page)
    expect(page.get_by_text(re.compile(r"^[\d,]+ orders$"))).to_be_visible(timeout=60_000)
    return context, page


def test_keystroke_in_search_updates_the_list(cache_10k: Cache, running: Server, trivial: Server, browser: Any) -> None:
    """A keystroke in the order search -> the matching orders, against a keystroke in a trivial text field."""
    floors = _trivial_keystrokes(browser, trivial)
    context, page = _orders_page(browser, running)
    try:
        count = page.get_by_text(COUNT)
        everything = count.text_content() or ""
        search = page.get_by_role("textbox", name="Search orders")
        search.click()
        expected: dict[str, str] = {}
        for prefix in sorted(set(PREFIXES)):  # warm-up: what each prefix shows (not measured)
            page.keyboard.press(prefix)
            expect(count).not_to_have_text(everything, timeout=10_000)
            expected[prefix] = count.text_content() or ""
            page.keyboard.press("Backspace")
            expect(count).to_have_text(everything, timeout=10_000)
        seconds: list[float] = []
        for prefix in PREFIXES:
            started = time.monotonic()
            page.keyboard.press(prefix)
            page.get_by_text(expected[prefix], exact=True).wait_for(timeout=10_000)
            seconds.append(time.monotonic() - started)
            row = page.get_by_role("button", name=re.compile("^" + prefix)).first
            row.wait_for(timeout=10_000)
            page.keyboard.press("Backspace")
            page.get_by_text(everything, exact=True).wait_for(timeout=10_000)
        record_ratio(
            "ui.search_keystroke (10k orders)",
            statistics.median(seconds) * 1000,
            statistics.median(floors) * 1000,
            KEYSTROKE_RATIO,
            unit="ms",
            floor_name="trivial text field",
            note="median of 8: " + ", ".join(f"{s * 1000:.0f}" for s in seconds),
        )
    finally:
        context.close()


def test_opening_an_order_with_200_events(cache_10k: Cache, running: Server, trivial: Server, browser: Any) -> None:
    """A click on an order with 200+ events -> header, parcels and timeline, against 205 plain rows in a trivial app."""
    floors = _trivial_rows(browser, trivial)
    context, page = _orders_page(browser, running)
    try:
        number = cache_10k.big_order
        search = page.get_by_role("textbox", name="Search orders")
        search.click()
        page.keyboard.type(number, delay=10)
        row = page.get_by_role("button", name=re.compile("^" + re.escape(number) + " "))
        expect(row).to_be_visible(timeout=10_000)
        copy = page.get_by_role("button", name="Copy tracking number").first  # only once the order is read
        seconds: list[float] = []
        for _ in range(RUNS):
            started = time.monotonic()
            row.click()
            copy.wait_for(timeout=10_000)
            page.get_by_role("heading", name=f"Order {number}").wait_for(timeout=10_000)
            seconds.append(time.monotonic() - started)
            page.get_by_role("button", name="Back").click()
            expect(row).to_be_visible(timeout=10_000)
        record_ratio(
            f"ui.open_order ({cache_10k.events} events)",
            statistics.median(seconds) * 1000,
            statistics.median(floors) * 1000,
            OPEN_ORDER_RATIO,
            unit="ms",
            floor_name="205 rows, trivial app",
            note=f"median of {RUNS}: " + ", ".join(f"{s * 1000:.0f}" for s in seconds),
        )
    finally:
        context.close()
