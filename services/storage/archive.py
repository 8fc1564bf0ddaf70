"""History: finished orders (delivered, cancelled, returned) move out of the live list after N days.

Moving only stamps ``orders.archived_at``; the order keeps every detail (items, events, shipments)
and stays findable with the same OrderFilter as the live list, restricted by ``archived``:

    archived=None   every cached order
    archived=True   History only
    archived=False  the live list only

A sync that later changes an archived order keeps it in History (the upsert never touches
``archived_at``). ``verify`` is the health check behind ``ordertrack archive verify``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, update
from sqlalchemy.exc import DBAPIError

from services.domain import HISTORY_STATUSES as HISTORY_STATUSES  # the statuses the History rule moves
from services.domain import Order, OrderFilter, StorageError, utc_now

from .convert import order_from_row, shipment_from_row, ts
from .reads import LoadedOrder, due_clause, filter_clause, load_orders, shipment_rows
from .store import Store
from .tables import orders, shipments

DEFAULT_AFTER_DAYS = 30
"""Days after an order's last update before a finished order moves to History."""

PAGE = 500
"""Orders loaded per round trip when streaming (exports)."""


@dataclass(frozen=True, slots=True)
class ArchiveReport:
    """What ``verify`` found: counts plus problems in plain words (empty: all sound)."""

    orders: int
    in_history: int
    encrypted: bool
    cipher_version: str | None
    problems: tuple[str, ...]


def _where(store: Store, flt: OrderFilter, archived: bool | None) -> ColumnElement[bool]:
    """Return the WHERE clause of a filter restricted to History / the live list / neither.

    The split follows the store's History delay (``Store.history_after_days``), the same rule as
    every other list (``reads.history_clause``).
    """
    if archived is not None:
        flt = replace(flt, archived=archived)
    return filter_clause(flt, store.history_after_days)


def count_orders(store: Store, flt: OrderFilter, archived: bool | None = None) -> int:
    """Return how many cached orders match ``flt`` (in History, live, or both)."""
    with store.reading() as conn:
        where = _where(store, flt, archived)
        return int(conn.execute(select(func.count()).select_from(orders).where(where)).scalar_one())


def list_orders(
    store: Store, flt: OrderFilter, archived: bool | None = True, *, limit: int | None = None, offset: int = 0
) -> list[Order]:
    """Return full orders (newest first) matching ``flt``; by default from History only."""
    stmt = (
        select(orders)
        .where(_where(store, flt, archived))
        .order_by(orders.c.placed_at.desc(), orders.c.order_number.desc())
        .offset(max(offset, 0))
    )
    if limit is not None:
        stmt = stmt.limit(max(limit, 0))
    with store.reading() as conn:
        rows = conn.execute(stmt).all()
        return [lo.order for lo in load_orders(conn, rows)]


def _load_without_events(conn: Connection, rows: Sequence[Any]) -> list[LoadedOrder]:
    """Load orders with items and shipments but no order/carrier events (a fraction of the reads)."""
    ship_rows = shipment_rows(conn, [r.id for r in rows])
    loaded = []
    for row in rows:
        ships = tuple(shipment_from_row(s, ()) for s in ship_rows.get(row.id, []))
        loaded.append(LoadedOrder(id=row.id, order=order_from_row(row, (), ships), shipment_ids={}))
    return loaded


def iter_orders(
    store: Store, flt: OrderFilter, archived: bool | None = None, *, page: int = PAGE, with_events: bool = True
) -> Iterator[Order]:
    """Yield orders (newest first) page by page from ONE read snapshot (for long exports).

    ``with_events=False`` leaves out order events and carrier events (items and shipments stay).
    """
    with export_snapshot(store, flt, archived, page=page) as snapshot:
        yield from snapshot.orders(with_events=with_events)


class ExportSnapshot:
    """The orders of one filter as seen by ONE read snapshot, to be read as often as an export needs.

    Only their ids are held (8 bytes an order); each pass loads them again ``page`` at a time, so
    memory stays flat however many orders match. Valid inside its ``export_snapshot`` block only.
    """

    def __init__(self, conn: Connection, ids: array[int], page: int) -> None:
        self._db = conn
        self._ids = ids
        self._page = max(page, 1)

    def __len__(self) -> int:
        return len(self._ids)

    def orders(self, *, with_events: bool = True) -> Iterable[Order]:
        """Return the orders (newest first); every iteration starts over from the first."""
        return _OrderPass(self, load_orders if with_events else _load_without_events)

    def _pages(self, load: Callable[[Connection, Sequence[Any]], list[LoadedOrder]]) -> Iterator[Order]:
        for start in range(0, len(self._ids), self._page):
            part = self._ids[start : start + self._page]
            rows = self._db.execute(select(orders).where(orders.c.id.in_(list(part)))).all()
            by_id = {lo.id: lo.order for lo in load(self._db, rows)}
            for oid in part:
                yield by_id[oid]


