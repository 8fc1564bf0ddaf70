"""Observable app state: one :class:`AppState` per browser session, one :class:`SyncHub` per process.

How a background change reaches every open window::

    SyncLoop thread ── container.sync_once() ──▶ SyncHub.finished(reports)
                                                    │ (thread-safe fan-out)
                          per session: page.run_task(state.apply_sync, event)
                                                    │ (on the UI loop)
         AppState re-queries the cache through its OrdersGateway ──▶ listeners (views) repaint + update()

Views never see the store: they read :class:`AppState` (which satisfies
``views.model.OrdersUiModel``) and call its actions.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol, TypeVar

from services.domain import (
    ChangeSet,
    Order,
    OrderFilter,
    OrderSummary,
    SyncState,
    TimelineEntry,
    unified_timeline,
    utc_now,
)
from views.model import Aspect, Listener, SyncInfo, SyncPhase, ThemeChoice

log = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Rows fetched per page of the orders list."""

T = TypeVar("T")


# --------------------------------------------------------------------------- ports


class OrdersGateway(Protocol):
    """The cache queries the UI needs (a port over ``services.storage.Store``)."""

    def list_summaries(self, flt: OrderFilter, *, limit: int, offset: int) -> list[OrderSummary]:
        """Return one page of order rows, newest first."""
        ...

    def count(self, flt: OrderFilter) -> int:
        """Return how many orders match."""
        ...

    def get(self, order_number: str) -> Order | None:
        """Return one full order."""
        ...

    def last_synced_at(self) -> datetime | None:
        """Return when the cache last received data."""
        ...

    def sync_states(self) -> list[SyncState]:
        """Return every source's sync bookkeeping."""
        ...


class _OrderRepo(Protocol):
    def list_summaries(
        self, flt: OrderFilter, *, limit: int = ..., offset: int = ..., newest_first: bool = ...
    ) -> list[OrderSummary]:
        """Return one page of order rows."""
        ...

    def count(self, flt: OrderFilter) -> int:
        """Return how many orders match."""
        ...

    def get(self, order_number: str) -> Order | None:
        """Return one full order."""
        ...

    def last_synced_at(self) -> datetime | None:
        """Return when the cache last received data."""
        ...


class _SyncStateRepo(Protocol):
    def all(self) -> list[SyncState]:
        """Return every source's sync bookkeeping."""
        ...


class StoreLike(Protocol):
    """The part of ``services.storage.Store`` the gateway reads."""

    @property
    def orders(self) -> _OrderRepo:
        """Return the orders repository."""
        ...

    @property
    def sync_state(self) -> _SyncStateRepo:
        """Return the sync-state repository."""
        ...


class StoreGateway:
    """:class:`OrdersGateway` over the real cache."""

    def __init__(self, store: StoreLike) -> None:
        """Wrap ``store``."""
        self._store = store

    def list_summaries(self, flt: OrderFilter, *, limit: int, offset: int) -> list[OrderSummary]:
        """Return one page of order rows, newest first."""
        return self._store.orders.list_summaries(flt, limit=limit, offset=offset, newest_first=True)

    def count(self, flt: OrderFilter) -> int:
        """Return how many orders match."""
        return self._store.orders.count(flt)

    def get(self, order_number: str) -> Order | None:
        """Return one full order."""
        return self._store.orders.get(order_number)

    def last_synced_at(self) -> datetime | None:
        """Return when the cache last received data."""
        return self._store.orders.last_synced_at()

    def sync_states(self) -> list[SyncState]:
        """Return every source's sync bookkeeping."""
        return self._store.sync_state.all()


class ReportLike(Protocol):
    """What the hub reads from a ``services.sync.SyncReport``."""

    @property
    def source(self) -> str:
        """Return the source name."""
        ...

    @property
    def changes(self) -> ChangeSet:
        """Return what the sync wrote."""
        ...

    @property
    def error(self) -> str | None:
        """Return why the sync failed, if it did."""
        ...

    @property
    def finished_at(self) -> datetime | None:
        """Return when the sync ended."""
        ...


