"""History and Notifications in Chromium: archived orders, a CSV export as a browser download, the alert log."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.e2e.support import (
    DESKTOP,
    PHONE,
    ROOT,
    Server,
    app_env,
    nav,
    open_app,
    shoot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

COUNT = re.compile(r"^[\d,]+ orders?$")
HISTORY_COUNT = re.compile(r"^[\d,]+ orders? in history")


def _archive(home: Path) -> None:
    """Move every finished order to History through the CLI."""
    result = subprocess.run(
        [sys.executable, "-m", "app", "archive", "move", "--after-days", "0"],
        cwd=ROOT,
        env=app_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_history_export_downloads_and_notifications_screen(
    server: Server, browser: Browser, home: Path, viewport: ViewportSize
) -> None:
    ctx = browser.new_context(viewport=viewport, accept_downloads=True)
    try:
        page = open_app(ctx, server.at("/orders"))
        expect(page.get_by_text(COUNT)).to_be_visible(timeout=45_000)  # the first sync filled the cache
        _archive(home)
        nav(page, "History").click()
        expect(page.get_by_text(HISTORY_COUNT)).to_be_visible(timeout=15_000)
        name = "desktop" if viewport is DESKTOP else "phone"
        shoot(page, f"history-{name}")
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name=re.compile("Export CSV")).click()
        assert re.fullmatch(r"order-history-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
        data = Path(download.value.path()).read_bytes().decode("utf-8-sig")
        assert data.startswith("order_number,placed_at,status,")
        nav(page, "Notifications").click()
        expect(
            page.get_by_text("No notifications yet", exact=True).or_(page.get_by_text(re.compile(r"^\d+ alerts? · ")))
        ).to_be_visible(timeout=15_000)
        expect(page.get_by_role("button", name=re.compile("Mark all as read"))).to_be_visible()
        shoot(page, f"notifications-{name}")
    finally:
        ctx.close()
