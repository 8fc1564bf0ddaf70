"""The app frame: routes (``views.routes``), navigation (rail when wide, bar when narrow), theme, sync line.

Keyboard: Tab / Shift+Tab move through the navigation and the screen, Enter / Space activate,
Escape closes a dialog or goes back from an order, "/" on Orders jumps to the search (:func:`shortcut`).

The shell owns no data: it is handed one state object per screen (:class:`ShellModel`), gives each
screen its own, and subscribes to each: a screen's state calling back repaints that screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from services.domain import ThemeChoice
from views import widgets
from views.frame import AlertBadge, Frame, navigation
from views.history_view import HistoryScreen
from views.notifications_view import NotificationsScreen
from views.order_view import WIDE_DETAIL, OrderScreen
from views.orders_view import OrdersScreen
from views.routes import (
    LIST_SCREENS,
    TITLES,
    TOP_SCREENS,
    Shortcut,
    order_route,
    parse_route,
    shortcut,
    top_dialog,
)
from views.session import ShellModel
from views.settings_view import SettingsScreen
from views.timeline_view import TimelineScreen

__all__ = ["AppShell", "ShellModel", "Shortcut", "order_route", "parse_route", "shortcut", "top_dialog"]

LOADING_DELAY = 0.15
"""Seconds an order read may take before the screen shows a progress state instead of waiting."""

SEED = ft.Colors.INDIGO

_THEME_MODES = {
    ThemeChoice.SYSTEM: ft.ThemeMode.SYSTEM,
    ThemeChoice.LIGHT: ft.ThemeMode.LIGHT,
    ThemeChoice.DARK: ft.ThemeMode.DARK,
}


class AppShell:
    """Builds the page's views from the screens' states and keeps them current."""

    def __init__(self, page: ft.Page, model: ShellModel, *, title: str = "Order Tracking") -> None:
        """Create the screens; :meth:`start` shows the first route."""
        self.page = page
        self.model = model
        self.title = title
        self.orders = OrdersScreen(
            model.orders, on_open=self.open_order, is_dark=self.is_dark, on_history=self._show_in_history
        )
        self.timeline = TimelineScreen(model.feed, on_open=self.open_order, is_dark=self.is_dark)
        self.order_screen = OrderScreen(on_back=self._back, is_dark=self.is_dark, on_repaint=self._repaint_order)
        self.settings = SettingsScreen(model.settings, is_dark=self.is_dark)
        self.notifications = NotificationsScreen(model.alerts, on_open=self.open_order, is_dark=self.is_dark)
        self.history = HistoryScreen(model.history, on_open=self.open_order, is_dark=self.is_dark)
        self._theme = model.settings.theme
        self.badge = AlertBadge()
        self.screen = "timeline"
        self.back_route = "/timeline"
        self.route: str | None = None
        self.order_loading = False
        self.frame = Frame(page)
        self._wide = self.frame.is_wide()
        self._detail_wide = self.frame.content_width() >= WIDE_DETAIL
        self._sync_slot = ft.Container()
        self._order_sync_slot = ft.Container()
        self._order_body = ft.Container(expand=True)
        self._top_view = ft.View(route="/orders", padding=0, spacing=0)
        self._order_view = ft.View(route="/orders", padding=0, spacing=0)
        self._unsubscribe: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Apply the theme, hook page events and show the page's current route."""
        page = self.page
        page.title = self.title
        page.theme = ft.Theme(color_scheme_seed=SEED)
        page.dark_theme = ft.Theme(color_scheme_seed=SEED)
        page.theme_mode = _THEME_MODES[self._theme]
        page.on_route_change = self._on_route_change
        page.on_view_pop = self._on_view_pop
        page.on_resize = self._on_resize
        page.on_platform_brightness_change = self._on_brightness
        page.on_keyboard_event = self._on_keyboard
        m = self.model
        self._unsubscribe = [
            m.status.subscribe(self._on_status),
            m.orders.subscribe(self._on_orders),
            m.feed.subscribe(self._on_feed),
            m.order.subscribe(self._on_order),
            m.alerts.subscribe(self._on_alerts),
            m.history.subscribe(self._on_history),
            m.settings.subscribe(self._on_settings),
        ]
        self.orders.set_compact(not self._wide)
        self.history.set_compact(not self._wide)
        self.orders.refresh()
        self.timeline.refresh()
        self._paint_sync()
        await self.show_route(page.route or "/")
        page.run_task(m.orders.load_choices)
        page.run_task(m.settings.load_sources)
        page.run_task(m.alerts.refresh_unread)

    def stop(self) -> None:
        """Stop listening to the screens' states (the session is closing)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # ------------------------------------------------------------------ navigation

    async def show_route(self, route: str) -> None:
        """Show the screen of ``route`` (loading the order for ``/orders/<number>``)."""
        if route == self.route:
            return
        self.route = route
        screen, number = parse_route(route)
        self.screen = screen
        if screen in LIST_SCREENS:
            self.back_route = "/" + screen
        m = self.model
        if screen == "notifications":
            self.notifications.refresh()
            await m.alerts.load_alerts()
        elif screen == "history":
            self.history.refresh()
            await m.history.load_history()
        if screen == "timeline" and not m.feed.feed_loaded and not m.feed.feed_loading:
            m.order.close_order()
            self._render()
            self.page.update()
            await m.feed.load_feed()
            return
        if screen == "order" and number is not None:
            self.order_loading = True
            read = asyncio.ensure_future(m.order.open_order(number))
            try:
                done, _ = await asyncio.wait({read}, timeout=LOADING_DELAY)
                if not done:  # a slow read gets a progress screen; a fast one paints once, finished
                    self._render()
                    self.page.update()
                await read
            finally:
                self.order_loading = False
        else:
            m.order.close_order()
        self._render()
        self.page.update()

    def go(self, route: str) -> None:
        """Navigate to ``route``: paint it now, then sync the browser URL."""
        self.page.run_task(self._go, route)

    async def _go(self, route: str) -> None:
        await self.show_route(route)
        await self.page.push_route(route)

    def open_order(self, number: str) -> None:
        """Open one order."""
        self.go(order_route(number))

    async def _show_in_history(self) -> None:
        """Show History with the Orders screen's search, dates and filters ("N more in History")."""
        o = self.model.orders
        await self.model.history.show_like(o.query, o.filters, o.date_from, o.date_to)
        self.go("/history")

    def _back(self, _: Any = None) -> None:
        self.go(self.back_route)

    async def _on_route_change(self, e: ft.RouteChangeEvent) -> None:
        await self.show_route(e.route)

    async def _on_view_pop(self, e: ft.ViewPopEvent) -> None:
        await self._go(self.back_route)

    async def _on_keyboard(self, e: ft.KeyboardEvent) -> None:
        dialog = top_dialog(self.page)
        action = shortcut(
            e.key,
            screen=self.screen,
            ctrl=e.ctrl,
            alt=e.alt,
            meta=e.meta,
            typing=self.orders.search_focused,
            dialog_open=dialog is not None or bool(self.orders.picker.open),
            dialog_modal=isinstance(dialog, ft.AlertDialog) and bool(dialog.modal),
        )
        if action is Shortcut.CLOSE_DIALOG and dialog is not None:
            dialog.open = False  # what page.pop_dialog() does, for this dialog (not a snack bar above it)
            dialog.update()
        elif action is Shortcut.BACK:
            await self._go(self.back_route)
        elif action is Shortcut.SEARCH:
            await self.orders.focus_search()

    def _on_nav(self, e: ft.Event[ft.NavigationRail] | ft.Event[ft.NavigationBar]) -> None:
        index = e.control.selected_index or 0
        self.go("/" + TOP_SCREENS[min(max(index, 0), len(TOP_SCREENS) - 1)])

    # ------------------------------------------------------------------ theme & size

    def is_dark(self) -> bool:
        """Tell whether the dark palette is showing."""
        choice = self._theme
        if choice is ThemeChoice.SYSTEM:
            return self.page.platform_brightness == ft.Brightness.DARK
        return choice is ThemeChoice.DARK

    def _on_resize(self, e: ft.PageResizeEvent) -> None:
        self.frame.resized(e.width)
        wide, detail_wide = self.frame.is_wide(), self.frame.content_width() >= WIDE_DETAIL
        if (wide, detail_wide) != (self._wide, self._detail_wide):
            self._wide, self._detail_wide = wide, detail_wide
            self.orders.set_compact(not wide)
            self.history.set_compact(not wide)
            self._render()
        else:
            self.frame.apply_width()

    def _on_brightness(self, e: ft.PlatformBrightnessChangeEvent) -> None:
        if self._theme is ThemeChoice.SYSTEM:
            self._repaint_all()

    # ------------------------------------------------------------------ model changes

    def _on_status(self) -> None:
        self._paint_sync()
        self.orders.refresh()
        self.timeline.refresh()
        self._render_if("settings")
        self.page.update()

    def _on_orders(self) -> None:
        self.orders.refresh()
        self.timeline.refresh()
        self.page.update()

    def _on_feed(self) -> None:
        self.timeline.refresh()
        self.page.update()

    def _on_order(self) -> None:
        if self.screen == "order":
            self._paint_order()
            self.page.update()

    def _on_alerts(self) -> None:
        self.notifications.refresh()
        unread = self.model.alerts.unread_count
        self.badge.paint(unread)
        self.badge.announce(self.page, unread, lambda _: self.go("/notifications"))
        self.page.update()

    def _on_history(self) -> None:
        self.history.refresh()
        self.page.update()

    def _on_settings(self) -> None:
        theme = self.model.settings.theme
        if theme is not self._theme:
            self._theme = theme
            self.page.theme_mode = _THEME_MODES[theme]
            self._repaint_all()
            self.page.update()
            return
        self.orders.refresh()  # a source added or removed changes the source filter
        if self.screen == "order":
            self._paint_order()  # freshness ("updated 5 min ago") follows the source's health
        self._render_if("settings")
        self.page.update()

    def _render_if(self, screen: str) -> None:
        if self.screen == screen:
            self._render()

    def _repaint_all(self) -> None:
        self.orders.repaint()  # chips are colour-coded per theme: rebuild every row
        self.timeline.refresh()
        self.notifications.refresh()
        self.history.refresh()
        self._paint_sync()
        self._render()

    def _paint_sync(self) -> None:
        info, tz, dark = self.model.status.sync, self.model.status.tz, self.is_dark()
        self._sync_slot.content = widgets.sync_banner(info, tz, dark, self._sync_now)
        self._order_sync_slot.content = widgets.sync_banner(info, tz, dark, self._sync_now)

    def _sync_now(self, _: Any) -> None:
        self.model.status.request_sync()

    # ------------------------------------------------------------------ building views

    def _render(self) -> None:
        """Rebuild the page's view stack for the current screen and window size."""
        self._wide = self.frame.is_wide()
        self._detail_wide = self.frame.content_width() >= WIDE_DETAIL
        self.frame.clear()
        top = self._build_top()
        views: list[ft.View] = [top]
        if self.screen == "order":
            views.append(self._build_order_view())
        self.page.views.clear()
        self.page.views.extend(views)

    def _top_screen(self) -> str:
        if self.screen == "order":
            back = self.back_route.lstrip("/")
            return back if back in LIST_SCREENS else "timeline"
        return self.screen

    def _nav_icon(self, screen: str, selected: bool) -> ft.Icon:
        return self.badge.nav_icon(screen, selected, self.model.alerts.unread_count)

    def _build_top(self) -> ft.View:
        top = self._top_screen()
        if top == "settings":
            body: ft.Control = self.settings.build()
        elif top == "history":
            body = self.history.root
        elif top == "notifications":
            body = self.notifications.root
        elif top == "orders":
            body = self.orders.root
        else:
            body = self.timeline.root
        centered = self.frame.framed(body, self._sync_slot)
        index = TOP_SCREENS.index(top)
        view = self._top_view
        view.route = "/" + top
        view.appbar = ft.AppBar(title=ft.Text(TITLES[top]), automatically_imply_leading=False)
        self.badge.clear()
        nav = navigation(self._wide, index, self._nav_icon, self._on_nav)
        if isinstance(nav, ft.NavigationRail):
            view.controls = [ft.Row([nav, ft.VerticalDivider(width=1), centered], spacing=0, expand=True)]
            view.navigation_bar = None
        else:
            view.controls = [centered]
            view.navigation_bar = nav
        return view

    def _build_order_view(self) -> ft.View:
        view = self._order_view
        number = self.model.order.order_number or ""
        view.route = self.route or order_route(number)
        back = widgets.icon_button(ft.Icons.ARROW_BACK, "Back", self._back)
        back.autofocus = True  # the keyboard focus starts on the new screen (Enter goes back, Tab moves on)
        view.appbar = ft.AppBar(
            leading=back,
            title=ft.Text(f"Order {number}", no_wrap=True, overflow=ft.TextOverflow.ELLIPSIS),
            automatically_imply_leading=False,
        )
        self._paint_order()
        view.controls = [self.frame.framed(self._order_body, self._order_sync_slot)]
        return view

    def _paint_order(self) -> None:
        m = self.model.order
        self._order_body.content = self.order_screen.build(
            m.order,
            m.order_number,
            m.timeline,
            self.model.status.tz,
            loading=self.order_loading,
            width=self.frame.content_width(),
            now=m.now,
            checked_at=self._checked_at(),
            eta_history=m.eta_history,
        )

    def _repaint_order(self) -> None:
        self._paint_order()
        self.page.update()

    def _checked_at(self) -> datetime | None:
        order = self.model.order.order
        if order is None:
            return None
        for src in self.model.settings.sources:
            if src.name == order.source:
                return src.last_success_at
        return None
