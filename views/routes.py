"""Routes, navigation destinations and keyboard shortcuts of the app frame (pure helpers of the shell).

Routes::

    /  and  /timeline      Timeline (home): needs attention + every order's events, by day
    /orders                Orders list (search, dates, filters, sort)
    /orders/<number>       one order (deep link; the number is URL-quoted)
    /history               History: archived orders, search, exports (PDF / CSV / JSON)
    /notifications         the alert log (unread count badge on the destination)
    /settings              Settings
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote, unquote

import flet as ft


def order_route(number: str) -> str:
    """Return the route of one order."""
    return f"/orders/{quote(number, safe='')}"


TOP_SCREENS = ("timeline", "orders", "history", "notifications", "settings")
"""The navigation destinations, in rail / bar order."""

TITLES = {
    "timeline": "Timeline",
    "orders": "Orders",
    "history": "History",
    "notifications": "Notifications",
    "settings": "Settings",
}
ICONS = {
    "timeline": (ft.Icons.TIMELINE_OUTLINED, ft.Icons.TIMELINE),
    "orders": (ft.Icons.RECEIPT_LONG_OUTLINED, ft.Icons.RECEIPT_LONG),
    "history": (ft.Icons.HISTORY_OUTLINED, ft.Icons.HISTORY),
    "notifications": (ft.Icons.NOTIFICATIONS_OUTLINED, ft.Icons.NOTIFICATIONS),
    "settings": (ft.Icons.SETTINGS_OUTLINED, ft.Icons.SETTINGS),
}
LIST_SCREENS = ("timeline", "orders", "history", "notifications")
"""Top screens an order can be opened from (its Back returns there)."""


def unread_badge(count: int) -> str | None:
    """Return the badge text of the Notifications destination (None: no badge)."""
    if count <= 0:
        return None
    return "99+" if count > 99 else str(count)


class Shortcut(StrEnum):
    """What a key press asks the app to do (see :func:`shortcut`)."""

    BACK = "back"
    SEARCH = "search"
    CLOSE_DIALOG = "close_dialog"


def shortcut(
    key: str,
    *,
    screen: str,
    ctrl: bool = False,
    alt: bool = False,
    meta: bool = False,
    typing: bool = False,
    dialog_open: bool = False,
    dialog_modal: bool = False,
) -> Shortcut | None:
    """Map a key press (Flutter's key label, e.g. ``"Escape"``, ``"/"``) on ``screen`` to a shortcut.

    - Escape closes a modal dialog (Flutter only closes dismissible ones by itself), like its Cancel.
    - Escape on an order goes back to the list it was opened from, like the Back button.
    - "/" on Orders puts the cursor in the search field, unless the user is already typing there.
    - While a dialog is open, keys belong to the dialog: nothing else happens.

    Keys with Ctrl / Alt / Meta belong to the browser and the text fields; Shift is ignored, as
    some keyboard layouts need it for "/".
    """
    if ctrl or alt or meta:
        return None
    if dialog_open or dialog_modal:
        return Shortcut.CLOSE_DIALOG if key == "Escape" and dialog_modal else None
    if key == "Escape" and screen == "order":
        return Shortcut.BACK
    if key == "/" and screen == "orders" and not typing:
        return Shortcut.SEARCH
    return None


def top_dialog(page: ft.Page) -> ft.DialogControl | None:
    """Return the top-most open dialog of ``page`` (snack bars and banners are not dialogs here)."""
    # Flet 1.0.5 keeps what show_dialog() opened in ``page._dialogs`` and offers no public reader
    controls = getattr(getattr(page, "_dialogs", None), "controls", None) or []
    for dialog in reversed(controls):
        if isinstance(dialog, ft.DialogControl) and dialog.open and not isinstance(dialog, ft.SnackBar | ft.Banner):
            return dialog
    return None


def parse_route(route: str) -> tuple[str, str | None]:
    """Split a route into ``(screen, order_number)``; unknown routes land on the Timeline."""
    path = (route or "/").split("?", 1)[0].rstrip("/") or "/"
    if path.startswith("/orders/") and len(path) > len("/orders/"):
        return "order", unquote(path[len("/orders/") :])
    if path == "/settings":
        return "settings", None
    if path == "/history":
        return "history", None
    if path == "/notifications":
        return "notifications", None
    if path == "/orders":
        return "orders", None
    return "timeline", None
