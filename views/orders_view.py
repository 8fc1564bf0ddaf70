"""The Orders screen: search by order-number prefix, date-range filter, a lazily paged list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any, Protocol

import flet as ft

from services.domain import (
    FINAL_ORDER_STATUSES,
    Channel,
    ListFilters,
    OrderStatus,
    OrderSummary,
    SortOrder,
    SyncPhase,
)
from views import formatting as fmt
from views import widgets
from views.base import ScreenModel
from views.filter_bar import FilterBar, FilterMenu, FilterState

TILE_EXTENT = 84
"""Fixed height of one list row (``ListView.item_extent``): lets Flutter lay out only what is visible."""

_CHANNEL_ICONS = {
    Channel.WEB: ft.Icons.LANGUAGE,
    Channel.MOBILE_APP: ft.Icons.PHONE_IPHONE,
    Channel.MARKETPLACE: ft.Icons.STOREFRONT,
    Channel.IN_STORE: ft.Icons.STORE,
    Channel.PHONE: ft.Icons.CALL,
    Channel.OTHER: ft.Icons.RECEIPT_LONG,
}


def display_status(summary: OrderSummary) -> str:
    """Return the status a row shows: the parcel's while it moves, the order's once it is final."""
    if summary.shipment_status is None or summary.status in FINAL_ORDER_STATUSES:
        return summary.status.value
    return summary.shipment_status.value


class OrdersModel(ScreenModel, Protocol):
    """What the Orders screen reads and calls (``app.state.OrdersState`` satisfies it)."""

    query: str
    date_from: date | None
    date_to: date | None
    filters: ListFilters
    sort: SortOrder
    total: int
    cache_total: int
    history_matches: int
    list_error: str | None

    @property
    def summaries(self) -> Sequence[OrderSummary]:
        """Return the rows loaded so far (pages appended in order)."""
        ...

    @property
    def carrier_choices(self) -> Sequence[str]:
        """Return the carrier slugs the carrier filter offers."""
        ...

    @property
    def source_choices(self) -> Sequence[str]:
        """Return the source names the source filter offers."""
        ...

    @property
    def has_more(self) -> bool:
        """Tell whether more rows match than are loaded."""
        ...

    async def search(self, text: str) -> None:
        """Filter by order-number prefix and reload the first page."""

    async def set_dates(self, start: date | None, end: date | None) -> None:
        """Filter by placed date (inclusive days) and reload the first page."""

    async def set_filters(self, filters: ListFilters) -> None:
        """Filter the list and reload its first page."""

    async def set_sort(self, sort: SortOrder) -> None:
        """Sort the list and reload its first page."""

    async def load_more(self) -> None:
        """Append the next page of rows."""

    async def reload(self) -> None:
        """Re-read the rows from the cache."""


class OrdersScreen:
    """Builds and repaints the Orders screen body from an :class:`OrdersModel`."""

    def __init__(
        self,
        model: OrdersModel,
        *,
        on_open: Callable[[str], None],
        is_dark: Callable[[], bool],
        on_history: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Create the controls; call :meth:`refresh` to paint the model.

        ``on_history`` shows History with this screen's search and filters ("N more in History").
        """
        self.model = model
        self._on_open = on_open
        self._on_history = on_history
        self.history_link = ft.TextButton(
            "", icon=ft.Icons.HISTORY, visible=False, on_click=self._on_show_history
        )
        self._is_dark = is_dark
        self._rendered: list[OrderSummary] = []
        self._loading_more = False
        self.search_focused = False
        """Whether the search field has the keyboard focus (the "/" shortcut must not steal it back)."""

        self.search = ft.TextField(
            label="Search orders",
            hint_text="Order number, e.g. W-100",
            prefix_icon=ft.Icons.SEARCH,
            value=model.query,
            on_change=self._on_search,
            on_submit=self._on_submit,
            on_focus=self._on_search_focus,
            on_blur=self._on_search_blur,
            dense=True,
            expand=True,
            autocorrect=False,
            enable_suggestions=False,
            capitalization=ft.TextCapitalization.CHARACTERS,
        )
        self.count_text = ft.Text(theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600)
        self.list = self._new_list()
        self.list_area = ft.Container(expand=True)
        self.filter_bar = FilterBar(
            OrderStatus, self._filter_state, model.set_filters, model.set_dates, dates_apart=True, attention=True
        )
        self.picker = self.filter_bar.picker
        """The date-range picker (the keyboard shortcuts hold still while it is open)."""
        self.sort_select = FilterMenu(
            "Sort", [(SortOrder.NEWEST.value, "Newest first"), (SortOrder.OLDEST.value, "Oldest first")], self._on_sort
        )
        self.count_row = ft.Row(
            [
                self.count_text,
                ft.Container(self.history_link, expand=True, alignment=ft.Alignment.CENTER_LEFT),
                self.sort_select.button,
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
        self.root = ft.Column(
            [
                ft.Row([self.search, self.filter_bar.toggle], vertical_alignment=ft.CrossAxisAlignment.CENTER),
                *self.filter_bar.rows,
                self.count_row,
                self.list_area,
            ],
            spacing=10,
            expand=True,
        )

    # ------------------------------------------------------------------ painting

    def refresh(self) -> None:
        """Repaint count, filters and the list from the model (no page update)."""
        m = self.model
        self.count_text.value = fmt.count_orders(m.total)
        kept = bool(m.summaries)  # a failed read keeps the rows shown (marked stale), like every screen
        self.count_text.visible = (m.list_error is None or kept) and (m.total > 0 or self._filtered())
        moved = m.history_matches if self._on_history is not None and m.list_error is None else 0
        self.history_link.content = f"{moved:,} more in History"
        self.history_link.tooltip = f"Show the {moved:,} matching finished order{'s' if moved != 1 else ''} in History"
        self.history_link.visible = moved > 0 and m.total > 0
        # The field is never written from the model here: the client owns what is typed, and a late result
        # for an earlier query would write older text back over keys typed since (they would vanish).
        self.filter_bar.paint()
        self.sort_select.select(m.sort.value)

        if m.list_error is not None and not kept:
            self.list_area.content = widgets.error_state("Couldn't read your orders", m.list_error, self._on_retry)
            self._rendered = []
            return
        if m.total == 0 and not kept:
            self.list_area.content = self._empty()
            self._rendered = []
            return
        self._paint_rows()
        if m.list_error is not None:
            note = widgets.stale_note(f"Couldn't refresh your orders: {m.list_error}", self._on_retry)
            self.list_area.content = ft.Column([note, self.list], spacing=8, expand=True)
        else:
            self.list_area.content = self.list

    def set_compact(self, compact: bool) -> None:
        """Fold the filter panel behind the "Filters" button on narrow windows (open on wide ones)."""
        self.filter_bar.set_compact(compact)
        self.sort_select.select(self.model.sort.value)

    def _filter_state(self) -> FilterState:
        m = self.model
        return FilterState(m.filters, m.carrier_choices, m.source_choices, m.date_from, m.date_to, m.filters.active)

    def repaint(self) -> None:
        """Rebuild every row (after a theme change) and repaint."""
        self._rendered = []
        self.refresh()

    def _filtered(self) -> bool:
        m = self.model
        return bool(m.query.strip()) or m.date_from is not None or m.date_to is not None or m.filters.active

    def _empty(self) -> ft.Control:
        m = self.model
        if m.history_matches and self._on_history is not None:
            n = m.history_matches
            return widgets.empty_state(
                ft.Icons.HISTORY,
                "In History" if self._filtered() else "Everything is in History",
                f"{n:,} {'matching ' if self._filtered() else ''}finished order{'s are' if n != 1 else ' is'} in "
                "History: delivered, cancelled and returned orders move there after a while.",
                "Show in History",
                self._on_show_history,
            )
        if self._filtered():
            q = m.query.strip()
            what = f"No order number starts with “{q}”" if q else "No orders were placed"
            if m.date_from is not None or m.date_to is not None:
                what += f" in {fmt.date_range(m.date_from, m.date_to)}"
            if m.filters.active:
                what += " with these filters"
            return widgets.empty_state(
                ft.Icons.SEARCH_OFF, "No matching orders", what + ".", "Clear filters", self._on_clear_all
            )
        sync = m.sync
        if m.cache_total == 0 and sync.phase in (SyncPhase.SYNCING, SyncPhase.NEVER):
            return widgets.loading_state(
                "Fetching your orders…", "The first sync can take a moment. Orders appear as soon as they arrive."
            )
        if m.cache_total == 0 and sync.phase is SyncPhase.FAILING:
            reason = f": {sync.error}" if sync.error else ""
            return widgets.empty_state(
                ft.Icons.CLOUD_OFF,
                "No orders yet",
                f"We couldn't reach your order source{reason}. We'll keep trying in the background.",
                "Try again",
                self._on_sync_now,
            )
        return widgets.empty_state(ft.Icons.INBOX_OUTLINED, "No orders yet", "Your orders will show up here.")

    def _paint_rows(self) -> None:
        rows = list(self.model.summaries)
        n = len(self._rendered)
        if n <= len(rows) and rows[:n] == self._rendered and n > 0:
            new_tiles = [self._tile(s) for s in rows[n:]]
            # keep the already-built tiles (and Flutter's scroll offset); replace the trailing "Load more"
            if self.list.controls and not isinstance(self.list.controls[-1], ft.ListTile):
                self.list.controls.pop()
            self.list.controls.extend(new_tiles)
        else:
            # a new result set gets a new list: Flutter starts it at the top, with nothing left over
            self.list = self._new_list()
            self.list.controls = [self._tile(s) for s in rows]
        self._rendered = rows
        if self.model.has_more:
            self.list.controls.append(
                ft.Container(
                    content=ft.TextButton("Load more", icon=ft.Icons.EXPAND_MORE, on_click=self._on_load_more),
                    alignment=ft.Alignment.CENTER,
                )
            )

    def _new_list(self) -> ft.ListView:
        return ft.ListView(
            expand=True,
            item_extent=TILE_EXTENT,
            on_scroll=self._on_scroll,
            scroll_interval=200,
            padding=ft.Padding.only(bottom=16),
        )

    def _tile(self, s: OrderSummary) -> ft.ListTile:
        leading_icon = ft.Icons.WARNING_AMBER_ROUNDED if s.needs_attention else _CHANNEL_ICONS[s.channel]
        return widgets.order_tile(
            s,
            key=f"order:{s.order_number}",
            leading=ft.Icon(leading_icon, color=ft.Colors.ERROR if s.needs_attention else ft.Colors.ON_SURFACE_VARIANT),
            status=display_status(s),
            tz=self.model.tz,
            dark=self._is_dark(),
            on_open=self._on_open,
        )

    # ------------------------------------------------------------------ events

    def _on_search_focus(self, e: ft.Event[ft.TextField]) -> None:
        self.search_focused = True

    def _on_search_blur(self, e: ft.Event[ft.TextField]) -> None:
        self.search_focused = False

    async def focus_search(self) -> None:
        """Move the keyboard focus into the search field (the "/" shortcut)."""
        await self.search.focus()  # type: ignore[no-untyped-call]  # untyped in flet 1.0.5
        self.search_focused = True

    async def _on_search(self, e: ft.Event[ft.TextField]) -> None:
        await self.model.search(self.search.value or "")

    async def _on_submit(self, e: ft.Event[ft.TextField]) -> None:
        await self.model.search(self.search.value or "")
        if self.model.total == 1 and self.model.summaries:
            self._on_open(self.model.summaries[0].order_number)

    async def _on_clear_all(self, e: Any) -> None:
        self.search.value = ""
        await self.model.set_filters(ListFilters())
        await self.model.set_dates(None, None)
        await self.model.search("")

    async def _on_show_history(self, _: Any = None) -> None:
        if self._on_history is not None:
            await self._on_history()

    async def _on_sort(self, _: Any = None) -> None:
        await self.model.set_sort(SortOrder(self.sort_select.value))

    async def _on_retry(self, e: Any) -> None:
        await self.model.reload()

    def _on_sync_now(self, e: Any) -> None:
        self.model.request_sync()

    async def _on_load_more(self, e: ft.Event[ft.TextButton]) -> None:
        await self._load_more()

    async def _on_scroll(self, e: ft.OnScrollEvent) -> None:
        if e.pixels >= e.max_scroll_extent - 4 * TILE_EXTENT:
            await self._load_more()

    async def _load_more(self) -> None:
        if self._loading_more or not self.model.has_more:
            return
        self._loading_more = True
        try:
            await self.model.load_more()
        finally:
            self._loading_more = False
