"""Keyboard only, at desktop size (1280x800): Tab order, visible focus, Enter / Space, shortcuts, dialogs.

Flutter web moves the focus itself (Tab is a framework shortcut, not the browser's DOM order) and
mirrors it into the semantics tree: the focused control is ``document.activeElement`` -- a
``flt-semantics`` node (role ``button`` / ``checkbox``, its label as text) or, for a TextField, the
``<input>`` whose ``aria-label`` is label + hint. The tests read that after every key press and wait
for it to change; nothing is clicked with the mouse after semantics are switched on.

One app server (embedded demo data) for the module; each test opens its own tab.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.support import DESKTOP, SCREENSHOTS, Server, open_app
from views.shell import order_route

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

WAIT = 15_000
"""Milliseconds any one condition may take (the machine is shared and slow)."""

COUNT = re.compile(r"^[\d,]+ orders?$")
ORDER_NUMBER = re.compile(r"^([A-Z]+-\d+) ")
NAV = ["Timeline", "Orders", "History", "Notifications", "Settings"]
"""The rail's destinations, top to bottom."""

_LABEL = """function focusedLabel() {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    let label = el.getAttribute('aria-label') || el.textContent || '';
    // a text field's aria-label is "label\\nhint", and the hint comes and goes with the focus
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') label = label.split('\\n')[0];
    return label.replace(/\\s+/g, ' ').trim();
}"""
_FOCUSED = "() => { " + _LABEL + " return focusedLabel(); }"
_FOCUS_CHANGED = (
    "(previous) => { "
    + _LABEL
    + """
    // settled: a new label that stayed for SETTLE ms (the text field's <input> can hold the DOM focus
    // for a moment while Flutter moves it elsewhere)
    const label = focusedLabel(), now = performance.now();
    if (!label || label === previous) { window.__kbFocus = null; return false; }
    if (!window.__kbFocus || window.__kbFocus.label !== label) {
        window.__kbFocus = {label, since: now};
        return false;
    }
    return now - window.__kbFocus.since >= SETTLE ? label : false;
}""".replace("SETTLE", "150")
)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A desktop-size browser context, closed after the test."""
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        yield ctx
    finally:
        ctx.close()


# ----------------------------------------------------------------------------- helpers


def focused(page: Page) -> str:
    """Return the accessible name of the focused element ('' when nothing is focused)."""
    label: str = page.evaluate(_FOCUSED)
    return label


def press(page: Page, key: str) -> str:
    """Press ``key`` and return the label of the element that gets the focus (waiting for it to move)."""
    before = focused(page)
    page.evaluate("() => { window.__kbFocus = null; }")
    page.keyboard.press(key)
    try:
        handle = page.wait_for_function(_FOCUS_CHANGED, arg=before, timeout=WAIT)
    except PlaywrightTimeoutError as err:
        now = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
        raise AssertionError(f"{key} did not move the focus from {before!r}; focused now: {now}") from err
    label: str = handle.json_value()
    return label


def tab_until(page: Page, wanted: Callable[[str], bool], *, key: str = "Tab", limit: int = 40) -> list[str]:
    """Press Tab (or ``key``) until the focused element's label satisfies ``wanted``; return every stop."""
    stops: list[str] = []
    for _ in range(limit):
        stops.append(press(page, key))
        if wanted(stops[-1]):
            return stops
    raise AssertionError(f"{key} never reached the wanted control; the focus went through: {stops}")


def starts(prefix: str) -> Callable[[str], bool]:
    """Match a label that starts with ``prefix``."""
    return lambda label: label.startswith(prefix)


def index_of(stops: list[str], prefix: str) -> int:
    """Return the position of the only stop whose label starts with ``prefix``."""
    found = [i for i, label in enumerate(stops) if label.startswith(prefix)]
    assert len(found) == 1, f"expected one Tab stop {prefix!r}, got {found} in {stops}"
    return found[0]


def clip_of(page: Page, locator: Any) -> dict[str, float]:
    """Return the on-screen box of ``locator`` (a semantics node sits exactly over its painted control)."""
    box = locator.bounding_box()
    assert box is not None, "the control has no box on screen"
    return {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}


def wait_for_pixels(page: Page, clip: dict[str, float], ok: Callable[[bytes], bool], what: str) -> bytes:
    """Screenshot ``clip`` until ``ok(png)`` holds (the canvas repaints after the ARIA tree changes)."""
    deadline = time.monotonic() + WAIT / 1000
    while True:
        shot = page.screenshot(clip=clip)
        if ok(shot):
            return shot
        if time.monotonic() > deadline:
            raise AssertionError(f"the canvas never showed {what}")