# --------------------------------------------------------------------------- process level


@dataclass(frozen=True, slots=True)
class SyncEvent:
    """What one sync pass (or its start) tells the sessions."""

    info: SyncInfo
    changes: ChangeSet = field(default_factory=ChangeSet)

    @property
    def order_numbers(self) -> frozenset[str]:
        """Return every order number the pass touched."""
        c = self.changes
        return frozenset((*c.new_orders, *c.changed_orders, *(e.order_number for e in c.new_events)))


SyncListener = Callable[[SyncEvent], None]


class SyncHub:
    """Process-wide sync status and the fan-out of sync results to every session (thread-safe)."""

    def __init__(
        self,
        initial: SyncInfo,
        *,
        stale_after: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Start from what the cache already knows (see :func:`initial_sync_info`)."""
        self._lock = threading.Lock()
        self._listeners: list[SyncListener] = []
        self._info = initial
        self._stale_after = stale_after
        self._clock = clock
        self.wake = threading.Event()
        """Set to make the sync loop run now instead of waiting out its interval."""

    @property
    def info(self) -> SyncInfo:
        """Return the current status (``up to date`` turns ``stale`` once too old)."""
        with self._lock:
            info = self._info
        if (
            info.phase is SyncPhase.UP_TO_DATE
            and info.last_synced_at is not None
            and self._clock() - info.last_synced_at > self._stale_after
        ):
            return replace(info, phase=SyncPhase.STALE, stale_since=info.last_synced_at)
        return info

    def subscribe(self, listener: SyncListener) -> Callable[[], None]:
        """Register a session's listener; return the function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    @property
    def listener_count(self) -> int:
        """Return how many sessions listen."""
        with self._lock:
            return len(self._listeners)

    def request(self) -> None:
        """Ask the sync loop to run now."""
        self.wake.set()

    def started(self) -> None:
        """Record that a sync pass began."""
        with self._lock:
            self._info = replace(self._info, phase=SyncPhase.SYNCING)
        self._emit(SyncEvent(self.info))

    def finished(self, reports: Sequence[ReportLike]) -> None:
        """Record a finished pass and tell every session what changed."""
        errors = [f"{r.source}: {r.error}" if len(reports) > 1 else r.error for r in reports if r.error]
        ok = [r for r in reports if not r.error]
        changes = ChangeSet()
        for r in reports:
            changes = changes + r.changes
        with self._lock:
            info = self._info
            if ok:
                done = max((r.finished_at for r in ok if r.finished_at is not None), default=None) or self._clock()
                info = replace(info, last_synced_at=done)
            if errors:
                info = replace(info, phase=SyncPhase.FAILING, error="; ".join(e for e in errors if e))
            else:
                info = replace(info, phase=SyncPhase.UP_TO_DATE, error=None, stale_since=None)
            self._info = info
        self._emit(SyncEvent(self.info, changes))

    def failed(self, reason: str) -> None:
        """Record a pass that could not run at all (e.g. a configuration problem)."""
        with self._lock:
            self._info = replace(self._info, phase=SyncPhase.FAILING, error=reason)
        self._emit(SyncEvent(self.info))

    def _emit(self, event: SyncEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a closed session must not stop the others
                log.warning("sync listener failed; dropping it", exc_info=True)
                with self._lock:
                    if listener in self._listeners:
                        self._listeners.remove(listener)


# --------------------------------------------------------------------------- per session


class AppState:
    """The state of one session: filter, loaded rows, open order, sync status, theme.

    Every mutator runs on the UI loop; cache reads go to a worker thread and a generation counter
    drops answers that a newer query has overtaken (fast typing in the search box).
    """

    def __init__(
        self,
        gateway: OrdersGateway,
        *,
        sync: SyncInfo | None = None,
        data_location: str = "",
        theme: ThemeChoice = ThemeChoice.SYSTEM,
        tz: tzinfo | None = None,
        request_sync: Callable[[], None] | None = None,
        on_theme: Callable[[ThemeChoice], None] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """Create empty state; :meth:`load` reads the first page."""
        self._gateway = gateway
        self._listeners: list[Listener] = []
        self._request_sync = request_sync
        self._on_theme = on_theme
        self._page_size = page_size
        self._list_gen = 0
        self._order_gen = 0
        self._effective_filter = OrderFilter()
        self.query = ""
        self.date_from: date | None = None
        self.date_to: date | None = None
        self.summaries: list[OrderSummary] = []
        self.total = 0
        self.cache_total = 0
        self.list_error: str | None = None
        self.order: Order | None = None
        self.order_number: str | None = None
        self.timeline: list[TimelineEntry] = []
        self.sync = sync or SyncInfo()
        self.theme = theme
        self.data_location = data_location
        self.tz = tz

    # ------------------------------------------------------------------ observing

    @property
    def has_more(self) -> bool:
        """Tell whether more rows match than are loaded."""
        return len(self.summaries) < self.total

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; return the function that removes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, *aspects: Aspect) -> None:
        changed = frozenset(aspects)
        for listener in list(self._listeners):
            try:
                listener(changed)
            except Exception:
                log.exception("state listener failed")

    # ------------------------------------------------------------------ filter

    def current_filter(self) -> OrderFilter:
        """Return the cache filter for the search text and date range (local days, inclusive)."""
        prefix = self.query.strip() or None
        start = _local_bound(self.date_from, time.min, self.tz) if self.date_from else None
        end = _local_bound(self.date_to, time.max, self.tz) if self.date_to else None
        return OrderFilter(number_prefix=prefix, placed_from=start, placed_to=end)

    @property
    def filtered(self) -> bool:
        """Tell whether a search text or date range is active."""
        return bool(self.query.strip()) or self.date_from is not None or self.date_to is not None

    # ------------------------------------------------------------------ actions

    async def load(self) -> None:
        """Read the first page (or as many rows as are showing) from the cache."""
        await self._query_list(max(self._page_size, len(self.summaries)))

    async def reload(self) -> None:
        """Re-read the list (and the open order) from the cache."""
        await self._query_list(max(self._page_size, len(self.summaries)))
        if self.order_number is not None:
            await self._read_order(self.order_number)

    async def search(self, text: str) -> None:
        """Filter by order-number prefix and reload the first page."""
        if text == self.query:
            return
        self.query = text
        await self._query_list(self._page_size)

    async def set_dates(self, start: date | None, end: date | None) -> None:
        """Filter by placed date (inclusive local days) and reload the first page."""
        if start is not None and end is not None and end < start:
            start, end = end, start
        if (start, end) == (self.date_from, self.date_to):
            return
        self.date_from, self.date_to = start, end
        await self._query_list(self._page_size)

    async def load_more(self) -> None:
        """Append the next page of rows."""
        if not self.has_more:
            return
        gen = self._list_gen
        flt = self._effective_filter
        offset = len(self.summaries)
        try:
            rows = await self._off_loop(self._gateway.list_summaries, flt, limit=self._page_size, offset=offset)
        except Exception as err:
            log.exception("reading more orders failed")
            if gen == self._list_gen:
                self.list_error = _reason(err)
                self._notify(Aspect.LIST)
            return
        if gen != self._list_gen or offset != len(self.summaries):
            return
        known = {s.order_number for s in self.summaries}
        self.summaries = self.summaries + [s for s in rows if s.order_number not in known]
        if not rows:  # the cache shrank under us: stop offering more
            self.total = len(self.summaries)
        self._notify(Aspect.LIST)

    async def open_order(self, order_number: str) -> None:
        """Load one order and its unified timeline."""
        self.order_number = order_number
        self.order = None
        self.timeline = []
        await self._read_order(order_number)

    def close_order(self) -> None:
        """Forget the open order."""
        if self.order_number is None:
            return
        self._order_gen += 1
        self.order_number = None
        self.order = None
        self.timeline = []
        self._notify(Aspect.ORDER)

    def request_sync(self) -> None:
        """Ask the background sync to run now."""
        if self._request_sync is not None:
            self._request_sync()

    def set_theme(self, choice: ThemeChoice) -> None:
        """Change the theme preference (and remember it)."""
        if choice is self.theme:
            return
        self.theme = choice
        if self._on_theme is not None:
            try:
                self._on_theme(choice)
            except Exception:
                log.warning("could not save the theme preference", exc_info=True)
        self._notify(Aspect.THEME)

    async def apply_sync(self, event: SyncEvent) -> None:
        """Take a sync status change; re-query what a finished pass changed, then tell the views."""
        self.sync = event.info
        aspects = {Aspect.SYNC}
        if not event.changes.empty:
            await self._query_list(max(self._page_size, len(self.summaries)), notify=False)
            aspects.add(Aspect.LIST)
            if self.order_number is not None and (
                self.order is None or self.order_number in event.order_numbers
            ):
                await self._read_order(self.order_number, notify=False)
                aspects.add(Aspect.ORDER)
        self._notify(*aspects)

    # ------------------------------------------------------------------ reads

    async def _query_list(self, limit: int, *, notify: bool = True) -> None:
        self._list_gen += 1
        gen = self._list_gen
        flt = self.current_filter()
        filtered = self.filtered
        try:
            flt, rows, total, cache_total = await self._off_loop(self._read_list, flt, limit, filtered)
        except Exception as err:
            log.exception("reading orders failed")
            if gen == self._list_gen:
                self.list_error = _reason(err)
                if notify:
                    self._notify(Aspect.LIST)
            return
        if gen != self._list_gen:
            return  # a newer query is on its way
        self._effective_filter = flt
        self.summaries, self.total, self.cache_total = rows, total, cache_total
        self.list_error = None
        if notify:
            self._notify(Aspect.LIST)

    def _read_list(
        self, flt: OrderFilter, limit: int, filtered: bool
    ) -> tuple[OrderFilter, list[OrderSummary], int, int]:
        total = self._gateway.count(flt)
        prefix = flt.number_prefix
        if total == 0 and prefix and prefix.upper() != prefix:
            # order numbers are matched as a prefix, exactly; forgive a lower-case "w-10" for "W-10…"
            upper = replace(flt, number_prefix=prefix.upper())
            upper_total = self._gateway.count(upper)
            if upper_total:
                flt, total = upper, upper_total
        rows = self._gateway.list_summaries(flt, limit=limit, offset=0)
        cache_total = self._gateway.count(OrderFilter()) if filtered and total == 0 else total
        return flt, rows, max(total, len(rows)), cache_total

    async def _read_order(self, number: str, *, notify: bool = True) -> None:
        self._order_gen += 1
        gen = self._order_gen
        try:
            order = await self._off_loop(self._gateway.get, number)
        except Exception:
            log.exception("reading order %s failed", number)
            order = None
        if gen != self._order_gen or number != self.order_number:
            return
        self.order = order
        self.timeline = unified_timeline(order) if order is not None else []
        if notify:
            self._notify(Aspect.ORDER)

    @staticmethod
    async def _off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)


def initial_sync_info(gateway: OrdersGateway, *, is_demo: bool) -> SyncInfo:
    """Describe the cache before this process synced: last success and any standing failure."""
    states: Iterable[SyncState] = gateway.sync_states()
    failing = [s for s in states if s.last_error]
    last = gateway.last_synced_at()
    if failing:
        stale = min((s.stale_since for s in failing if s.stale_since), default=None)
        return SyncInfo(
            phase=SyncPhase.FAILING,
            last_synced_at=last,
            error="; ".join(f"{s.source}: {s.last_error}" for s in failing),
            stale_since=stale,
            is_demo=is_demo,
        )
    return SyncInfo(phase=SyncPhase.UP_TO_DATE if last else SyncPhase.NEVER, last_synced_at=last, is_demo=is_demo)


def _local_bound(day: date, at: time, tz: tzinfo | None) -> datetime:
    """Return the UTC instant of ``day`` at ``at`` in ``tz`` (None: this machine's local time)."""
    if tz is None:
        return datetime.combine(day, at).astimezone().astimezone(UTC)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _reason(err: BaseException) -> str:
    text = str(err).strip()
    return text or type(err).__name__
