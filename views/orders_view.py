"""The Orders screen: search by order-number prefix, date-range filter, a lazily paged list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

import flet as ft

from services.domain import FINAL_ORDER_STATUSES, Channel, OrderStatus, OrderSummary
from views import formatting as fmt
from views import widgets
from views.model import ListFilters, OrdersUiModel, SortOrder, SyncPhase

ANY = "*"
"""The dropdown key meaning "no filter"."""


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


class OrdersScreen:
    """Builds and repaints the Orders screen body from an :class:`OrdersUiModel`."""

    def __init__(
        self,
        model: OrdersUiModel,
        *,
        on_open: Callable[[str], None],
        is_dark: Callable[[], bool],
        on_history: Callable[[], None] | None = None,
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
        self.picker = ft.DateRangePicker(
            first_date=datetime(2000, 1, 1),
            last_date=datetime.now() + timedelta(days=366),
            help_text="Orders placed between",
            save_text="Apply",
            on_change=self._on_dates_picked,
        )
        self.date_button = ft.OutlinedButton("Date range", icon=ft.Icons.DATE_RANGE, on_click=self._open_picker)
        self.clear_button = ft.TextButton("Clear dates", icon=ft.Icons.CLOSE, on_click=self._on_clear_dates)
        self.count_text = ft.Text(theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600)
        self.range_text = ft.Text(color=ft.Colors.ON_SURFACE_VARIANT, size=13)
        self.list = self._new_list()
        self.list_area = ft.Container(expand=True)
        self.status_filter = FilterMenu(
            "Status", [(ANY, "Any"), *((st.value, fmt.label(st.value)) for st in OrderStatus)], self._on_filter
        )
        self.channel_filter = FilterMenu(
            "Channel", [(ANY, "Any"), *((c.value, fmt.label(c.value)) for c in Channel)], self._on_filter
        )
        self.carrier_filter = FilterMenu("Carrier", [(ANY, "Any")], self._on_filter)
        self.source_filter = FilterMenu("Source", [(ANY, "Any")], self._on_filter)
        self.sort_select = FilterMenu(
            "Sort", [(SortOrder.NEWEST.value, "Newest first"), (SortOrder.OLDEST.value, "Oldest first")], self._on_sort
        )
        self.attention_chip = ft.Chip(
            label=ft.Text("Needs attention"),
            leading=ft.Icon(ft.Icons.PRIORITY_HIGH, size=16),
            selected=model.filters.needs_attention,
            on_select=self._on_filter,
            tooltip="Only orders that need your attention",
        )
        self.clear_filters_button = ft.TextButton(
            "Clear filters", icon=ft.Icons.FILTER_ALT_OFF_OUTLINED, on_click=self._on_clear_filters
        )
        self.filter_toggle = ft.TextButton("Filters", icon=ft.Icons.TUNE, on_click=self._on_toggle_filters)
        self._carrier_keys: list[str] = []
        self._source_keys: list[str] = []
        self.compact = False
        self.filters_open = True
        self.filters = ft.Row(
            [],
            visible=False,
            spacing=8,
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
        self._filter_controls: list[ft.Control] = [
            self.status_filter.button,
            self.channel_filter.button,
            self.carrier_filter.button,
            self.source_filter.button,
            self.attention_chip,
            self.clear_filters_button,
        ]
        self._date_controls: list[ft.Control] = [self.date_button, self.clear_button, self.range_text]
        self.filter_panel = ft.Row(
            [*self._date_controls, *self._filter_controls],
            spacing=8,
            run_spacing=8,
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
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
                ft.Row([self.search, self.filter_toggle], vertical_alignment=ft.CrossAxisAlignment.CENTER),
                self.filters,
                self.filter_panel,
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
        has_dates = m.date_from is not None or m.date_to is not None
        self.clear_button.visible = has_dates
        self.range_text.value = fmt.date_range(m.date_from, m.date_to) if has_dates else ""
        self.range_text.visible = has_dates
        self.count_text.value = fmt.count_orders(m.total)
        self.count_text.visible = m.list_error is None and (m.total > 0 or self._filtered())
        moved = m.history_matches if self._on_history is not None and m.list_error is None else 0
        self.history_link.content = f"{moved:,} more in History"
        self.history_link.tooltip = f"Show the {moved:,} matching finished order{'s' if moved != 1 else ''} in History"
        self.history_link.visible = moved > 0 and m.total > 0
        if self.search.value != m.query:
            self.search.value = m.query
        self._paint_filters()

        if m.list_error is not None:
            self.list_area.content = widgets.error_state("Couldn't read your orders", m.list_error, self._on_retry)
            self._rendered = []
            return
        if m.total == 0:
            self.list_area.content = self._empty()
            self._rendered = []
            return
        self._paint_rows()
        self.list_area.content = self.list

    def set_compact(self, compact: bool) -> None:
        """Fold the filter panel behind the "Filters" button on narrow windows (open on wide ones)."""
        if compact != self.compact:
            self.compact = compact
            self.filters_open = not compact or self.model.filters.active
            # wide: dates and filters share one row; narrow: dates stay visible, filters fold away
            if compact:
                self.filters.controls = list(self._date_controls)
                self.filter_panel.controls = list(self._filter_controls)
            else:
                self.filters.controls = []
                self.filter_panel.controls = [*self._date_controls, *self._filter_controls]
            self.filters.visible = compact
        self._paint_filters()

    def _paint_filters(self) -> None:
        m = self.model
        f = m.filters
        carriers = list(m.carrier_choices)
        if f.carrier and f.carrier not in carriers:
            carriers.append(f.carrier)
        self.carrier_filter.set_options([(ANY, "Any"), *((c, fmt.carrier_name(c)) for c in carriers)])
        sources = list(m.source_choices)
        if f.source and f.source not in sources:
            sources.append(f.source)
        self.source_filter.set_options([(ANY, "Any"), *((name, name) for name in sources)])
        self.status_filter.select(f.status.value if f.status else ANY)
        self.channel_filter.select(f.channel.value if f.channel else ANY)
        self.carrier_filter.select(f.carrier or ANY)
        self.source_filter.select(f.source or ANY)
        self.sort_select.select(m.sort.value)
        self.attention_chip.selected = f.needs_attention
        self.clear_filters_button.visible = f.active
        active = sum(1 for v in (f.status, f.channel, f.carrier, f.source, f.needs_attention) if v)
        self.filter_toggle.content = f"Filters ({active})" if active else "Filters"
        self.filter_toggle.visible = self.compact
        self.filter_panel.visible = self.filters_open or not self.compact

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
        dark = self._is_dark()
        tz = self.model.tz
        details = [s.merchant or fmt.label(s.channel.value), fmt.short_day(s.placed_at, tz)]
        if s.carriers:
            details.append(", ".join(fmt.carrier_name(c) for c in s.carriers))
        leading_icon = ft.Icons.WARNING_AMBER_ROUNDED if s.needs_attention else _CHANNEL_ICONS[s.channel]
        return ft.ListTile(
            key=f"order:{s.order_number}",
            leading=ft.Icon(
                leading_icon,
                color=ft.Colors.ERROR if s.needs_attention else ft.Colors.ON_SURFACE_VARIANT,
            ),
            title=ft.Text(s.order_number, weight=ft.FontWeight.W_600, no_wrap=True, overflow=ft.TextOverflow.ELLIPSIS),
            subtitle=ft.Text(" · ".join(details), max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
            trailing=ft.Column(
                [
                    widgets.status_chip(display_status(s), dark),
                    ft.Text(fmt.money(s.total, s.currency), weight=ft.FontWeight.W_500),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.END,
                alignment=ft.MainAxisAlignment.CENTER,
                spacing=6,
                tight=True,
            ),
            on_click=self._click_handler(s.order_number),
        )

    # ------------------------------------------------------------------ events

    def _click_handler(self, number: str) -> Callable[[Any], None]:
        def handler(_: Any) -> None:
            self._on_open(number)

        return handler

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

    def _open_picker(self, e: ft.Event[ft.OutlinedButton]) -> None:
        m = self.model
        self.picker.start_value = datetime.combine(m.date_from, time()) if m.date_from else None
        self.picker.end_value = datetime.combine(m.date_to, time()) if m.date_to else None
        e.page.show_dialog(self.picker)

    async def _on_dates_picked(self, e: ft.Event[ft.DateRangePicker]) -> None:
        start, end = fmt.as_date(self.picker.start_value), fmt.as_date(self.picker.end_value)
        if start is None and end is None:
            return
        await self.model.set_dates(start, end or start)

    async def _on_clear_dates(self, e: ft.Event[ft.TextButton]) -> None:
        await self.model.set_dates(None, None)

    async def _on_clear_all(self, e: Any) -> None:
        self.search.value = ""
        await self.model.set_filters(ListFilters())
        await self.model.set_dates(None, None)
        await self.model.search("")

    async def _on_filter(self, _: Any = None) -> None:
        def pick(menu: FilterMenu) -> str | None:
            return menu.value if menu.value != ANY else None

        status, channel = pick(self.status_filter), pick(self.channel_filter)
        flt = ListFilters(
            status=OrderStatus(status) if status else None,
            channel=Channel(channel) if channel else None,
            carrier=pick(self.carrier_filter),
            source=pick(self.source_filter),
            needs_attention=bool(self.attention_chip.selected),
        )
        await self.model.set_filters(flt)

    async def _on_show_history(self, _: Any = None) -> None:
        await self.model.show_in_history()
        if self._on_history is not None:
            self._on_history()

    async def _on_sort(self, _: Any = None) -> None:
        await self.model.set_sort(SortOrder(self.sort_select.value))

    async def _on_clear_filters(self, e: Any) -> None:
        await self.model.set_filters(ListFilters())

    def _on_toggle_filters(self, e: Any) -> None:
        self.filters_open = not self.filters_open
        self._paint_filters()

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


class FilterMenu:
    """A labelled menu button ("Status: Delivered") that picks one option; the label is its accessible name."""

    def __init__(self, label: str, options: list[tuple[str, str]], on_pick: Callable[[], Awaitable[None]]) -> None:
        """Create the button with ``options`` as ``(key, text)``; the first option is selected."""
        self.label = label
        self.options = options
        self.value = options[0][0]
        self._on_pick = on_pick
        self.text = ft.Text(no_wrap=True)
        self.button = ft.PopupMenuButton(
            content=ft.Container(
                content=ft.Row([self.text, ft.Icon(ft.Icons.ARROW_DROP_DOWN, size=20)], spacing=2, tight=True),
                border=ft.Border.all(1, ft.Colors.OUTLINE),
                border_radius=8,
                padding=ft.Padding.only(left=12, right=6, top=6, bottom=6),
            ),
            padding=0,
            menu_position=ft.PopupMenuPosition.UNDER,
        )
        self._paint()

    def set_options(self, options: list[tuple[str, str]]) -> None:
        """Replace the options (keeping the selection when it is still offered)."""
        if options == self.options:
            return
        self.options = options
        if self.value not in {k for k, _ in options}:
            self.value = options[0][0]
        self._paint()

    def select(self, key: str) -> None:
        """Show ``key`` as the selected option."""
        if key != self.value:
            self.value = key
            self._paint()

    def _paint(self) -> None:
        names = dict(self.options)
        self.text.value = f"{self.label}: {names.get(self.value, self.value)}"
        self.button.items = [
            ft.PopupMenuItem(content=text, checked=key == self.value, on_click=self._handler(key))
            for key, text in self.options
        ]

    def _handler(self, key: str) -> Callable[[Any], Awaitable[None]]:
        async def pick(_: Any) -> None:
            self.select(key)
            await self._on_pick()

        return pick
