"""The Orders screen's state: search, dates, filters, sort, the loaded rows and the filter choices."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date

from services.domain import ListFilters, OrderFilter, OrderSummary, SortOrder
from services.storage import usage as usage_kinds

from .observable import Latest, ScreenState, Status, list_filter, off_loop, reason
from .ports import OrdersGateway
from .sources import source_infos
from .usage import UsageState

log = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Rows fetched per page of the orders list."""

SEARCH_SETTLE = 1.5
"""Seconds a search text must stay unchanged, its result shown, before it counts as one search."""


class OrdersState(ScreenState):
    """The live orders list. On a read error the rows already shown stay, marked by ``list_error``."""

    def __init__(
        self,
        status: Status,
        gateway: OrdersGateway,
        usage: UsageState,
        *,
        page_size: int = PAGE_SIZE,
        search_settle: float = SEARCH_SETTLE,
    ) -> None:
        """Start empty; :meth:`load` reads the first page."""
        super().__init__(status)
        self._gateway = gateway
        self._usage = usage
        self._page_size = page_size
        self._latest = Latest()
        self._effective_filter = OrderFilter()
        self.query = ""
        self.date_from: date | None = None
        self.date_to: date | None = None
        self.filters = ListFilters()
        self.sort = SortOrder.NEWEST
        self.summaries: list[OrderSummary] = []
        self.total = 0
        self.cache_total = 0
        self.history_matches = 0
        """How many orders matching the current filters are in History (not in the live list)."""
        self.list_error: str | None = None
        self.carrier_choices: list[str] = []
        self.source_choices: list[str] = []
        self._session_counted = False
        self._search_settle = search_settle
        self._search_timer: asyncio.TimerHandle | None = None
        self._search_listed: str | None = None  # the search text whose list result is showing
        self._search_counted: str | None = None

    @property
    def has_more(self) -> bool:
        """Tell whether more rows match than are loaded."""
        return len(self.summaries) < self.total

    @property
    def filtered(self) -> bool:
        """Tell whether a search text, date range or list filter is active."""
        return bool(self.query.strip()) or self.date_from is not None or self.date_to is not None or self.filters.active

    def current_filter(self) -> OrderFilter:
        """Return the cache filter for search text, date range (local days, inclusive) and list filters."""
        return list_filter(
            self.filters,
            self.date_from,
            self.date_to,
            self.tz,
            number_prefix=self.query.strip() or None,
            needs_attention=self.filters.needs_attention,
            archived=False,  # the Orders screen lists live orders; finished old ones are in History
        )

    # ------------------------------------------------------------------ actions

    async def load(self) -> None:
        """Read the first page (or as many rows as are showing) from the cache."""
        if not self._session_counted:
            self._session_counted = True
            self._usage.record(usage_kinds.SESSION_STARTED)
        await self.query_list(self.showing)

    @property
    def showing(self) -> int:
        """Return how many rows a re-read fetches: a page, or as many as are showing."""
        return max(self._page_size, len(self.summaries))

    async def reload(self) -> None:
        """Re-read the list from the cache."""
        await self.query_list(self.showing)

    async def load_choices(self) -> None:
        """Read what the carrier and source filters offer."""
        g = self._gateway
        try:
            carriers, sources = await off_loop(lambda: (g.carriers(), source_infos(g.source_configs(), [])))
        except Exception:
            log.exception("reading filter choices failed")
            return
        self.carrier_choices = carriers
        self.source_choices = sorted({s.name for s in sources} | set(self.source_choices))
        self.notify()

    async def set_filters(self, filters: ListFilters) -> None:
        """Filter the orders list and reload its first page."""
        if filters == self.filters:
            return
        self.filters = filters
        await self.query_list(self._page_size)

    async def set_sort(self, sort: SortOrder) -> None:
        """Sort the orders list and reload its first page."""
        if sort is self.sort:
            return
        self.sort = sort
        await self.query_list(self._page_size)

    async def set_dates(self, start: date | None, end: date | None) -> None:
        """Filter by placed date (inclusive local days) and reload the first page."""
        if start is not None and end is not None and end < start:
            start, end = end, start
        if (start, end) == (self.date_from, self.date_to):
            return
        self.date_from, self.date_to = start, end
        await self.query_list(self._page_size)

    async def search(self, text: str) -> None:
        """Filter by order-number prefix and reload the first page.

        A search counts (self-service figures) once its text stayed unchanged for
        :data:`SEARCH_SETTLE` seconds with its result shown, or at once when the same text comes
        again (Enter): typing is not counted keystroke by keystroke.
        """
        if text == self.query:
            self._count_search(text)
            return
        self._cancel_search_count()
        self.query = text
        self._search_counted = None
        await self.query_list(self._page_size)
        if text == self.query and self.list_error is None:
            self._search_listed = text
            if text.strip():
                self._search_timer = asyncio.get_running_loop().call_later(
                    self._search_settle, self._count_search, text
                )

    async def load_more(self) -> None:
        """Append the next page of rows."""
        if not self.has_more:
            return
        ticket = self._latest.peek()
        offset = len(self.summaries)
        try:
            rows = await off_loop(
                self._gateway.list_summaries,
                self._effective_filter,
                limit=self._page_size,
                offset=offset,
                newest_first=self.sort is SortOrder.NEWEST,
            )
        except Exception as err:
            log.exception("reading more orders failed")
            if self._latest.is_current(ticket):
                self.list_error = reason(err)
                self.notify()
            return
        if not self._latest.is_current(ticket) or offset != len(self.summaries):
            return
        known = {s.order_number for s in self.summaries}
        self.summaries = self.summaries + [s for s in rows if s.order_number not in known]
        if not rows:  # the cache shrank under us: stop offering more
            self.total = len(self.summaries)
        self.notify()

    # ------------------------------------------------------------------ reads

    async def query_list(self, limit: int, *, notify: bool = True) -> None:
        """Read the first ``limit`` rows; on failure keep the rows shown and say why in ``list_error``."""
        ticket = self._latest.begin()
        flt = self.current_filter()
        try:
            flt, rows, total, cache_total, in_history = await off_loop(self._read_list, flt, limit, self.filtered)
        except Exception as err:
            log.exception("reading orders failed")
            if self._latest.is_current(ticket):
                self.list_error = reason(err)
                if notify:
                    self.notify()
            return
        if not self._latest.is_current(ticket):
            return  # a newer query is on its way
        self._effective_filter = flt
        self.summaries, self.total, self.cache_total = rows, total, cache_total
        self.history_matches = in_history
        self.list_error = None
        if notify:
            self.notify()

    def _read_list(
        self, flt: OrderFilter, limit: int, filtered: bool
    ) -> tuple[OrderFilter, list[OrderSummary], int, int, int]:
        g = self._gateway
        total = g.count(flt)
        prefix = flt.number_prefix
        if total == 0 and prefix and prefix.upper() != prefix:
            # order numbers are matched as a prefix, exactly; forgive a lower-case "w-10" for "W-10…"
            upper = replace(flt, number_prefix=prefix.upper())
            upper_total = g.count(upper)
            if upper_total:
                flt, total = upper, upper_total
        rows = g.list_summaries(flt, limit=limit, offset=0, newest_first=self.sort is SortOrder.NEWEST)
        cache_total = g.count(OrderFilter(archived=False)) if filtered and total == 0 else total
        in_history = g.count(replace(flt, archived=True))
        return flt, rows, max(total, len(rows)), cache_total, in_history

    # ------------------------------------------------------------------ search figures

    def _cancel_search_count(self) -> None:
        if self._search_timer is not None:
            self._search_timer.cancel()
            self._search_timer = None

    def _count_search(self, text: str) -> None:
        """Record one search of ``text`` if its result is showing and it was not counted yet."""
        self._cancel_search_count()
        if not text.strip() or text != self.query or text != self._search_listed or text == self._search_counted:
            return
        self._search_counted = text
        found = self.total > 0 or self.history_matches > 0  # "N more in History" is a result too
        self._usage.record(usage_kinds.SEARCH, detail=usage_kinds.SEARCH_FOUND if found else usage_kinds.SEARCH_NONE)
