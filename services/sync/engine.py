"""The sync engine: fetch -> map -> merge -> store (one transaction per page) -> report.

    backend /v1/orders pages ──mapper──> Orders ──┐
                                                  ├─> Store.transaction(): upsert + cursor, then commit
    tracking API (AfterShip-compatible) ─mapper─> Shipments ┘

The cursor of a source advances only inside the transaction that stored its page, so a crash at
any point leaves the cache consistent and the next sync resumes where the last commit ended.
A source's first sync back-fills history: its events are stored with ``live=False`` so alerts and
latency statistics ignore them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    AppError,
    ChangeSet,
    Shipment,
    SourceConfig,
    SyncState,
    combine_changes,
    utc_now,
)
from services.sources.ordertrack.client import OrdertrackClient
from services.sources.ordertrack.mapper import parse_orders_page
from services.storage import Store

log = logging.getLogger(__name__)

PAGE_SIZE = 200
TRACKING_PAGE_SIZE = 200
TRACKING_BACKFILL_SUFFIX = "#tracking"


class TrackingSource(Protocol):
    """A tracking API the engine can read carrier events from."""

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return one page of every tracking and whether more pages follow."""
        ...

    def get(self, carrier: str, tracking_number: str) -> Shipment | None:
        """Return one tracking, or None when the API does not know it."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass
class SourceRuntime:
    """A configured source with its live clients."""

    config: SourceConfig
    client: OrdertrackClient
    tracking: TrackingSource | None = None

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests this source's clients sent so far."""
        extra = getattr(self.tracking, "requests_sent", 0)
        return self.client.requests_sent + (extra if isinstance(extra, int) else 0)

    def close(self) -> None:
        """Close the clients."""
        self.client.close()
        if self.tracking is not None:
            self.tracking.close()


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


class SyncEngine:
    """Sync every configured source into the local cache."""

    def __init__(
        self,
        store: Store,
        sources: Sequence[SourceRuntime],
        *,
        clock: Callable[[], datetime] = utc_now,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store = store
        self.sources = list(sources)
        self.clock = clock
        self.page_size = page_size

    def close(self) -> None:
        """Close every source's clients."""
        for src in self.sources:
            src.close()

    def sync_all(self) -> list[SyncReport]:
        """Sync each source once; a failing source never stops the others."""
        return [self.sync_source(src) for src in self.sources]

    def sync_source(self, src: SourceRuntime) -> SyncReport:
        """Sync one source: pull changed orders page by page, then their carrier events."""
        name = src.config.name
        state = self.store.sync_state.get(name)
        started = self.clock()
        requests_before = src.requests_sent
        try:
            report = self._pull(src, state)
        except AppError as err:
            log.warning("sync of %s failed: %s", name, err)
            failed = replace(
                self.store.sync_state.get(name),
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
            )
        return replace(report, requests=src.requests_sent - requests_before)

    def _pull(self, src: SourceRuntime, state: SyncState) -> SyncReport:
        name = src.config.name
        # Until a source's first complete sync, everything it sends is history (back-fill).
        history_done = self.store.sync_state.get(name + TRACKING_BACKFILL_SUFFIX).cursor == "done"
        live = history_done
        parts: list[ChangeSet] = []
        cursor, etag = state.cursor, state.etag
        seen = 0
        not_modified = False
        while True:
            response = src.client.fetch_orders(cursor, limit=self.page_size, etag=etag)
            now = self.clock()
            if response.not_modified:
                not_modified = seen == 0
                with self.store.transaction() as uow:
                    uow.set_sync_state(
                        replace(
                            self.store.sync_state.get(name),
                            last_attempt_at=now,
                            last_success_at=now,
                            last_error=None,
                            stale_since=None,
                        )
                    )
                break
            page = parse_orders_page(response.body)
            seen += len(page.orders)
            tracked: list[Shipment] = []
            if src.tracking is not None and history_done:
                tracked = self._fetch_tracking(src.tracking, page.orders)
            next_cursor = page.next_cursor or cursor
            with self.store.transaction() as uow:
                if page.orders:
                    parts.append(uow.upsert_orders(page.orders, source=name, received_at=now, live=live))
                if tracked:
                    parts.append(uow.upsert_trackings(tracked, source=name, received_at=now, live=live))
                uow.set_sync_state(
                    SyncState(
                        source=name,
                        cursor=next_cursor,
                        etag=response.etag,
                        last_attempt_at=now,
                        last_success_at=now,
                        last_error=None,
                        stale_since=None,
                    )
                )
            # Keep paging until an empty page: its ETag is what the next sync revalidates, so an
            # unchanged source then costs one conditional request answered by 304.
            if not page.orders or next_cursor == cursor:
                break
            cursor, etag = next_cursor, None
        if not history_done:
            parts.append(self._backfill_tracking(src.tracking, name))
        return SyncReport(
            source=name,
            changes=combine_changes(parts), not_modified=not_modified, finished_at=self.clock(), orders_seen=seen
        )

    def _fetch_tracking(self, tracking: TrackingSource, orders: Sequence[object]) -> list[Shipment]:
        out: list[Shipment] = []
        seen: set[str] = set()
        for order in orders:
            for shipment in getattr(order, "shipments", ()):
                if shipment.tracking_number in seen or shipment.status in FINAL_SHIPMENT_STATUSES and shipment.events:
                    continue
                seen.add(shipment.tracking_number)
                got = tracking.get(shipment.carrier, shipment.tracking_number)
                if got is not None:
                    out.append(got)
        return out

    def _backfill_tracking(self, tracking: TrackingSource | None, name: str) -> ChangeSet:
        """Page through the whole tracking API once (a source's first sync), resumable by page."""
        key = name + TRACKING_BACKFILL_SUFFIX
        state = self.store.sync_state.get(key)
        if state.cursor == "done":
            return ChangeSet()
        if tracking is None:
            with self.store.transaction() as uow:
                uow.set_sync_state(SyncState(source=key, cursor="done", last_success_at=self.clock()))
            return ChangeSet()
        page_no = int(state.cursor) if state.cursor and state.cursor.isdigit() else 1
        parts: list[ChangeSet] = []
        while True:
            shipments, has_more = tracking.list_page(page_no, TRACKING_PAGE_SIZE)
            now = self.clock()
            with self.store.transaction() as uow:
                if shipments:
                    parts.append(uow.upsert_trackings(shipments, source=name, received_at=now, live=False))
                uow.set_sync_state(
                    SyncState(
                        source=key,
                        cursor="done" if not has_more else str(page_no + 1),
                        last_attempt_at=now,
                        last_success_at=now,
                    )
                )
            if not has_more:
                return combine_changes(parts)
            page_no += 1
