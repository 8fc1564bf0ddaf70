"""The list filters the Orders and History screens share: dates, four menus, "Clear filters", folding.

A :class:`FilterBar` owns the controls and their painting; its screen tells it what to show through a
``read`` callback (a :class:`FilterState` from the screen's model) and applies what the user picks
through ``on_filter`` / ``on_dates`` (and ``on_clear``, "Clear filters").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import flet as ft

from services.domain import Channel, ListFilters, OrderStatus
from views import formatting as fmt

ANY = "*"
"""The dropdown key meaning "no filter"."""


@dataclass(frozen=True, slots=True)
class FilterState:
    """What a :class:`FilterBar` shows, read from its screen's model at every repaint."""

    filters: ListFilters
    carriers: Sequence[str]
    """The carrier menu's options (a selected carrier missing here is added)."""
    sources: Sequence[str]
    """The source menu's options (a selected source missing here is added)."""
    date_from: date | None
    date_to: date | None
    clearable: bool
    """Whether "Clear filters" is shown."""


class FilterBar:
    """Date range, Status/Channel/Carrier/Source menus and "Clear filters", folded behind "Filters" on phones.

    Controls, in order: "Date range", ["Clear dates"], the range text, the four menus,
    ["Needs attention"], "Clear filters". By default the dates are filters like the menus: they fold away
    on narrow windows and count on the "Filters (n)" button. ``dates_apart`` keeps them out of that: they
    get their own "Clear dates" button, and a row of their own on narrow windows.
    """

    def __init__(
        self,
        statuses: Iterable[OrderStatus],
        read: Callable[[], FilterState],
        on_filter: Callable[[ListFilters], Awaitable[None]],
        on_dates: Callable[[date | None, date | None], Awaitable[None]],
        *,
        on_clear: Callable[[Any], Awaitable[None]] | None = None,
        date_tooltip: str | None = None,
        dates_apart: bool = False,
        attention: bool = False,
    ) -> None:
        """Create the controls (``attention`` adds the "Needs attention" chip); :meth:`paint` fills them.

        ``statuses`` are the Status menu's options; ``on_clear`` runs for "Clear filters" (by default
        ``on_filter`` with no filter).
        """
        self._read = read
        self._on_filter = on_filter
        self._on_dates = on_dates
        self.dates_apart = dates_apart
        self.status_filter = FilterMenu(
            "Status", [(ANY, "Any"), *((st.value, fmt.label(st.value)) for st in statuses)], self._on_pick
        )
        self.channel_filter = FilterMenu(
            "Channel", [(ANY, "Any"), *((c.value, fmt.label(c.value)) for c in Channel)], self._on_pick
        )
        self.carrier_filter = FilterMenu("Carrier", [(ANY, "Any")], self._on_pick)
        self.source_filter = FilterMenu("Source", [(ANY, "Any")], self._on_pick)
        self.picker = ft.DateRangePicker(
            first_date=datetime(2000, 1, 1),
            last_date=datetime.now() + timedelta(days=366),
            help_text="Orders placed between",
            save_text="Apply",
            on_change=self._on_dates_picked,
        )
        self.date_button = ft.OutlinedButton(
            "Date range", icon=ft.Icons.DATE_RANGE, tooltip=date_tooltip, on_click=self._open_picker
        )
        self.clear_dates_button = (
            ft.TextButton("Clear dates", icon=ft.Icons.CLOSE, on_click=self._on_clear_dates) if dates_apart else None
        )
        self.range_text = ft.Text(color=ft.Colors.ON_SURFACE_VARIANT, size=13)
        self.attention_chip = (
            ft.Chip(
                label=ft.Text("Needs attention"),
                leading=ft.Icon(ft.Icons.PRIORITY_HIGH, size=16),
                selected=read().filters.needs_attention,
                on_select=self._on_pick,
                tooltip="Only orders that need your attention",
            )
            if attention
            else None
        )
        self.clear_button = ft.TextButton(
            "Clear filters", icon=ft.Icons.FILTER_ALT_OFF_OUTLINED, on_click=on_clear or self._on_clear_filters
        )
        self.toggle = ft.TextButton("Filters", icon=ft.Icons.TUNE, visible=False, on_click=self._on_toggle)
        """The "Filters" button that opens and folds the filters on narrow windows (its screen places it)."""
        self.compact = False
        self.filters_open = True
        self._date_controls: list[ft.Control] = [
            self.date_button,
            *([self.clear_dates_button] if self.clear_dates_button is not None else []),
            self.range_text,
        ]
        self._menu_controls: list[ft.Control] = [
            self.status_filter.button,
            self.channel_filter.button,
            self.carrier_filter.button,
            self.source_filter.button,
            *([self.attention_chip] if self.attention_chip is not None else []),
            self.clear_button,
        ]
        self.dates_row = ft.Row(
            [],
            visible=False,
            spacing=8,
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
        """The dates on narrow windows when they do not fold away (empty and hidden otherwise)."""
        self.panel = ft.Row(
            [*self._date_controls, *self._menu_controls],
            spacing=8,
            run_spacing=8,
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
        """The foldable filters (with the dates, unless they have a row of their own)."""

    @property
    def rows(self) -> list[ft.Control]:
        """Return the rows to place under the search field, top to bottom."""
        return [self.dates_row, self.panel] if self.dates_apart else [self.panel]

    def set_compact(self, compact: bool) -> None:
        """Fold the filters behind "Filters" on narrow windows (open on wide ones or when set), then paint."""
        if compact != self.compact:
            self.compact = compact
            s = self._read()
            self.filters_open = not compact or s.filters.active or (not self.dates_apart and s.date_from is not None)
            if self.dates_apart:
                # wide: dates and filters share one row; narrow: dates stay visible, filters fold away
                if compact:
                    self.dates_row.controls = list(self._date_controls)
                    self.panel.controls = list(self._menu_controls)
                else:
                    self.dates_row.controls = []
                    self.panel.controls = [*self._date_controls, *self._menu_controls]
                self.dates_row.visible = compact
        self.paint()

    def paint(self) -> None:
        """Show the model's filters, options and dates (no page update)."""
        s = self._read()
        f = s.filters
        carriers = list(s.carriers)
        if f.carrier and f.carrier not in carriers:
            carriers.append(f.carrier)
        self.carrier_filter.set_options([(ANY, "Any"), *((c, fmt.carrier_name(c)) for c in carriers)])
        sources = list(s.sources)
        if f.source and f.source not in sources:
            sources.append(f.source)
        self.source_filter.set_options([(ANY, "Any"), *((name, name) for name in sources)])
        self.status_filter.select(f.status.value if f.status else ANY)
        self.channel_filter.select(f.channel.value if f.channel else ANY)
        self.carrier_filter.select(f.carrier or ANY)
        self.source_filter.select(f.source or ANY)
        if self.attention_chip is not None:
            self.attention_chip.selected = f.needs_attention
        has_dates = s.date_from is not None or s.date_to is not None
        self.range_text.value = fmt.date_range(s.date_from, s.date_to) if has_dates else ""
        self.range_text.visible = has_dates
        if self.clear_dates_button is not None:
            self.clear_dates_button.visible = has_dates
        self.clear_button.visible = s.clearable
        shown = (f.status, f.channel, f.carrier, f.source, self.attention_chip is not None and f.needs_attention)
        active = sum(1 for v in shown if v) + int(not self.dates_apart and has_dates)
        self.toggle.content = f"Filters ({active})" if active else "Filters"
        self.toggle.visible = self.compact
        self.panel.visible = self.filters_open or not self.compact

    # ------------------------------------------------------------------ events

    def _on_toggle(self, _: Any) -> None:
        self.filters_open = not self.filters_open
        self.paint()

    async def _on_pick(self, _: Any = None) -> None:
        def pick(menu: FilterMenu) -> str | None:
            return menu.value if menu.value != ANY else None

        status, channel = pick(self.status_filter), pick(self.channel_filter)
        await self._on_filter(
            ListFilters(
                status=OrderStatus(status) if status else None,
                channel=Channel(channel) if channel else None,
                carrier=pick(self.carrier_filter),
                source=pick(self.source_filter),
                needs_attention=bool(self.attention_chip is not None and self.attention_chip.selected),
            )
        )

    def _open_picker(self, e: ft.Event[ft.OutlinedButton]) -> None:
        s = self._read()
        self.picker.start_value = datetime.combine(s.date_from, time()) if s.date_from else None
        self.picker.end_value = datetime.combine(s.date_to, time()) if s.date_to else None
        e.page.show_dialog(self.picker)

    async def _on_dates_picked(self, _: Any) -> None:
        start, end = fmt.as_date(self.picker.start_value), fmt.as_date(self.picker.end_value)
        if start is None and end is None:
            return
        await self._on_dates(start, end or start)

    async def _on_clear_dates(self, _: Any) -> None:
        await self._on_dates(None, None)

    async def _on_clear_filters(self, _: Any) -> None:
        await self._on_filter(ListFilters())


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