class _OrderPass:
    """One way of reading an ExportSnapshot's orders; iterable any number of times."""

    def __init__(self, snapshot: ExportSnapshot, load: Callable[[Connection, Sequence[Any]], list[LoadedOrder]]):
        self._snapshot = snapshot
        self._load = load

    def __iter__(self) -> Iterator[Order]:
        return self._snapshot._pages(self._load)


EXPORT_CACHE_KIB = 2048
"""Page cache of the connection while an export reads (each page is read a few times, in order)."""


@contextmanager
def _small_page_cache(conn: Connection) -> Iterator[None]:
    """Hold the connection's page cache at EXPORT_CACHE_KIB while an export runs, then restore it.

    An encrypted connection keeps up to 32 MiB of decrypted pages for the app's repeated queries;
    an export reads the whole file in order, so that cache would only fill up and stay full.
    """
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{EXPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before or 0)}")


@contextmanager
def export_snapshot(
    store: Store, flt: OrderFilter, archived: bool | None = None, *, page: int = PAGE
) -> Iterator[ExportSnapshot]:
    """Open one read snapshot of the orders matching ``flt`` (newest first) for an export's passes."""
    with store.reading() as conn, _small_page_cache(conn):
        ids = array(
            "q",
            (
                int(r[0])
                for r in conn.execute(
                    select(orders.c.id)
                    .where(_where(store, flt, archived))
                    .order_by(orders.c.placed_at.desc(), orders.c.order_number.desc())
                )
            ),
        )
        yield ExportSnapshot(conn, ids, page)


def due_for_history(now: datetime, after_days: int) -> tuple[ColumnElement[bool], ...]:
    """The WHERE terms selecting live finished orders whose last change is older than ``after_days``."""
    return (orders.c.archived_at.is_(None), due_clause(after_days, now))


def move_to_history(store: Store, *, after_days: int = DEFAULT_AFTER_DAYS, now: datetime | None = None) -> int:
    """Move finished orders whose last update is older than ``after_days`` to History; return how many."""
    if after_days < 0:
        raise ValueError("after_days must be >= 0")
    now = now or utc_now()
    due = due_for_history(now, after_days)
    # usually nothing is due: find out in a read snapshot, without taking the write lock
    # (the partial index of migration 0006 answers it without scanning the orders)
    with store.reading() as conn:
        if conn.execute(select(orders.c.id).where(*due).limit(1)).first() is None:
            return 0
    with store.transaction() as uow:
        result = uow.execute(update(orders).where(*due).values(archived_at=ts(now)))
        return int(result.rowcount or 0)


def verify(store: Store) -> ArchiveReport:
    """Check the cache file, its references, its encryption and the History bookkeeping."""
    problems = list(store.integrity_check())
    total = in_history = 0
    try:
        with store.reading() as conn:
            total = int(conn.execute(select(func.count()).select_from(orders)).scalar_one())
            in_history = int(
                conn.execute(
                    select(func.count()).select_from(orders).where(orders.c.archived_at.is_not(None))
                ).scalar_one()
            )
            bad_time = conn.execute(
                select(orders.c.order_number)
                .where(orders.c.archived_at.is_not(None))
                .where(func.length(orders.c.archived_at) != 27)
                .limit(20)
            ).all()
            problems.extend(f"order {r[0]} has an unreadable History date" for r in bad_time)
            future = conn.execute(
                select(orders.c.order_number).where(orders.c.archived_at > ts(utc_now() + timedelta(days=1))).limit(20)
            ).all()
            problems.extend(f"order {r[0]} was moved to History at a date in the future" for r in future)
    except (StorageError, DBAPIError) as err:  # a damaged file: integrity_check already said so
        if not problems:
            problems.append(f"the History could not be read: {err}")
    return ArchiveReport(
        orders=total,
        in_history=in_history,
        encrypted=store.encrypted,
        cipher_version=store.cipher_version() if store.encrypted and not problems else None,
        problems=tuple(problems),
    )


def history_choices(store: Store) -> tuple[list[str], list[str]]:
    """Return the carrier slugs and the sources that orders in History have, sorted (for filter menus)."""
    with store.reading() as conn:
        carriers = conn.execute(
            select(shipments.c.carrier)
            .distinct()
            .join(orders, orders.c.id == shipments.c.order_id)
            .where(orders.c.archived_at.is_not(None))
            .where(shipments.c.carrier != "")
        ).scalars()
        sources = conn.execute(select(orders.c.source).distinct().where(orders.c.archived_at.is_not(None))).scalars()
        return sorted(str(c) for c in carriers), sorted(str(s) for s in sources)
