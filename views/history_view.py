"""The History screen: archived orders (delivered, cancelled, returned), their search, and exports.

"Export PDF / CSV / JSON" builds the file off the UI loop with a progress bar and a Cancel button,
then hands it to ``FilePicker.save_file`` (a browser download on the web, a save dialog on desktop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

import flet as ft

from services.domain import HISTORY_STATUSES, ExportFile, ExportJob, ListFilters, OrderSummary
from views import formatting as fmt
from views import widgets
from views.base import ScreenModel
from views.filter_bar import FilterBar, FilterState

log = logging.getLogger(__name__)

EXPORTS = (
    ("pdf", "Export PDF", ft.Icons.PICTURE_AS_PDF),
    ("csv", "Export CSV", ft.Icons.TABLE_VIEW),
    ("json", "Export JSON", ft.Icons.DATA_OBJECT),
)
_PHASES = {"orders": "Reading orders", "layout": "Laying out pages"}


class HistoryModel(ScreenModel, Protocol):
    """Archived orders (History), their search, and the History exports."""

    @property
    def history(self) -> Sequence[OrderSummary]:
        """Return the archived orders shown, newest first."""
        ...

    @property
    def history_total(self) -> int:
        """Return how many archived orders match the search."""
        ...

    @property
    def history_query(self) -> str:
        """Return the History search text (an order-number prefix)."""
        ...

    @property
    def history_query_set(self) -> int:
        """Return a counter that moves when the History search was set from outside its field."""
        ...

    @property
    def history_loaded(self) -> bool:
        """Tell whether History was read at least once."""
        ...

    @property
    def history_error(self) -> str | None:
        """Return why History could not be read, if it could not."""
        ...

    @property
    def export_job(self) -> ExportJob | None:
        """Return the running (or last) export."""
        ...

    async def load_history(self) -> None:
        """Read the archived orders matching the search."""
        ...

    @property
    def history_filters(self) -> ListFilters:
        """Return the History filters (status, channel, carrier, source)."""
        ...

    @property
    def history_date_from(self) -> date | None:
        """Return the first day of the History date filter (inclusive)."""
        ...

    @property
    def history_date_to(self) -> date | None:
        """Return the last day of the History date filter (inclusive)."""
        ...

    @property
    def history_carriers(self) -> Sequence[str]:
        """Return the carriers archived orders have (the carrier filter's options)."""
        ...

    @property
    def history_sources(self) -> Sequence[str]:
        """Return the sources archived orders come from (the source filter's options)."""
        ...

    @property
    def history_filtered(self) -> bool:
        """Tell whether any History search, date or filter is set."""
        ...

    @property
    def history_after_days(self) -> int | None:
        """Return the days before finished orders move to History (None until read)."""
        ...

    async def search_history(self, text: str) -> None:
        """Filter History by text: order number, merchant, customer, items or tracking number."""
        ...

    async def set_history_filters(self, filters: ListFilters) -> None:
        """Filter History by status, channel, carrier and source."""
        ...

    async def set_history_dates(self, start: date | None, end: date | None) -> None:
        """Filter History by placed date (inclusive days)."""
        ...

    async def clear_history_filters(self) -> None:
        """Drop every History search, date and filter."""
        ...

    async def export_history(self, fmt: str) -> ExportFile | None:
        """Build the ``fmt`` export of History off the UI loop; None when cancelled or failed."""
        ...

    def cancel_export(self) -> None:
        """Ask the running export to stop."""
        ...


class HistoryScreen:
    """Builds and repaints the History body from a :class:`HistoryModel`; owns the file picker."""

    def __init__(
        self,
        model: HistoryModel,
        *,
        on_open: Callable[[str], None],
        is_dark: Callable[[], bool] | None = None,
    ) -> None:
        """Create the body; :meth:`refresh` fills it from the model."""
        self.model = model
        self._on_open = on_open
        self._is_dark = is_dark or (lambda: False)
        self.picker: ft.FilePicker | None = None
        self._query_shown = model.history_query_set
        self.search = ft.TextField(
            label="Search history",
            hint_text="Order number, merchant, item or customer",
            prefix_icon=ft.Icons.SEARCH,
            dense=True,
            value=model.history_query,
            on_change=self._on_search,
            on_submit=self._on_search,
            expand=True,
        )
        self.filter_bar = FilterBar(
            HISTORY_STATUSES,
            self._filter_state,
            model.set_history_filters,
            model.set_history_dates,
            on_clear=self._on_clear_filters,
            date_tooltip="Filter History by date placed",
        )
        self.export_buttons = [
            ft.OutlinedButton(text, icon=icon, tooltip=text, on_click=self._export_handler(key))
            for key, text, icon in EXPORTS
        ]
        self.progress = ft.ProgressBar(semantics_label="Export progress", expand=True)
        self.progress_text = ft.Text("", color=ft.Colors.ON_SURFACE_VARIANT)
        self.cancel_button = ft.TextButton(
            "Cancel", icon=ft.Icons.CLOSE, tooltip="Cancel export", on_click=self._on_cancel
        )
        self.progress_row = ft.Column(
            [self.progress_text, ft.Row([self.progress, self.cancel_button], spacing=8)],
            spacing=4,
            visible=False,
        )
        self.status = ft.Text("", visible=False)
        self.count = ft.Text("", color=ft.Colors.ON_SURFACE_VARIANT)
        self.list = ft.ListView(expand=True, spacing=0, padding=ft.Padding.only(bottom=16))
        self.body = ft.Container(expand=True)
        self.root = ft.Column(
            [
                ft.Row([self.search, self.filter_bar.toggle], spacing=8),
                *self.filter_bar.rows,
                ft.Row(list[ft.Control](self.export_buttons), spacing=8, wrap=True, run_spacing=8),
                self.progress_row,
                self.status,
                self.count,
                self.body,
            ],
            spacing=8,
            expand=True,
        )

    def refresh(self) -> None:
        """Repaint the list, the filters and the export state from the model."""
        self._paint_export()
        self.filter_bar.paint()
        m = self.model
        if self._query_shown != m.history_query_set:  # set from outside the field: show it
            self._query_shown = m.history_query_set
            self.search.value = m.history_query
        if m.history_error and not m.history:
            self.count.value = ""
            self.body.content = widgets.error_state("Could not read your history", m.history_error, self._on_retry)
            return
        if not m.history_loaded:
            self.count.value = ""
            self.body.content = widgets.loading_state("Loading history", "Reading past orders…")
            return
        if not m.history:
            self.count.value = ""
            query = m.history_query.strip()
            if m.history_filtered:
                self.body.content = widgets.empty_state(
                    ft.Icons.SEARCH_OFF,
                    "No matching past orders",
                    f"No order in your history matches “{query}”." if query and not self._filters_set()
                    else "No order in your history matches this search and these filters.",
                    "Clear filters",
                    self._on_clear_filters,
                )
            else:
                days = m.history_after_days
                when = f"{days:,} day{'s' if days != 1 else ''}" if days is not None else "some time"
                self.body.content = widgets.empty_state(
                    ft.Icons.HISTORY,
                    "No past orders yet",
                    f"Delivered, cancelled and returned orders move here {when} after their last update. "
                    "Change the delay in Settings.",
                )
            return
        shown, total = len(m.history), m.history_total
        self.count.value = f"{fmt.count_orders(total)} in history" + (
            f" · showing the newest {shown:,}" if shown < total else ""
        )
        self.list.controls = [self._tile(s) for s in m.history]
        self.body.content = self.list

    def _filters_set(self) -> bool:
        m = self.model
        return m.history_filters.active or m.history_date_from is not None or m.history_date_to is not None

    def _filter_state(self) -> FilterState:
        m = self.model
        return FilterState(
            filters=m.history_filters,
            carriers=m.history_carriers,
            sources=m.history_sources,
            date_from=m.history_date_from,
            date_to=m.history_date_to,
            clearable=m.history_filtered,
        )

    def set_compact(self, compact: bool) -> None:
        """Fold the filters behind a "Filters" button on narrow windows (open on wide ones or when set)."""
        self.filter_bar.set_compact(compact)

    def _paint_export(self) -> None:
        job = self.model.export_job
        running = job is not None and job.running
        for b in self.export_buttons:
            b.disabled = running or not self.model.history
        self.progress_row.visible = running
        if job is not None and running:
            self.progress.value = job.fraction
            label = _PHASES.get(job.phase, "Exporting")
            self.progress_text.value = f"Exporting {job.fmt.upper()}… {label}" + (
                f" {job.done:,} of {job.total:,}" if job.total else ""
            )
            self.status.visible = False
            return
        self.status.visible = job is not None
        if job is None:
            return
        if job.cancelled:
            self.status.value, self.status.color = "Export cancelled.", ft.Colors.ON_SURFACE_VARIANT
        elif job.error:
            self.status.value, self.status.color = f"Export failed: {job.error}", ft.Colors.ERROR
        else:
            self.status.value, self.status.color = f"Exported {job.file_name}.", ft.Colors.ON_SURFACE_VARIANT

    def _tile(self, s: OrderSummary) -> ft.ListTile:
        return widgets.order_tile(
            s,
            key=f"history:{s.order_number}",
            leading=ft.Icon(ft.Icons.INVENTORY_2_OUTLINED, color=ft.Colors.ON_SURFACE_VARIANT),
            status=s.status.value,
            tz=self.model.tz,
            dark=self._is_dark(),
            on_open=self._on_open,
        )

    # ------------------------------------------------------------------ events

    def _export_handler(self, key: str) -> Callable[[Any], Any]:
        async def handler(_: Any) -> None:
            await self.export(key)

        return handler

    async def export(self, key: str) -> None:
        """Build the ``key`` export, then save it (download on the web, save dialog on desktop)."""
        result = await self.model.export_history(key)
        if result is None:
            return
        if self.picker is None:
            self.picker = ft.FilePicker()  # a service: kept on self so it is not collected
        try:
            await self.picker.save_file(
                dialog_title=f"Save {key.upper()} export",
                file_name=result.file_name,
                src_bytes=result.data,
            )
        except Exception as err:  # the save dialog is unavailable (e.g. no zenity on Linux)
            log.warning("could not save the %s export: %s", key, err, exc_info=True)
            self.status.value, self.status.color = f"Could not save the file: {err}", ft.Colors.ERROR
            self.status.visible = True

    async def _on_clear_filters(self, _: Any) -> None:
        self.search.value = ""
        await self.model.clear_history_filters()

    def _on_cancel(self, _: Any) -> None:
        self.model.cancel_export()

    async def _on_search(self, e: Any) -> None:
        await self.model.search_history(self.search.value or "")

    async def _on_retry(self, _: Any) -> None:
        await self.model.load_history()
