"""The History screen's state: archived orders, their search and filters, and the exports."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from services.domain import (
    HISTORY_STATUSES,
    ExportFile,
    ExportJob,
    ListFilters,
    OrderFilter,
    OrderSummary,
    ValidationError,
)
from services.storage import usage as usage_kinds

from .observable import Latest, ScreenState, Status, list_filter, off_loop, reason
from .ports import ArchivePort
from .usage import UsageState

log = logging.getLogger(__name__)

HISTORY_LIMIT = 200
"""Most archived orders the History screen lists at once (the search narrows them down)."""

EXPORT_FORMATS = ("pdf", "csv", "json")
"""The History export formats."""


class HistoryState(ScreenState):
    """Archived orders. On a read error the rows already shown stay, marked by ``history_error``."""

    def __init__(
        self,
        status: Status,
        archive: ArchivePort | None,
        usage: UsageState,
        *,
        history_after_days: Callable[[], int | None] = lambda: None,
    ) -> None:
        """Start unread; ``history_after_days`` tells the History delay (Settings reads it)."""
        super().__init__(status)
        self._archive = archive
        self._usage = usage
        self._after_days = history_after_days
        self._latest = Latest()
        self._export_cancel: threading.Event | None = None
        self.history: list[OrderSummary] = []
        self.history_total = 0
        self.history_query = ""
        self.history_query_set = 0
        """Counts the History searches set from outside its field ("Show in History", clear), which the
        field must show; typed ones are the field's own and are never written back (keys typed meanwhile)."""
        self.history_filters = ListFilters()
        self.history_date_from: date | None = None
        self.history_date_to: date | None = None
        self.history_carriers: list[str] = []
        self.history_sources: list[str] = []
        self.history_loaded = False
        self.history_error: str | None = None
        self.export_job: ExportJob | None = None

    @property
    def history_after_days(self) -> int | None:
        """Return the days before finished orders move to History (None until read)."""
        return self._after_days()

    @property
    def history_filtered(self) -> bool:
        """Tell whether any History search, date or filter is set."""
        return bool(self.history_query.strip()) or self.history_date_from is not None or self.history_filters.active

    def history_filter(self) -> OrderFilter:
        """Return the cache filter of the History screen: search text, dates (local days) and filters."""
        return list_filter(
            self.history_filters,
            self.history_date_from,
            self.history_date_to,
            self.tz,
            text=self.history_query.strip() or None,
            archived=True,
        )

    async def load_history(self) -> None:
        """Read the archived orders matching the History search (off the UI loop)."""
        ticket = self._latest.begin()
        archive = self._archive
        if archive is None:
            self.history_loaded = True
            self.notify()
            return
        flt = self.history_filter()
        try:
            rows, total = await off_loop(archive.history, flt, HISTORY_LIMIT)
            carriers, sources = await off_loop(archive.history_choices)
        except Exception as err:
            log.exception("reading History failed")
            if self._latest.is_current(ticket):
                self.history_error = reason(err)
                self.history_loaded = True
                self.notify()
            return
        if not self._latest.is_current(ticket):
            return
        self.history, self.history_total, self.history_error = rows, total, None
        self.history_carriers, self.history_sources = carriers, sources
        self.history_loaded = True
        self.notify()

    async def search_history(self, text: str) -> None:
        """Filter History by text: order number, merchant, customer, items or tracking number."""
        if text == self.history_query and self.history_loaded:
            return
        self.history_query = text
        await self.load_history()

    async def set_history_filters(self, filters: ListFilters) -> None:
        """Filter History by status, channel, carrier and source."""
        if filters == self.history_filters and self.history_loaded:
            return
        self.history_filters = filters
        await self.load_history()

    async def set_history_dates(self, start: date | None, end: date | None) -> None:
        """Filter History by placed date (inclusive local days; None: open)."""
        if start is not None and end is not None and end < start:
            start, end = end, start
        self.history_date_from, self.history_date_to = start, end
        await self.load_history()

    async def show_like(self, query: str, filters: ListFilters, start: date | None, end: date | None) -> None:
        """Take another screen's search, dates and filters (the Orders screen's "N more in History")."""
        status = filters.status if filters.status in HISTORY_STATUSES else None
        self.history_query = query.strip()
        self.history_query_set += 1
        self.history_filters = ListFilters(
            status=status, channel=filters.channel, carrier=filters.carrier, source=filters.source
        )
        self.history_date_from, self.history_date_to = start, end
        await self.load_history()

    async def clear_history_filters(self) -> None:
        """Drop every History search, date and filter."""
        self.history_query, self.history_filters = "", ListFilters()
        self.history_query_set += 1
        self.history_date_from = self.history_date_to = None
        await self.load_history()

    async def export_history(self, fmt: str) -> ExportFile | None:
        """Build the ``fmt`` export of History on a worker thread; None when cancelled or failed."""
        if fmt not in EXPORT_FORMATS:
            raise ValidationError(f"unknown export format {fmt!r}")
        archive = self._archive
        if archive is None or (self.export_job is not None and self.export_job.running):
            return None
        loop = asyncio.get_running_loop()
        cancel = threading.Event()
        self._export_cancel = cancel
        self.export_job = ExportJob(fmt=fmt)
        self.notify()

        def progress_on_loop(phase: str, done: int, total: int) -> None:
            job = self.export_job
            if job is None or not job.running or cancel.is_set() or self._export_cancel is not cancel:
                return
            self.export_job = replace(job, phase=phase, done=done, total=total)
            self.notify()

        def progress(phase: str, done: int, total: int) -> None:  # on the exporting thread
            loop.call_soon_threadsafe(progress_on_loop, phase, done, total)

        try:
            result = await off_loop(archive.export, fmt, self.history_filter(), progress, cancel)
        except Exception as err:
            if cancel.is_set():
                self.export_job = ExportJob(fmt=fmt, running=False, cancelled=True)
            else:
                log.exception("the %s export failed", fmt)
                self.export_job = ExportJob(fmt=fmt, running=False, error=reason(err))
            self.notify()
            return None
        finally:
            if self._export_cancel is cancel:
                self._export_cancel = None
        if cancel.is_set():
            self.export_job = ExportJob(fmt=fmt, running=False, cancelled=True)
            self.notify()
            return None
        self.export_job = ExportJob(fmt=fmt, running=False, file_name=result.file_name)
        self._usage.record(usage_kinds.EXPORT, detail=fmt)
        self.notify()
        return result

    def cancel_export(self) -> None:
        """Ask the running export to stop (it ends at its next progress step)."""
        if self._export_cancel is not None:
            self._export_cancel.set()