def stable_pixels(page: Page, clip: dict[str, float]) -> bytes:
    """Screenshot ``clip`` until two shots in a row agree (no animation left there); return the shot.

    Only for regions without a blinking text cursor.
    """
    deadline = time.monotonic() + WAIT / 1000
    last = page.screenshot(clip=clip)
    while True:
        shot = page.screenshot(clip=clip)
        if shot == last:
            return shot
        if time.monotonic() > deadline:
            raise AssertionError("the region never stopped changing")
        last = shot


def save(name: str, png: bytes) -> Path:
    """Write a screenshot into tests/e2e/screenshots (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(png)
    return path


def open_orders(context: BrowserContext, server: Server) -> Page:
    """Open /orders and wait until the first sync filled the list."""
    page: Page = open_app(context, server.at("/orders"))
    expect(page.get_by_text(COUNT)).to_be_visible(timeout=45_000)
    # a sync that ends mid-test repaints the status line (and disables / enables "Sync now"): wait it out
    expect(page.get_by_text(re.compile(r"^Last synced \d")).first).to_be_visible(timeout=45_000)
    expect(page.get_by_role("button", name="Sync now")).to_be_enabled(timeout=WAIT)
    return page


def first_order_number(page: Page) -> str:
    """Return the number of the first order in the list."""
    tile = page.get_by_role("button", name=re.compile(r"^[A-Z]+-\d+ ")).first
    expect(tile).to_be_visible(timeout=WAIT)
    match = re.match(r"^([A-Z]+-\d+)\s", tile.text_content() or "")
    assert match, tile.text_content()
    return match.group(1)


# ----------------------------------------------------------------------------- tests


def test_tab_order_is_sensible_reversible_and_visible(context: BrowserContext, server: Server):
    """Tab walks the rail top to bottom and the screen in reading order; Shift+Tab retraces it; focus is drawn."""
    page = open_orders(context, server)
    date_range = page.get_by_role("button", name="Date range", exact=True)
    clip = clip_of(page, date_range)
    unfocused = stable_pixels(page, clip)

    # Flutter orders Tab stops by geometry (ReadingOrderTraversalPolicy: top band first, then left to
    # right), so rail destinations interleave with content rows at their height ("Timeline", "Sync now",
    # "Orders", "Search orders", "History", "Date range", ...). Flet 1.0.5 has no FocusTraversalGroup
    # to keep the rail together, so what is pinned here is each part's own order, and the exact reverse.
    stops = tab_until(page, lambda label: bool(ORDER_NUMBER.match(label)))
    assert all(stops), f"a Tab stop without an accessible name: {stops}"
    assert len(set(stops)) == len(stops), f"a control was visited twice: {stops}"
    # the rail, top to bottom: every destination once, in order
    rail = [index_of(stops, name) for name in NAV[:-1]] + [index_of(stops, "Settings Tab")]
    assert rail == sorted(rail), stops
    # the screen, in reading order: sync line, search, dates, filters, sort, then the results
    content = [
        index_of(stops, "Sync now"),
        index_of(stops, "Search orders"),
        index_of(stops, "Date range"),
        index_of(stops, "Show menu Status:"),
        index_of(stops, "Show menu Channel:"),
        index_of(stops, "Show menu Carrier:"),
        index_of(stops, "Show menu Source:"),
        index_of(stops, "Needs attention"),
        index_of(stops, "Show menu Sort:"),
        len(stops) - 1,
    ]
    assert content == sorted(content), stops

    # Shift+Tab walks back through exactly the same stops
    back = [press(page, "Shift+Tab") for _ in range(len(stops) - 1)]
    assert back == list(reversed(stops[:-1])), (stops, back)
    assert focused(page).startswith("Timeline")

    # the focus is visible: "Date range" is painted differently while it has the focus, and not after
    tab_until(page, starts("Date range"))
    expect(date_range).to_be_focused()
    wait_for_pixels(page, clip, lambda png: png != unfocused, "a focus highlight on Date range")
    save("desktop-kb-01-focus-date-range", page.screenshot())  # the canvas shows the focus now
    press(page, "Tab")
    wait_for_pixels(page, clip, lambda png: png == unfocused, "Date range without its focus highlight")


def test_enter_and_space_navigate_and_dialogs_open_focused_and_close_with_escape(
    context: BrowserContext, server: Server
):
    """Enter / Space on a rail destination switch screens; "Add source" opens on its first field; Escape closes."""
    page = open_app(context, server.at("/timeline"))
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=WAIT)

    tab_until(page, starts("Orders Tab"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Orders")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(COUNT)).to_be_visible(timeout=45_000)
    expect(page).to_have_url(re.compile(r"/orders$"), timeout=WAIT)  # the URL follows the screen

    # the date-range dialog, by keyboard
    tab_until(page, starts("Date range"))
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=WAIT)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0, timeout=WAIT)

    tab_until(page, starts("Settings Tab"))
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible(timeout=WAIT)
    expect(page).to_have_url(re.compile(r"/settings$"), timeout=WAIT)

    add = page.get_by_role("button", name="Add source", exact=True)
    expect(add).to_be_visible(timeout=WAIT)
    tab_until(page, lambda label: label == "Add source")
    expect(add).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=WAIT)
    name = dialog.get_by_role("textbox", name="Name")
    expect(name).to_be_focused(timeout=WAIT)  # the first field has the cursor: type straight away
    page.keyboard.type("kb-shop")
    expect(name).to_have_value("kb-shop", timeout=WAIT)
    url_clip = clip_of(page, dialog.get_by_role("textbox", name="Backend URL"))
    url_unfocused = stable_pixels(page, url_clip)  # the dialog has finished opening
    assert press(page, "Tab").startswith("Backend URL")  # Tab stays inside the dialog, field by field
    wait_for_pixels(page, url_clip, lambda png: png != url_unfocused, "the focus on Backend URL")
    save("desktop-kb-02-add-source-dialog", page.screenshot())  # typed name and focused URL field painted
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0, timeout=WAIT)
    expect(page.get_by_role("textbox", name="Name")).to_have_count(0)
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def test_search_open_an_order_and_go_back_by_keyboard(context: BrowserContext, server: Server):
    """"/" focuses the search; typing filters; Tab + Enter opens a result; Escape and Back return to the list."""
    page = open_orders(context, server)
    number = first_order_number(page)
    search = page.get_by_role("textbox", name="Search orders")

    page.keyboard.press("/")
    expect(search).to_be_focused(timeout=WAIT)
    page.keyboard.type(number, delay=20)
    expect(search).to_have_value(number, timeout=WAIT)
    result = page.get_by_role("button", name=re.compile("^" + re.escape(number) + " "))
    expect(result).to_be_visible(timeout=WAIT)
    others = page.get_by_role("button", name=re.compile(r"^[A-Z]+-\d+ ")).filter(has_not_text=number)
    expect(others).to_have_count(0, timeout=WAIT)  # the list is filtered
    count = page.get_by_text(COUNT).text_content() or ""
    assert count, "no count after filtering"

    tab_until(page, starts(number + " "))
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name=f"Order {number}")
    expect(heading).to_be_visible(timeout=WAIT)
    # the order's cards merge into one group label (notes/flet.md §7, gotcha 4)
    expect(page.get_by_text(re.compile(r"Timeline \(\d+ events?\)")).first).to_be_visible(timeout=WAIT)
    expect(page).to_have_url(re.compile(re.escape(order_route(number)) + "$"), timeout=WAIT)

    page.keyboard.press("Escape")  # back to the list, the search still applied
    expect(heading).to_have_count(0, timeout=WAIT)
    expect(page.get_by_role("heading", name="Orders")).to_be_visible(timeout=WAIT)
    # (the semantics <input> only mirrors the text while focused: the count and the result prove the filter)
    expect(page.get_by_text(count, exact=True)).to_be_visible(timeout=WAIT)
    expect(result).to_be_visible()
    expect(page).to_have_url(re.compile(r"/orders$"), timeout=WAIT)  # the URL follows the screen

    tab_until(page, starts(number + " "))
    page.keyboard.press("Enter")
    expect(heading).to_be_visible(timeout=WAIT)
    back = page.get_by_role("button", name="Back", exact=True)
    expect(back).to_be_visible(timeout=WAIT)
    if focused(page) != "Back":  # an opened order puts the focus on its Back button (top-left) by itself
        tab_until(page, lambda label: label == "Back")
    expect(back).to_be_focused()
    page.keyboard.press("Enter")
    expect(heading).to_have_count(0, timeout=WAIT)
    expect(page.get_by_text(count, exact=True)).to_be_visible(timeout=WAIT)
    expect(page).to_have_url(re.compile(r"/orders$"), timeout=WAIT)  # the URL follows the screen
