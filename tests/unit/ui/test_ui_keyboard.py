"""Keyboard shortcuts (views.shell.shortcut) and the page's keyboard handler, on a real page session.

The e2e module tests/e2e/test_keyboard.py drives the same keys in Chromium; these check the decisions
without a browser: Escape goes back from an order or closes a modal dialog, "/" focuses the search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flet as ft
import pytest
from flet.messaging.session import Session

from services.storage import Store
from tests.unit.ui.support import UiApp, fill, make_order, settle
from views.shell import Shortcut, shortcut, top_dialog


@pytest.fixture
def orders30(store: Store) -> Store:
    """A cache with 30 orders W-10000..W-10029."""
    fill(store, [make_order(i) for i in range(30)])
    return store


@pytest.fixture
def focus_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record TextField.focus() calls (a client round trip the in-memory connection does not answer)."""
    calls: list[str] = []

    async def fake_focus(self: ft.TextField) -> None:
        calls.append(str(self.label))

    monkeypatch.setattr(ft.TextField, "focus", fake_focus)
    return calls


async def press(app: UiApp, key: str, **mods: bool) -> None:
    """Send a key-down the way the Flutter client reports it to ``page.on_keyboard_event``."""
    data = {"key": key, "shift": False, "ctrl": False, "alt": False, "meta": False, **mods}
    await app.session.dispatch_event(app.page._i, "keyboard_event", data)
    await settle()


# ----------------------------------------------------------------------------- the decision table


@pytest.mark.parametrize(
    ("key", "screen", "options", "expected"),
    [
        ("Escape", "order", {}, Shortcut.BACK),
        ("Escape", "orders", {}, None),
        ("Escape", "settings", {}, None),
        ("Escape", "order", {"dialog_open": True}, None),  # Flutter closes a dismissible dialog itself
        ("Escape", "settings", {"dialog_open": True, "dialog_modal": True}, Shortcut.CLOSE_DIALOG),
        ("Escape", "order", {"dialog_open": True, "dialog_modal": True}, Shortcut.CLOSE_DIALOG),
        ("Escape", "order", {"ctrl": True}, None),
        ("/", "orders", {}, Shortcut.SEARCH),
        ("/", "orders", {"shift": True}, Shortcut.SEARCH),  # layouts that need Shift for "/"
        ("/", "orders", {"typing": True}, None),  # typing a "/" into the search itself
        ("/", "orders", {"dialog_open": True}, None),  # e.g. a date typed into the date picker
        ("/", "orders", {"ctrl": True}, None),
        ("/", "orders", {"meta": True}, None),
        ("/", "timeline", {}, None),
        ("/", "order", {}, None),
        ("Enter", "orders", {}, None),  # Enter / Space / Tab stay Flutter's (activate, traverse)
        ("Tab", "order", {}, None),
        ("F", "orders", {"ctrl": True}, None),  # Ctrl+F stays the browser's find
    ],
)
def test_shortcut_table(key: str, screen: str, options: dict[str, bool], expected: Shortcut | None):
    """Which key does what, where."""
    shift = options.pop("shift", False)
    assert shift in (True, False)
    assert shortcut(key, screen=screen, **options) is expected


# ----------------------------------------------------------------------------- the handler on a session


async def test_slash_focuses_the_search_unless_already_typing_there(
    session: Session, orders30: Store, tmp_path: Path, focus_calls: list[str]
):
    """"/" on Orders moves the focus into the search field; typed in the field, it is just a character."""
    app = await UiApp(session, orders30, tmp_path).start("/orders")
    await press(app, "/")
    assert focus_calls == ["Search orders"]
    search = app.search_field()
    await app.session.dispatch_event(search._i, "focus", None)
    await press(app, "/")
    assert focus_calls == ["Search orders"], "the focused field must keep its '/'"
    await app.session.dispatch_event(search._i, "blur", None)
    await press(app, "/", ctrl=True)
    assert focus_calls == ["Search orders"]
    await press(app, "/")
    assert focus_calls == ["Search orders", "Search orders"]
    assert not app.crashed()


async def test_slash_does_nothing_on_other_screens(
    session: Session, orders30: Store, tmp_path: Path, focus_calls: list[str]
):
    """Only Orders has the search field."""
    app = await UiApp(session, orders30, tmp_path).start("/settings")
    await press(app, "/")
    assert focus_calls == []
    assert app.page.route == "/settings"


async def test_escape_goes_back_from_an_order_with_the_search_kept(session: Session, orders30: Store, tmp_path: Path):
    """Escape on an order returns to the list it came from, like the Back button."""
    app = await UiApp(session, orders30, tmp_path).start("/orders")
    await app.type_search("W-1001")
    assert "10 orders" in app.texts()
    await app.click(app.tiles()[0])
    assert app.page.route.startswith("/orders/W-1001")
    assert any(t.startswith("Order W-1001") for t in app.texts())
    back = app.page.views[-1].appbar.leading
    assert isinstance(back, ft.IconButton) and back.autofocus, "the keyboard focus starts on Back"
    await press(app, "Escape")
    assert app.page.route == "/orders"
    assert "10 orders" in app.texts()
    await press(app, "Escape")  # on the list it does nothing
    assert app.page.route == "/orders"
    assert not app.crashed()


async def test_escape_closes_a_modal_dialog_not_the_snack_bar_above_it(
    session: Session, orders30: Store, tmp_path: Path
):
    """Escape closes the top-most modal dialog (Flutter leaves modal ones open) and nothing else."""
    app = await UiApp(session, orders30, tmp_path).start("/settings")
    dialog = ft.AlertDialog(modal=True, title=ft.Text("Add a source"), actions=[ft.TextButton("Cancel")])
    app.page.show_dialog(dialog)
    snack = ft.SnackBar(ft.Text("Saved"))
    app.page.show_dialog(snack)
    assert top_dialog(app.page) is dialog
    await press(app, "Escape")
    assert dialog.open is False
    assert snack.open is True
    assert app.page.route == "/settings"
    assert not app.crashed()


async def test_escape_leaves_dismissible_dialogs_to_flutter_and_does_not_go_back(
    session: Session, orders30: Store, tmp_path: Path
):
    """A non-modal dialog closes itself on Escape in the client; the order behind it stays open."""
    app = await UiApp(session, orders30, tmp_path).start("/orders/W-10003")
    assert any(t.startswith("Order W-10003") for t in app.texts())
    dialog = ft.AlertDialog(title=ft.Text("Info"))
    app.page.show_dialog(dialog)
    await press(app, "Escape")
    assert dialog.open is True  # untouched by the server; the client dismisses it
    assert app.page.route == "/orders/W-10003"


def test_top_dialog_ignores_closed_dialogs_and_snack_bars():
    """Only open dialogs count; snack bars and banners are not dialogs here."""
    page: Any = type("P", (), {})()
    assert top_dialog(page) is None
    closed = ft.AlertDialog(modal=True, open=False)
    snack = ft.SnackBar(ft.Text("x"), open=True)
    page._dialogs = type("D", (), {"controls": [closed, snack]})()
    assert top_dialog(page) is None
    picker = ft.DateRangePicker(open=True)
    page._dialogs.controls.insert(0, picker)
    assert top_dialog(page) is picker
