"""No keyring on this computer: the app says so in its own window and protects the cache with a passphrase.

The app runs with keyring's ``fail`` backend (as on a machine without a Secret Service) and no
ORDERTRACK_PASSPHRASE. First start: "Protect your order history" asks for a new passphrase twice,
then the Timeline appears. Second start: "Unlock your order history"; a wrong passphrase is refused
in plain words, the right one opens the app. The cache file holds no plaintext and no key.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from app.database import db_path, kdf_path
from tests.e2e.support import DESKTOP, PHONE, ROOT, app_env, replace_text, shoot, start_server, stop_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
SERVER_ENV = {**NO_KEYRING, "ORDERTRACK_PASSPHRASE": "", "ORDERTRACK_SYNC_INTERVAL": "3600"}
PASSPHRASE = "correct horse battery"


def _open(browser: Browser, url: str, viewport: ViewportSize) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=60_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    return context, page


def _says(page: Any, text: str) -> Any:
    """The unlock card's text: Flutter merges a card's texts into the label of its group, or of its only
    text field (notes/flet.md gotcha 4)."""
    pattern = re.compile(re.escape(text))
    return (
        page.get_by_role("group", name=pattern)
        .or_(page.get_by_role("textbox", name=pattern))
        .or_(page.get_by_text(pattern))
        .first
    )


def _unlock_button(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=re.compile("^" + re.escape(name)))


def test_without_a_keyring_a_passphrase_typed_in_the_app_protects_the_cache(browser: Browser, tmp_path: Path):
    """Choose (twice, checked) on the first start; enter it on the next; a wrong one is refused."""
    home = tmp_path / "home"
    home.mkdir()
    server = start_server(home, tmp_path / "first.log", **SERVER_ENV)
    try:
        context, page = _open(browser, server.at("/"), PHONE)
        expect(_says(page, "Protect your order history")).to_be_visible(timeout=20_000)
        expect(_says(page, "No secure keyring is available")).to_be_visible()
        shoot(page, "phone-20-choose-passphrase")
        field = page.get_by_role("textbox", name="New passphrase")
        repeat = page.get_by_role("textbox", name="Repeat the passphrase")
        replace_text(page, field, "short")
        _unlock_button(page, "Protect and open").click()
        expect(_says(page, "The passphrase must have at least 8 characters.")).to_be_visible()
        replace_text(page, field, PASSPHRASE)
        replace_text(page, repeat, PASSPHRASE + "!")
        _unlock_button(page, "Protect and open").click()
        expect(_says(page, "The two passphrases differ.")).to_be_visible()
        assert not kdf_path(db_path(home)).exists()  # nothing chosen yet
        replace_text(page, repeat, PASSPHRASE)
        repeat.press("Enter")
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("button", name="Sync now").first).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Needs attention \(\d+\)$"))).to_be_visible(timeout=45_000)
        context.close()
    finally:
        assert stop_server(server.proc)
    db = db_path(home)
    assert kdf_path(db).exists()
    listed = subprocess.run(
        [sys.executable, "-m", "app", "orders", "--format", "json", "--limit", "50"],
        cwd=ROOT,
        env=app_env(home, **NO_KEYRING, ORDERTRACK_PASSPHRASE=PASSPHRASE),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    numbers = [o["order_number"].encode() for o in json.loads(listed.stdout)["orders"]]
    raw = db.read_bytes()
    assert numbers and not raw.startswith(b"SQLite format 3") and PASSPHRASE.encode() not in raw
    assert not [n for n in numbers if n in raw]  # the cache holds no order number in the clear
    assert PASSPHRASE not in kdf_path(db).read_text()
    assert PASSPHRASE not in server.log()

    again = start_server(home, tmp_path / "second.log", **SERVER_ENV)
    try:
        context, page = _open(browser, again.at("/"), DESKTOP)
        expect(_says(page, "Unlock your order history")).to_be_visible(timeout=20_000)
        field = page.get_by_role("textbox", name="Passphrase")
        expect(page.get_by_role("textbox", name="Repeat the passphrase")).to_have_count(0)
        shoot(page, "desktop-20-unlock")
        replace_text(page, field, "not the passphrase")
        _unlock_button(page, "Unlock").click()
        expect(_says(page, "That passphrase does not open the cache. Try again.")).to_be_visible(
            timeout=20_000
        )
        replace_text(page, field, PASSPHRASE)
        _unlock_button(page, "Unlock").click()
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.compile(r"^Needs attention \(\d+\)$"))).to_be_visible(timeout=20_000)
        # a second tab opened after the unlock goes straight to the app
        second = context.new_page()
        second.goto(again.at("/orders"))
        second.wait_for_selector("#loading", state="detached", timeout=60_000)
        second.locator("flt-semantics-placeholder").dispatch_event("click")
        expect(second.get_by_role("heading", name="Orders")).to_be_visible(timeout=20_000)
        # ...but the unlocked cache is shared only with browsers that opened the printed link
        stranger = browser.new_context(viewport=DESKTOP)
        refused = stranger.new_page().goto(again.url + "/orders")
        assert refused is not None and refused.status == 403
        assert "link Order Tracking printed" in refused.text()
        stranger.close()
        context.close()
    finally:
        assert stop_server(again.proc)
    assert PASSPHRASE not in again.log()
