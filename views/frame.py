"""The frame around every screen: window-size rules, the centered width-limited column, the navigation.

A rail when the window is wide, a bar when it is narrow; content no wider than :data:`CONTENT_MAX`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from views.routes import ICONS, TITLES, TOP_SCREENS, unread_badge

WIDE = 700
"""From this window width on, a NavigationRail replaces the NavigationBar."""

CONTENT_MAX = 1080
"""Widest the content column grows on big windows (centered beyond that)."""

_RAIL = 81
"""Width of the rail plus its divider."""


class Frame:
    """Sizes the content column of a page from its window width (the latest resize, else the page's)."""

    def __init__(self, page: ft.Page) -> None:
        """Measure ``page``; :meth:`resized` records each new width."""
        self._page = page
        self._width: float | None = None
        self._frames: list[ft.Container] = []

    def resized(self, width: float | None) -> None:
        """Record the window's new width (None: ask the page)."""
        self._width = width or None

    def window_width(self) -> float:
        """Return the window width (a phone's when unknown)."""
        return float(self._width or self._page.width or 390)

    def is_wide(self) -> bool:
        """Tell whether the window is wide enough for the rail."""
        return self.window_width() >= WIDE

    def content_width(self) -> float:
        """Return the width a screen's content gets (beside the rail, inside the padding)."""
        width = self.window_width()
        if width >= WIDE:
            width -= _RAIL
        return min(width, CONTENT_MAX) - 32

    def clear(self) -> None:
        """Forget the frames built for the previous render."""
        self._frames = []

    def framed(self, body: ft.Control, sync_slot: ft.Container) -> ft.Control:
        """Wrap a screen body with the sync line, centered and width-limited on big windows."""
        frame = ft.Container(
            content=ft.Column([sync_slot, body], spacing=8, expand=True),
            padding=ft.Padding.symmetric(horizontal=16, vertical=8),
        )
        self._frames.append(frame)
        self._size(frame)
        return ft.Row(
            [frame],
            alignment=ft.MainAxisAlignment.CENTER,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            expand=True,
        )

    def apply_width(self) -> None:
        """Resize the frames of the current render to the window."""
        for frame in self._frames:
            self._size(frame)

    def _size(self, frame: ft.Container) -> None:
        width = self.window_width() - (_RAIL if self.is_wide() else 0)
        if width > CONTENT_MAX:
            frame.width, frame.expand = CONTENT_MAX, False
        else:
            frame.width, frame.expand = None, True


def navigation(
    wide: bool, index: int, icon: Callable[[str, bool], ft.Icon], on_change: Callable[[Any], None]
) -> ft.NavigationRail | ft.NavigationBar:
    """Return the navigation over :data:`TOP_SCREENS`: a rail when ``wide``, else a bar."""
    if wide:
        return ft.NavigationRail(
            selected_index=index,
            label_type=ft.NavigationRailLabelType.ALL,
            min_width=80,
            group_alignment=-1.0,
            destinations=[
                ft.NavigationRailDestination(icon=icon(s, False), selected_icon=icon(s, True), label=TITLES[s])
                for s in TOP_SCREENS
            ],
            on_change=on_change,
        )
    return ft.NavigationBar(
        selected_index=index,
        destinations=[
            ft.NavigationBarDestination(icon=icon(s, False), selected_icon=icon(s, True), label=TITLES[s])
            for s in TOP_SCREENS
        ],
        on_change=on_change,
    )


class AlertBadge:
    """The unread count on the Notifications destination, and the snack bar when new alerts arrive."""

    def __init__(self) -> None:
        """Start with no icon built and no count seen."""
        self._icons: list[ft.Icon] = []
        self._seen: int | None = None

    def clear(self) -> None:
        """Forget the icons of the previous render."""
        self._icons = []

    def nav_icon(self, screen: str, selected: bool, unread: int) -> ft.Icon:
        """Return a destination's icon; the Notifications one carries the badge."""
        icon = ft.Icon(ICONS[screen][1 if selected else 0])
        if screen == "notifications":
            icon.badge = unread_badge(unread)
            self._icons.append(icon)
        return icon

    def paint(self, unread: int) -> None:
        """Show ``unread`` on every Notifications icon."""
        badge = unread_badge(unread)
        for icon in self._icons:
            icon.badge = badge

    def announce(self, page: ft.Page, unread: int, on_view: Callable[[Any], None]) -> None:
        """Show a snack bar when the unread count grew while the app is open (not for the first count)."""
        seen, self._seen = self._seen, unread
        if seen is None or unread <= seen:
            return
        new = unread - seen
        text = "1 new alert" if new == 1 else f"{new} new alerts"
        page.show_dialog(ft.SnackBar(ft.Text(f"{text} — see Notifications"), action="View", on_action=on_view))
