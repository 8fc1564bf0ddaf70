"""Reads of the cache, as domain objects: orders (full and summaries), sync state, sources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, select

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    Channel,
    EtaChange,
    FeedCursor,
    FeedEntry,
    Order,
    OrderFilter,
    OrderStatus,
    OrderSummary,
    ShipmentStatus,
    SourceConfig,
    SyncState,
)

from .convert import eta_from_row, from_ts, opt_from_ts, source_from_row, sync_state_from_row
from .feed import explain_recent_events, recent_events
from .reads import chunked, filter_clause, load_orders
from .tables import orders, shipment_etas, shipments, sources, sync_state
from .uow import UnitOfWork

Reader = Callable[[], AbstractContextManager[Connection]]
Writer = Callable[[], AbstractContextManager[UnitOfWork]]

_SUMMARY_COLUMNS = (
    orders.c.id,
    orders.c.order_number,
    orders.c.source,
    orders.c.channel,
    orders.c.placed_at,
    orders.c.status,
    orders.c.currency,
    orders.c.total,
    orders.c.merchant,
    orders.c.needs_attention,
    orders.c.updated_at,
)
_FINAL = tuple(s.value for s in FINAL_SHIPMENT_STATUSES)


def _list_query(
    columns: Any, flt: OrderFilter, *, limit: int | None, offset: int, newest_first: bool, after_days: int | None
) -> Select[Any]:
    if newest_first:
        ordering = (orders.c.placed_at.desc(), orders.c.order_number.desc())
    else:
        ordering = (orders.c.placed_at.asc(), orders.c.order_number.asc())
    stmt = select(*columns).where(filter_clause(flt, after_days)).order_by(*ordering)
    if limit is not None:
        stmt = stmt.limit(max(limit, 0))
    if offset:
        stmt = stmt.offset(max(offset, 0))
    return stmt


def _summary(row: Any, ships: list[Any]) -> OrderSummary:
    latest: Any = None
    for ship in ships:  # the shipment with the most recent carrier event; first one on ties
        if latest is None or (ship.last_event_at or "") > (latest.last_event_at or ""):
            latest = ship
    open_etas = [s for s in ships if s.eta_start is not None and s.status not in _FINAL]
    eta = min(open_etas, key=lambda s: s.eta_start) if open_etas else None
    return OrderSummary(
        order_number=row.order_number,
        source=row.source,
        channel=Channel(row.channel),
        placed_at=from_ts(row.placed_at),
        status=OrderStatus(row.status),
        currency=row.currency,
        total=Decimal(row.total),
        merchant=row.merchant,
        carriers=tuple(dict.fromkeys(s.carrier for s in ships if s.carrier)),
        tracking_numbers=tuple(s.tracking_number for s in ships),
        shipment_status=ShipmentStatus(latest.status) if latest is not None else None,
        needs_attention=bool(row.needs_attention),
        estimated_delivery=eta_from_row(eta.eta_start, eta.eta_end, bool(eta.eta_date_only))
        if eta is not None
        else None,
        updated_at=opt_from_ts(row.updated_at),
    )


class OrderRepository:
    """Cached orders as domain objects."""

    def __init__(self, read: Reader, history_after_days: Callable[[], int | None] = lambda: None) -> None:
        self._reading = read
        self._after_days = history_after_days  # the History delay the live / History split follows

    def get(self, order_number: str) -> Order | None:
        """Return one order in full (events oldest first, shipments with their events), or None."""
        with self._reading() as conn:
            rows = conn.execute(select(orders).where(orders.c.order_number == order_number)).all()
            loaded = load_orders(conn, rows)
        return loaded[0].order if loaded else None

    def list_summaries(
        self, flt: OrderFilter, *, limit: int = 50, offset: int = 0, newest_first: bool = True
    ) -> list[OrderSummary]:
        """Return a page of light order rows, by placed_at (then order number), newest first by default.

        ``shipment_status`` is the status of the shipment with the most recent carrier event (the
        first shipment when none has events); ``estimated_delivery`` is the earliest ETA among the
        shipments that are not in a final status.
        """
        stmt = _list_query(
            _SUMMARY_COLUMNS, flt, limit=limit, offset=offset, newest_first=newest_first, after_days=self._after_days()
        )
        ships: dict[int, list[Any]] = defaultdict(list)
        with self._reading() as conn:
            rows = conn.execute(stmt).all()
            for part in chunked([r.id for r in rows]):
                for ship in conn.execute(
                    select(
                        shipments.c.order_id,
                        shipments.c.tracking_number,
                        shipments.c.carrier,
                        shipments.c.status,
                        shipments.c.eta_start,
                        shipments.c.eta_end,
                        shipments.c.eta_date_only,
                        shipments.c.last_event_at,
                    )
                    .where(shipments.c.order_id.in_(part))
                    .order_by(shipments.c.order_id, shipments.c.position)
                ):
                    ships[ship.order_id].append(ship)
        return [_summary(row, ships.get(row.id, [])) for row in rows]

    def eta_history(self, order_number: str) -> dict[str, tuple[EtaChange, ...]]:
        """Return every ETA window each shipment of an order had, by tracking number, oldest first.

        A shipment that never had an estimate is absent. A change with ``start`` and ``end`` both None
        means the carrier withdrew its estimate. An unknown order gives ``{}``.
        """
        stmt = (
            select(
                shipments.c.tracking_number,
                shipment_etas.c.eta_start,
                shipment_etas.c.eta_end,
                shipment_etas.c.eta_date_only,
                shipment_etas.c.seen_at,
                shipment_etas.c.source,
            )
            .join(shipments, shipments.c.id == shipment_etas.c.shipment_id)
            .join(orders, orders.c.id == shipments.c.order_id)
            .where(orders.c.order_number == order_number)
            .order_by(shipments.c.position, shipments.c.id, shipment_etas.c.id)
        )
        history: dict[str, list[EtaChange]] = {}
        with self._reading() as conn:
            for row in conn.execute(stmt):
                history.setdefault(row.tracking_number, []).append(
                    EtaChange(
                        start=opt_from_ts(row.eta_start),
                        end=opt_from_ts(row.eta_end),
                        seen_at=from_ts(row.seen_at),
                        source=row.source,
                        date_only=bool(row.eta_date_only),
                    )
                )
        return {number: tuple(changes) for number, changes in history.items()}

    def count(self, flt: OrderFilter) -> int:
        """Return how many cached orders match the filter."""
        with self._reading() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(orders).where(filter_clause(flt, self._after_days()))
                ).scalar_one()
            )

    def list_orders(self, flt: OrderFilter, *, limit: int | None = None, offset: int = 0) -> list[Order]:
        """Return full orders (newest first), children loaded in bulk, for the CLI and exports."""
        stmt = _list_query((orders,), flt, limit=limit, offset=offset, newest_first=True, after_days=self._after_days())
        with self._reading() as conn:
            rows = conn.execute(stmt).all()
            return [lo.order for lo in load_orders(conn, rows)]

    def order_numbers_for_tracking(self, tracking_number: str) -> list[str]:
        """Return the numbers of the orders that have a shipment with this tracking number."""
        stmt = (
            select(orders.c.order_number)
            .join(shipments, shipments.c.order_id == orders.c.id)
            .where(shipments.c.tracking_number == tracking_number)
            .distinct()
            .order_by(orders.c.order_number)
        )
        with self._reading() as conn:
            return list(conn.execute(stmt).scalars())

    def shipments_to_track(self) -> list[tuple[str, str]]:
        """Return (tracking_number, carrier) of every shipment not in a final status, for polling."""
        stmt = (
            select(shipments.c.tracking_number, shipments.c.carrier)
            .where(shipments.c.status.not_in(_FINAL))
            .distinct()
            .order_by(shipments.c.tracking_number, shipments.c.carrier)
        )
        with self._reading() as conn:
            return [(row.tracking_number, row.carrier) for row in conn.execute(stmt)]

    def last_synced_at(self) -> datetime | None:
        """Return when a sync last delivered orders, or None if none ever did."""
        with self._reading() as conn:
            value = conn.execute(select(func.max(orders.c.synced_at))).scalar()
        return opt_from_ts(value)

    def recent_events(self, limit: int, before: FeedCursor | None = None) -> list[FeedEntry]:
        """Return one page of the cross-order Timeline feed, newest first (exact, keyset-paged).

        The feed is every live order's ``unified_timeline`` plus one entry per alert sent; History is
        left out by the same rule as :meth:`list_summaries` (the store's History delay), so an order
        due to move is gone from the feed even before the move runs. Ties: occurred_at DESC,
        order_number DESC, then as the order's timeline keeps them (order events, carrier events by
        shipment, alerts). For the next page pass the last entry's
        ``cursor``: ``repo.recent_events(60, before=page[-1].cursor)``.
        """
        with self._reading() as conn:
            return recent_events(conn, limit, before, after_days=self._after_days())

    def explain_recent_events(self, limit: int = 60, before: FeedCursor | None = None) -> str:
        """Return the EXPLAIN QUERY PLAN of a :meth:`recent_events` page, one line per plan step."""
        with self._reading() as conn:
            return explain_recent_events(conn, limit, before, after_days=self._after_days())

    def explain(self, flt: OrderFilter) -> str:
        """Return the EXPLAIN QUERY PLAN of the list query (first page), one line per plan step."""
        stmt = _list_query(_SUMMARY_COLUMNS, flt, limit=50, offset=0, newest_first=True, after_days=self._after_days())
        with self._reading() as conn:
            compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            params = compiled.construct_params()
            positional = tuple(params[name] for name in compiled.positiontup or ())
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), positional).all()
        return "\n".join(str(row[3]) for row in rows)


class SyncStateRepository:
    """Per-source sync bookkeeping."""

    def __init__(self, read: Reader) -> None:
        self._reading = read

    def get(self, source: str) -> SyncState:
        """Return the sync state of a source (a fresh ``SyncState(source)`` when it never synced)."""
        with self._reading() as conn:
            row = conn.execute(select(sync_state).where(sync_state.c.source == source)).first()
        return sync_state_from_row(row) if row is not None else SyncState(source)

    def all(self) -> list[SyncState]:
        """Return the sync state of every source that has one, by source name."""
        with self._reading() as conn:
            rows = conn.execute(select(sync_state).order_by(sync_state.c.source)).all()
        return [sync_state_from_row(row) for row in rows]


class SourceRepository:
    """The configured data sources (their secrets live in the OS keyring, never here)."""

    def __init__(self, read: Reader, write: Writer) -> None:
        self._reading = read
        self._write = write

    def list(self) -> list[SourceConfig]:
        """Return every configured source, oldest first."""
        with self._reading() as conn:
            rows = conn.execute(select(sources).order_by(sources.c.created_at, sources.c.name)).all()
        return [source_from_row(row) for row in rows]

    def get(self, name: str) -> SourceConfig | None:
        """Return the source with this name, or None."""
        with self._reading() as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).first()
        return source_from_row(row) if row is not None else None

    def add(self, source: SourceConfig) -> None:
        """Add a source (``created_at`` defaults to now); a duplicate name raises ConfigError."""
        with self._write() as uow:
            uow.add_source(source)

    def remove(self, name: str) -> bool:
        """Remove a source and its sync state (its cached orders stay); tell whether it existed."""
        with self._write() as uow:
            return uow.remove_source(name)
