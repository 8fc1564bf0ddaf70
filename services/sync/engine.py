"""The sync engine: fetch -> map -> merge -> store (one transaction per page) -> notify listeners.

    order feed pages (backend API, Shopify...) ──adapter+mapper──> Orders ─────┐
                                                                               ├─> Store.transaction():
    tracking API (AfterShip-compatible, 17TRACK...) ──adapter+mapper──> Shipments ┘   upsert + cursor, commit
                                                                               └─> listeners(source, ChangeSet)

The cursor of a source advances only inside the transaction that stored its page, so a crash at
any point leaves the cache consistent and the next sync resumes where the last commit ended.
A record that does not fit the domain (``SkippedRecord``: a year-9999 scan, a NaN total...) is
logged as one line with its order or tracking number and left out; the rest of its page is stored
and the cursor moves on, so one bad record never keeps a source stuck.
Until a source's first complete sync, what it sends is history: its events are stored with
``live=False`` so alerts and latency statistics ignore them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    AppError,
    ChangeSet,
    Order,
    RateLimitedError,
    Shipment,
    SkippedRecord,
    SourceConfig,
    SyncState,
    TrackingEvent,
    combine_changes,
    utc_now,
)
from services.sources.errors import TooLargeError
from services.storage import Store, mark_published, tracking_candidates

from .ports import ChangeListener, FetchedPage, OrderSource, ReportsSkipped, TrackingSource

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE_SIZE = 200
TRACKING_PAGE_SIZE = 200
HISTORY_SUFFIX = "#history"
"""Sync-state key suffix recording that a source's history back-fill is complete ("done")."""
STREAM_SUFFIX = "#stream"
"""Sync-state key suffix holding a source's push stream position (cursor = last Last-Event-ID)."""
MAX_PAGES_PER_PASS = 1000
"""The most pages one sync reads from one listing (200,000 orders at the default page size); a server that
always says "more" stops there, and the next sync goes on from the committed position."""
MAX_BACKFILL_PAGES = 1000
"""The most pages a tracking back-fill reads in all: a server that always says "more" cannot keep it open."""
READ_AHEAD = 1
"""Pages fetched and mapped ahead while the current one is stored (its own thread; reads only)."""
FINAL_GRACE = timedelta(days=2)
"""How long a shipment in a final status keeps being polled (carriers correct late scans)."""


@dataclass
class SourceRuntime:
    """A configured source with its live adapters (an order feed, a tracking API, or both)."""

    config: SourceConfig
    orders: OrderSource | None = None
    tracking: TrackingSource | None = None

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests this source's adapters sent so far."""
        total = 0
        for part in (self.orders, self.tracking):
            if part is not None:
                total += part.requests_sent
        return total

    def close(self) -> None:
        """Close the adapters."""
        for part in (self.orders, self.tracking):
            if part is not None:
                part.close()


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of syncing one source once."""

    source: str
    changes: ChangeSet = field(default_factory=ChangeSet)
    not_modified: bool = False
    error: str | None = None
    finished_at: datetime | None = None
    orders_seen: int = 0
    requests: int = 0
    retry_after: float | None = None
    """Seconds the source asked us to wait (429 Retry-After) when it rate-limited this sync."""
    skipped: int = 0
    """Records left out because they did not fit the domain (each one logged with its number)."""


class SyncCancelled(Exception):
    """Raised between two transactions when the engine was asked to stop (what committed stays)."""


def is_internal_state(name: str) -> bool:
    """Tell whether a sync-state row is engine bookkeeping rather than a source."""
    return name.endswith((HISTORY_SUFFIX, STREAM_SUFFIX))


class SyncEngine:
    """Sync every configured source into the local cache."""

    def __init__(
        self,
        store: Store,
        sources: Sequence[SourceRuntime],
        *,
        clock: Callable[[], datetime] = utc_now,
        page_size: int = PAGE_SIZE,
        listeners: Iterable[ChangeListener] = (),
        final_grace: timedelta = FINAL_GRACE,
        max_pages_per_pass: int = MAX_PAGES_PER_PASS,
        max_backfill_pages: int = MAX_BACKFILL_PAGES,
    ) -> None:
        self.store = store
        self.sources = list(sources)
        self.clock = clock
        self.page_size = page_size
        self.listeners = list(listeners)
        self.final_grace = final_grace
        self.max_pages_per_pass = max_pages_per_pass
        self.max_backfill_pages = max_backfill_pages
        self.cancelled = threading.Event()
        """Set to end a running sync between two transactions (a clean, quick shutdown)."""

    def close(self) -> None:
        """Close every source's adapters."""
        for src in self.sources:
            src.close()

    def sync_all(self) -> list[SyncReport]:
        """Sync each source once; a failing source never stops the others."""
        return [self.sync_source(src) for src in self.sources]

    def sync_source(self, src: SourceRuntime) -> SyncReport:
        """Sync one source: changed orders page by page, then carrier events."""
        name = src.config.name
        state = self.store.sync_state.get(name)
        started = self.clock()
        requests_before = src.requests_sent
        try:
            report = self._pull(src)
        except SyncCancelled:
            log.info("sync of %s stopped between two transactions", name)
            return SyncReport(source=name, finished_at=self.clock(), requests=src.requests_sent - requests_before)
        except AppError as err:
            log.debug("sync of %s failed: %s", name, err)
            current = self.store.sync_state.get(name)
            failed = replace(
                current,
                last_attempt_at=started,
                last_error=f"{err.title}: {err.message}",
                stale_since=state.stale_since or state.last_success_at or started,
            )
            with self.store.transaction() as uow:
                uow.set_sync_state(failed)
            return SyncReport(
                source=name,
                error=f"{err.title}: {err.message}",
                finished_at=self.clock(),
                requests=src.requests_sent - requests_before,
                retry_after=err.retry_after if isinstance(err, RateLimitedError) else None,
            )
        return replace(report, requests=src.requests_sent - requests_before)

    def store_pushed_event(
        self,
        src: SourceRuntime,
        *,
        tracking_number: str,
        carrier: str,
        event: TrackingEvent,
        stream_id: str | None,
        received_at: datetime,
        published_at: datetime | None = None,
    ) -> ChangeSet:
        """Store one pushed carrier event (live) and the stream position in ONE transaction; emit.

        ``published_at``: when the source says it published the event (kept for the latency figures).
        """
        name = src.config.name
        shipment = Shipment(tracking_number=tracking_number, carrier=carrier, events=(event,))
        with self.store.transaction() as uow:
            changes = uow.upsert_tracking(shipment, source=name, received_at=received_at, live=True)
            if published_at is not None and changes.new_events:
                mark_published(uow, name, changes.new_events, published_at)
            if stream_id is not None:
                uow.set_sync_state(self._stream_state(name, stream_id, received_at))
        self._emit(name, changes)
        return replace(changes, orders=())

    def save_stream_position(self, src: SourceRuntime, stream_id: str, *, error: str | None = None) -> None:
        """Persist the last stream id (and the stream's own error, if it just failed) of a source."""
        now = self.clock()
        state = replace(self._stream_state(src.config.name, stream_id, now), last_error=error)
        with self.store.transaction() as uow:
            uow.set_sync_state(state)

    def stream_position(self, src: SourceRuntime) -> str | None:
        """Return the last stream id stored for a source (None: never streamed)."""
        return self.store.sync_state.get(src.config.name + STREAM_SUFFIX).cursor

    def _stream_state(self, name: str, stream_id: str, now: datetime) -> SyncState:
        return SyncState(source=name + STREAM_SUFFIX, cursor=stream_id, last_attempt_at=now, last_success_at=now)

    # ------------------------------------------------------------------ internals

    def _check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise SyncCancelled

    def _emit(self, source: str, changes: ChangeSet) -> None:
        if changes.empty:
            return
        for listener in self.listeners:
            try:
                listener(source, changes)
            except Exception:  # a listener must never break the sync
                log.exception("change listener failed for %s", source)

    def _commit(
        self,
        name: str,
        *,
        orders: Sequence[Order] = (),
        tracked: Sequence[Shipment] = (),
        live: bool,
        state: SyncState,
    ) -> ChangeSet:
        """Store one batch and the source's new state in ONE transaction, then tell listeners."""
        now = state.last_attempt_at or self.clock()
        parts: list[ChangeSet] = []
        with self.store.transaction() as uow:
            if orders:
                parts.append(uow.upsert_orders(orders, source=name, received_at=now, live=live))
            if tracked:
                parts.append(uow.upsert_trackings(tracked, source=name, received_at=now, live=live))
            uow.set_sync_state(state)
        changes = combine_changes(parts)
        # listeners also get the orders as written (the notifier then need not read them back)
        self._emit(name, replace(changes, orders=tuple(o for part in parts for o in part.orders)))
        return changes

    def _note_skipped(
        self, src: SourceRuntime, into: list[SkippedRecord], records: Iterable[SkippedRecord] = (), *, take: bool = True
    ) -> None:
        """Log (one line each, no traceback) and collect the records left out of what was just fetched."""
        found = list(records)
        if take and isinstance(src.tracking, ReportsSkipped):
            found.extend(src.tracking.take_skipped())
        for record in found:
            log.warning(
                "%s: skipped %s %s: %s", src.config.name, record.kind, record.key or "(no number)", record.reason[:300]
            )
        into.extend(found)

    def _ahead(self, produce: Iterator[T]) -> Generator[T, None, None]:
        """Yield what ``produce`` yields, running it READ_AHEAD items ahead in a thread of its own.

        The producer only fetches and maps (I/O and parsing overlap with the caller's storing); every
        write stays in the caller's thread, one transaction per page, in order. An error of the
        producer is raised here when the caller reaches it, so what came before it is stored first.
        The producer stops when told to (cancel) or when this generator is closed.
        """
        items: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=READ_AHEAD)
        closed = threading.Event()

        def put(kind: int, value: object) -> bool:
            while not closed.is_set():
                try:
                    items.put((kind, value), timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def run() -> None:
            try:
                for item in produce:
                    if not put(0, item) or self.cancelled.is_set():
                        return
                put(1, None)
            except BaseException as err:  # handed to the consumer, raised there
                put(2, err)

        worker = threading.Thread(target=run, name="sync-read-ahead", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    kind, value = items.get(timeout=0.1)
                except queue.Empty:
                    if not worker.is_alive() and items.empty():
                        raise SyncCancelled from None
                    continue
                if kind == 1:
                    return
                if kind == 2:
                    assert isinstance(value, BaseException)
                    raise value
                yield value  # type: ignore[misc]
        finally:
            closed.set()

    def _healthy(self, name: str, now: datetime, **fields: object) -> SyncState:
        return replace(
            self.store.sync_state.get(name),
            last_attempt_at=now,
            last_success_at=now,
            last_error=None,
            stale_since=None,
            **fields,  # type: ignore[arg-type]
        )

    def _pull(self, src: SourceRuntime) -> SyncReport:
        name = src.config.name
        history = self.store.sync_state.get(name + HISTORY_SUFFIX).cursor
        history_done = history == "done"
        # Once the back-fill has committed a page, an order that changes must have its carrier events
        # fetched: the back-fill will not read that page again (a crash and a resume would lose them).
        backfill_started = history_done or (history is not None and history.isdigit() and int(history) > 1)
        live = history_done
        parts: list[ChangeSet] = []
        skipped: list[SkippedRecord] = []
        seen = 0
        not_modified = False
        if src.orders is not None:
            seen, not_modified = self._pull_orders(
                src, src.orders, live=live, history_done=backfill_started, parts=parts, skipped=skipped
            )
        if src.tracking is not None and history_done:
            parts.append(
                self._poll_tracking(src, src.tracking, live=live, skip_orders=src.orders is not None, skipped=skipped)
            )
        if not history_done:
            parts.append(self._backfill_tracking(src, skipped))
        if src.orders is None:
            with self.store.transaction() as uow:
                uow.set_sync_state(self._healthy(name, self.clock()))
        return SyncReport(
            source=name,
            changes=combine_changes(parts),
            not_modified=not_modified,
            finished_at=self.clock(),
            orders_seen=seen,
            skipped=len(skipped),
        )

    def _pull_orders(
        self,
        src: SourceRuntime,
        feed: OrderSource,
        *,
        live: bool,
        history_done: bool,
        parts: list[ChangeSet],
        skipped: list[SkippedRecord],
    ) -> tuple[int, bool]:
        name = src.config.name
        state = self.store.sync_state.get(name)
        cursor, etag = state.cursor, state.etag
        seen = 0
        pages = 0
        fetched_pages = self._ahead(self._order_pages(feed, cursor, etag))
        try:
            while True:
                self._check_cancelled()
                if pages >= self.max_pages_per_pass:
                    log.warning(
                        "sync of %s stopped after %d pages of orders in one pass; the next sync goes on from there",
                        name,
                        pages,
                    )
                    return seen, False
                pages += 1
                fetched = next(fetched_pages, None)
                if fetched is None:  # the reader stopped: cancelled
                    raise SyncCancelled
                now = self.clock()
                if fetched.not_modified or fetched.page is None:
                    with self.store.transaction() as uow:
                        uow.set_sync_state(self._healthy(name, now))
                    return seen, seen == 0
                page = fetched.page
                seen += len(page.orders)
                tracked: list[Shipment] = []
                if src.tracking is not None and history_done:
                    tracked = self._open_shipments_tracking(src.tracking, page.orders)
                self._note_skipped(src, skipped, page.skipped)
                next_cursor = page.next_cursor or cursor
                parts.append(
                    self._commit(
                        name,
                        orders=page.orders,
                        tracked=tracked,
                        live=live,
                        state=self._healthy(name, now, cursor=next_cursor, etag=fetched.etag),
                    )
                )
                # Keep paging until an empty page: its ETag is what the next sync revalidates, so an
                # unchanged source then costs one conditional request answered by 304. A page whose
                # every record was skipped is not empty: its cursor still moves the sync on.
                if not (page.orders or page.skipped) or next_cursor == cursor:
                    return seen, False
                cursor = next_cursor
        finally:
            fetched_pages.close()

    def _order_pages(self, feed: OrderSource, cursor: str | None, etag: str | None) -> Iterator[FetchedPage]:
        """Fetch the pages :meth:`_pull_orders` will store, in order, stopping exactly where it stops."""
        for _ in range(self.max_pages_per_pass):
            if self.cancelled.is_set():
                return
            fetched = feed.fetch_page(cursor, limit=self.page_size, etag=etag)
            yield fetched
            if fetched.not_modified or fetched.page is None:
                return
            page = fetched.page
            next_cursor = page.next_cursor or cursor
            if not (page.orders or page.skipped) or next_cursor == cursor:
                return
            cursor, etag = next_cursor, None

    def _open_shipments_tracking(self, tracking: TrackingSource, orders: Sequence[Order]) -> list[Shipment]:
        wanted: dict[str, str] = {}
        for order in orders:
            for shipment in order.shipments:
                if self._retired(shipment):
                    continue
                wanted.setdefault(shipment.tracking_number, shipment.carrier)
        return tracking.get_many([(carrier, number) for number, carrier in wanted.items()]) if wanted else []

    def _retired(self, shipment: Shipment) -> bool:
        """Tell whether a shipment left polling: final status with its last event older than the grace."""
        if shipment.status not in FINAL_SHIPMENT_STATUSES or not shipment.events:
            return False
        latest = max(e.occurred_at for e in shipment.events)
        return latest < self.clock() - self.final_grace

    def _poll_tracking(
        self,
        src: SourceRuntime,
        tracking: TrackingSource,
        *,
        live: bool,
        skip_orders: bool,
        skipped: list[SkippedRecord],
    ) -> ChangeSet:
        """Tracking-only sources: refresh every cached shipment that is not final yet."""
        if skip_orders:
            return ChangeSet()
        cutoff = self.clock() - self.final_grace
        wanted = [(carrier, number) for number, carrier in tracking_candidates(self.store, retired_before=cutoff)]
        if not wanted:
            return ChangeSet()
        shipments = tracking.get_many(wanted)
        self._note_skipped(src, skipped)
        now = self.clock()
        return self._commit(src.config.name, tracked=shipments, live=live, state=self._healthy(src.config.name, now))

    def _backfill_tracking(self, src: SourceRuntime, skipped: list[SkippedRecord]) -> ChangeSet:
        """Page through the whole tracking API once (a source's first sync), resumable by page."""
        name = src.config.name
        key = name + HISTORY_SUFFIX
        state = self.store.sync_state.get(key)
        tracking = src.tracking
        if tracking is None:
            with self.store.transaction() as uow:
                uow.set_sync_state(SyncState(source=key, cursor="done", last_success_at=self.clock()))
            return ChangeSet()
        page_no = int(state.cursor) if state.cursor and state.cursor.isdigit() and len(state.cursor) < 10 else 1
        parts: list[ChangeSet] = []
        first = page_no
        listed = self._ahead(self._tracking_pages(tracking, page_no))
        try:
            while True:
                self._check_cancelled()
                if page_no > self.max_backfill_pages:
                    # Not stuck for ever: the back-fill ends here, the source goes on with live syncs.
                    now = self.clock()
                    with self.store.transaction() as uow:
                        uow.set_sync_state(
                            SyncState(source=key, cursor="done", last_attempt_at=now, last_success_at=now)
                        )
                    raise TooLargeError(
                        f"{name}: the tracking list still said more pages follow after {self.max_backfill_pages} "
                        "pages; the history back-fill stopped there (what was read is kept)"
                    )
                if page_no - first >= self.max_pages_per_pass:
                    log.warning(
                        "history back-fill of %s paused after %d pages in one pass; the next sync goes on at page %d",
                        name,
                        page_no - first,
                        page_no,
                    )
                    return combine_changes(parts)
                got = next(listed, None)
                if got is None:  # the reader stopped: cancelled
                    raise SyncCancelled
                shipments, has_more, left_out = got
                self._note_skipped(src, skipped, left_out, take=False)
                if not shipments and page_no == 1 and src.orders is None:
                    shipments = tracking.get_many(
                        [(carrier, number) for number, carrier in self.store.orders.shipments_to_track()]
                    )
                    self._note_skipped(src, skipped)
                now = self.clock()
                parts.append(
                    self._commit(
                        name,
                        tracked=shipments,
                        live=False,
                        state=SyncState(source=key, cursor=str(page_no + 1), last_attempt_at=now, last_success_at=now),
                    )
                )
                if not has_more:
                    # "done" gets a transaction of its own, after the listeners heard the last page: while
                    # the source is not done, whatever they hear is history (a last page without new events,
                    # only a changed ETA, must not read as live news). A crash in between resumes at the
                    # page after the last one, which is empty, and then marks the source done.
                    with self.store.transaction() as uow:
                        uow.set_sync_state(
                            SyncState(source=key, cursor="done", last_attempt_at=now, last_success_at=now)
                        )
                    return combine_changes(parts)
                page_no += 1
        finally:
            listed.close()

    def _tracking_pages(
        self, tracking: TrackingSource, page_no: int
    ) -> Iterator[tuple[list[Shipment], bool, list[SkippedRecord]]]:
        """Fetch the back-fill pages from ``page_no`` on, each with the records it left out, until the last."""
        first = page_no
        while page_no <= self.max_backfill_pages and page_no - first < self.max_pages_per_pass:
            if self.cancelled.is_set():
                return
            shipments, has_more = tracking.list_page(page_no, TRACKING_PAGE_SIZE)
            left_out = tracking.take_skipped() if isinstance(tracking, ReportsSkipped) else []
            yield shipments, has_more, left_out
            if not has_more:
                return
            page_no += 1
