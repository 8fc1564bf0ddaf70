"""Writes: one UnitOfWork per SQLite transaction, bulk upserts (executemany), change sets out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import ClauseElement, Connection, CursorResult, Executable, bindparam, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from services.domain import (
    ChangeSet,
    ConfigError,
    NewTrackingEvent,
    Order,
    Shipment,
    SourceConfig,
    StorageError,
    SyncState,
    utc_now,
)

from .convert import event_key, now, order_row, shipment_row, sync_state_row, tracking_event_content, ts
from .merge import attach_tracking, merge_order, normalize_events, tracking_matches
from .reads import LoadedOrder, chunked, load_by_ids, load_by_numbers
from .tables import order_events, orders, shipment_etas, shipments, sources, sync_state, tracking_events

# ---------------------------------------------------------------- statements (compiled once, cached)

_orders_insert = sqlite_insert(orders)
_UPSERT_ORDER = _orders_insert.on_conflict_do_update(
    index_elements=[orders.c.order_number],
    set_={
        c.name: _orders_insert.excluded[c.name]
        for c in orders.columns
        if c.name not in ("id", "order_number", "archived_at")
    },
)
_TOUCH_ORDER = update(orders).where(orders.c.id == bindparam("oid")).values(synced_at=bindparam("synced"))
_ATTENTION = update(orders).where(orders.c.id == bindparam("oid")).values(needs_attention=bindparam("attention"))

_INSERT_ORDER_EVENT = sqlite_insert(order_events).on_conflict_do_nothing()

_ship_insert = sqlite_insert(shipments)
_UPSERT_SHIPMENT = _ship_insert.on_conflict_do_update(
    index_elements=[shipments.c.order_id, shipments.c.tracking_number],
    set_={
        c.name: _ship_insert.excluded[c.name]
        for c in shipments.columns
        if c.name not in ("id", "order_id", "tracking_number")
    },
)

# ETA history (migration 0004): rows are only ever added, one per change of a shipment's window
_INSERT_ETA = shipment_etas.insert()
ORDERS_FEED = "orders"
"""``shipment_etas.feed`` of an estimate an order feed delivered (migration 0008)."""
TRACKING_FEED = "tracking"
"""``shipment_etas.feed`` of an estimate a tracking API answer delivered."""

_CONTENT = ("description", "offset_known", "local_time", "location", "raw_status")
_event_insert = sqlite_insert(tracking_events)
# a richer copy of a known event updates its details; provenance (first source, received_at,
# stored_at, live) stays that of the first delivery, which is what latency figures need
_UPSERT_EVENT = _event_insert.on_conflict_do_update(
    index_elements=[tracking_events.c.shipment_id, tracking_events.c.event_key],
    set_={name: _event_insert.excluded[name] for name in _CONTENT},
)

_sync_insert = sqlite_insert(sync_state)
_UPSERT_SYNC = _sync_insert.on_conflict_do_update(
    index_elements=[sync_state.c.source],
    set_={c.name: _sync_insert.excluded[c.name] for c in sync_state.columns if c.name != "source"},
)

_ADD_SOURCE = sqlite_insert(sources).on_conflict_do_nothing(index_elements=[sources.c.name])

_compiled: dict[tuple[int, tuple[str, ...]], tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]]] = {}


def executemany(conn: Connection, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``stmt`` once per row as one driver ``executemany``.

    The statement is compiled once per set of keys and the rows go to sqlite3 as plain tuples:
    SQLAlchemy's per-row parameter processing would otherwise cost more than SQLite's own work.
    """
    if not rows:
        return
    keys = tuple(rows[0])
    cache_key = (id(stmt), keys)
    entry = _compiled.get(cache_key)
    if entry is None:
        compiled = cast(SQLCompiler, stmt.compile(dialect=conn.dialect, column_keys=list(keys)))
        order = tuple(compiled.positiontup or ())
        pick = itemgetter(*order)  # one C call per row (a scalar when there is one key)
        entry = (str(compiled), pick if len(order) > 1 else (lambda row: (pick(row),)))
        _compiled[cache_key] = entry
    sql, values = entry
    conn.exec_driver_sql(sql, list(map(values, rows)))


class UnitOfWork:
    """Everything inside one SQLite write transaction (obtain it from ``Store.transaction()``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._closed = False

    def close(self) -> None:
        """Make this unit unusable (called when its transaction ends)."""
        self._closed = True

    @property
    def connection(self) -> Connection:
        """Return the connection of this write transaction (StorageError once the transaction ended).

        The seam for storage modules with tables of their own (notifications, History): statements
        run on it commit or roll back together with everything else done in this unit of work.
        """
        if self._closed:
            raise StorageError("this cache transaction is already finished")
        return self._conn

    def execute(self, stmt: Executable, params: Any = None) -> CursorResult[Any]:
        """Run one SQLAlchemy statement in this transaction (a list of dicts as ``params``: executemany).

        A database failure raises StorageError; the whole transaction then rolls back on exit.
        """
        with self._guard("run a statement"):
            return self._conn.execute(stmt, params)

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Refuse work after the transaction ended; turn database failures into StorageError."""
        if self._closed:
            raise StorageError("this cache transaction is already finished")
        try:
            yield
        except DBAPIError as err:
            raise StorageError(f"could not {action} in the local cache: {err.orig}") from err

    # ------------------------------------------------------------ orders

    def upsert_orders(
        self, orders: Sequence[Order], *, source: str, received_at: datetime, live: bool, complete: bool = True
    ) -> ChangeSet:
        """Insert or merge orders (rules in services.storage.merge) and return what changed.

        ``source``, ``received_at`` and ``live`` are recorded with each carrier event stored for the
        first time (provenance and latency); every order keeps its own ``Order.source``.
        ``complete``: the orders are full records (an order feed's answer), so a shipment without an
        ETA withdraws the estimate this source's order feed gave it (:meth:`_withdrawals`).
        """
        with self._guard("save orders"):
            result = ChangeSet()
            for page in chunked(list(orders)):
                cached = load_by_numbers(self._conn, (o.order_number for o in page))
                withdrawn: set[tuple[str, str]] = set()
                if complete:
                    withdrawn = self._withdrawals(
                        ((cached[o.order_number], s) for o in page if o.order_number in cached for s in o.shipments),
                        source=source,
                        feed=ORDERS_FEED,
                    )
                merged: dict[str, Order] = {}
                for incoming in page:
                    number = incoming.order_number
                    before = merged.get(number)
                    if before is None and number in cached:
                        before = cached[number].order
                    merged[number] = merge_order(before, incoming, withdrawn={t for n, t in withdrawn if n == number})
                result = result + self._write(
                    cached, merged, source=source, received_at=received_at, live=live, sync=True
                )
            return _tidy(result)

    def upsert_tracking(
        self, shipment: Shipment, *, source: str, received_at: datetime, live: bool, complete: bool = False
    ) -> ChangeSet:
        """Attach carrier data to every cached shipment with this tracking number; return what changed.

        Carriers must match when both are known (an empty slug matches any and is filled in). An
        unknown tracking number gives an empty ChangeSet: tracking never creates orders.
        ``complete``: ``shipment`` is a full tracking record, not a pushed event (the default), so a
        missing ETA withdraws the estimate this source's tracking API gave.
        """
        with self._guard("save tracking"):
            rows = self._conn.execute(
                select(shipments.c.order_id, shipments.c.carrier).where(
                    shipments.c.tracking_number == shipment.tracking_number
                )
            ).all()
            order_ids = [r.order_id for r in rows if tracking_matches(r.carrier, shipment.carrier)]
            if not order_ids:
                return ChangeSet()
            tracked = replace(shipment, events=normalize_events(shipment.events))
            cached: dict[str, LoadedOrder] = {}
            merged: dict[str, Order] = {}
            loaded = load_by_ids(self._conn, order_ids)
            withdrawn: set[tuple[str, str]] = set()
            if complete:
                withdrawn = self._withdrawals(((lo, tracked) for lo in loaded), source=source, feed=TRACKING_FEED)
            for lo in loaded:
                number = lo.order.order_number
                ships = tuple(
                    attach_tracking(s, tracked, withdraws_eta=(number, s.tracking_number) in withdrawn)
                    if s.tracking_number == shipment.tracking_number and tracking_matches(s.carrier, shipment.carrier)
                    else s
                    for s in lo.order.shipments
                )
                cached[lo.order.order_number] = lo
                merged[lo.order.order_number] = replace(lo.order, shipments=ships)
            return _tidy(self._write(cached, merged, source=source, received_at=received_at, live=live, sync=False))

    def upsert_trackings(
        self, tracked: Sequence[Shipment], *, source: str, received_at: datetime, live: bool, complete: bool = True
    ) -> ChangeSet:
        """Attach many trackings at once (same rules as :meth:`upsert_tracking`, one read per chunk).

        ``complete`` (the default here): these are full tracking records (a tracking API's answers).
        """
        with self._guard("save tracking"):
            by_number: dict[str, Shipment] = {}
            for shipment in tracked:
                by_number[shipment.tracking_number] = replace(shipment, events=normalize_events(shipment.events))
            order_ids: set[int] = set()
            for part in chunked(list(by_number)):
                rows = self._conn.execute(
                    select(shipments.c.order_id, shipments.c.carrier, shipments.c.tracking_number).where(
                        shipments.c.tracking_number.in_(part)
                    )
                ).all()
                order_ids.update(
                    r.order_id for r in rows if tracking_matches(r.carrier, by_number[r.tracking_number].carrier)
                )
            if not order_ids:
                return ChangeSet()
            result = ChangeSet()
            for ids in chunked(sorted(order_ids)):
                cached: dict[str, LoadedOrder] = {}
                merged: dict[str, Order] = {}
                loaded = load_by_ids(self._conn, ids)
                withdrawn: set[tuple[str, str]] = set()
                if complete:
                    withdrawn = self._withdrawals(
                        (
                            (lo, by_number[s.tracking_number])
                            for lo in loaded
                            for s in lo.order.shipments
                            if s.tracking_number in by_number
                        ),
                        source=source,
                        feed=TRACKING_FEED,
                    )
                for lo in loaded:
                    ships = []
                    for s in lo.order.shipments:
                        update_with = by_number.get(s.tracking_number)
                        if update_with is not None and tracking_matches(s.carrier, update_with.carrier):
                            gone = (lo.order.order_number, s.tracking_number) in withdrawn
                            s = attach_tracking(s, update_with, withdraws_eta=gone)
                        ships.append(s)
                    cached[lo.order.order_number] = lo
                    merged[lo.order.order_number] = replace(lo.order, shipments=tuple(ships))
                result = result + self._write(
                    cached, merged, source=source, received_at=received_at, live=live, sync=False
                )
            return _tidy(result)

    def _withdrawals(
        self, pairs: Iterable[tuple[LoadedOrder, Shipment]], *, source: str, feed: str
    ) -> set[tuple[str, str]]:
        """Return the (order number, tracking number) whose missing ETA withdraws the cached estimate.

        ``pairs``: cached orders with an incoming full shipment record each (a cached shipment that
        is not there is skipped). A shipment qualifies when the incoming record has no ETA, the
        cached one has, and the latest row of its ETA history came from this ``source`` through
        this ``feed`` (orders / tracking): the one who gave an estimate is the one who can take it
        back. Another source that knows no estimate (a shop beside a tracking service), the other
        feed of the same source (a backend whose orders say null beside its tracking API) and rows
        from before migration 0008 (feed unknown) withdraw nothing. Whether the record then leads
        and is not final is the merge's call (``merge_shipment``). Reads the history only for the
        few shipments that lost their ETA.
        """
        wanted: dict[int, tuple[str, str]] = {}
        for lo, incoming in pairs:
            if incoming.estimated_delivery is not None:
                continue
            sid = lo.shipment_ids.get(incoming.tracking_number)
            if sid is None:
                continue
            cached = next((s for s in lo.order.shipments if s.tracking_number == incoming.tracking_number), None)
            if cached is not None and cached.estimated_delivery is not None:
                wanted[sid] = (lo.order.order_number, incoming.tracking_number)
        out: set[tuple[str, str]] = set()
        for part in chunked(list(wanted)):
            latest = (
                select(func.max(shipment_etas.c.id))
                .where(shipment_etas.c.shipment_id.in_(part))
                .group_by(shipment_etas.c.shipment_id)
            )
            for row in self._conn.execute(
                select(shipment_etas.c.shipment_id, shipment_etas.c.source, shipment_etas.c.feed).where(
                    shipment_etas.c.id.in_(latest)
                )
            ):
                if row.source == source and row.feed == feed:
                    out.add(wanted[row.shipment_id])
        return out

    # ------------------------------------------------------------ bookkeeping

    def set_sync_state(self, state: SyncState) -> None:
        """Replace the sync bookkeeping row of ``state.source``."""
        with self._guard("save the sync state"):
            self._conn.execute(_UPSERT_SYNC, sync_state_row(state))

    def add_source(self, source: SourceConfig) -> None:
        """Add a configured source; a duplicate name raises ConfigError."""
        with self._guard("add the source"):
            created = source.created_at or utc_now()
            result = self._conn.execute(
                _ADD_SOURCE,
                {
                    "name": source.name,
                    "kind": source.kind,
                    "url": source.url,
                    "created_at": ts(created),
                    "enabled": source.enabled,
                },
            )
            if result.rowcount == 0:
                raise ConfigError(f"a source named {source.name} already exists")

    def remove_source(self, name: str) -> bool:
        """Remove a configured source and its sync bookkeeping; tell whether it existed."""
        with self._guard("remove the source"):
            self._conn.execute(sync_state.delete().where(sync_state.c.source == name))
            return self._conn.execute(sources.delete().where(sources.c.name == name)).rowcount > 0

    def clear_cache(self) -> int:
        """Delete live cached orders with all their children and reset every sync position; return how many.

        See :meth:`services.storage.Store.clear_cache` for what is kept and why.
        """
        with self._guard("clear the cache"):
            conn = self._conn
            live = select(orders.c.id).where(orders.c.archived_at.is_(None))
            live_shipments = select(shipments.c.id).where(shipments.c.order_id.in_(live))
            # children first (cheaper than letting ON DELETE CASCADE find them row by row)
            conn.execute(tracking_events.delete().where(tracking_events.c.shipment_id.in_(live_shipments)))
            conn.execute(shipment_etas.delete().where(shipment_etas.c.shipment_id.in_(live_shipments)))
            conn.execute(shipments.delete().where(shipments.c.order_id.in_(live)))
            conn.execute(order_events.delete().where(order_events.c.order_id.in_(live)))
            removed = conn.execute(orders.delete().where(orders.c.archived_at.is_(None))).rowcount
            conn.execute(update(sync_state).values(cursor=None, etag=None))
            return int(removed or 0)

    # ------------------------------------------------------------ the writer

    def _write(
        self,
        cached: Mapping[str, LoadedOrder],
        merged: Mapping[str, Order],
        *,
        source: str,
        received_at: datetime,
        live: bool,
        sync: bool,
    ) -> ChangeSet:
        """Write the difference between ``cached`` and ``merged`` orders; return the change set."""
        conn = self._conn
        received = ts(received_at)
        stored = ts(now())
        new_numbers: list[str] = []
        changed_numbers: list[str] = []
        for number, order in merged.items():
            before = cached.get(number)
            if before is None:
                new_numbers.append(number)
            elif before.order != order:
                changed_numbers.append(number)
        dirty = new_numbers + changed_numbers
        changed = set(changed_numbers)

        # orders rows
        if sync:
            rows = [order_row(merged[n]) | {"synced_at": received, "archived_at": None} for n in dirty]
            if rows:
                executemany(conn, _UPSERT_ORDER, rows)
            touched = [{"oid": lo.id, "synced": received} for n, lo in cached.items() if n not in changed]
            if touched:
                executemany(conn, _TOUCH_ORDER, touched)
        elif changed_numbers:
            executemany(
                conn,
                _ATTENTION,
                [{"oid": cached[n].id, "attention": merged[n].needs_attention} for n in changed_numbers],
            )
        order_ids = {n: lo.id for n, lo in cached.items()}
        for part in chunked(new_numbers):
            for row in conn.execute(select(orders.c.id, orders.c.order_number).where(orders.c.order_number.in_(part))):
                order_ids[row.order_number] = row.id

        # order events (only ever added)
        event_rows: list[dict[str, Any]] = []
        for n in dirty:
            before_events = set(cached[n].order.events) if n in cached else set()
            event_rows.extend(
                {
                    "order_id": order_ids[n],
                    "occurred_at": ts(e.occurred_at),
                    "status": e.status.value,
                    "description": e.description,
                }
                for e in merged[n].events
                if e not in before_events
            )
        if event_rows:
            executemany(conn, _INSERT_ORDER_EVENT, event_rows)

        # shipments (and their ETA history: a row whenever the window differs from the cached one,
        # which is always the latest recorded one, so no per-shipment history read is needed)
        ship_rows: list[dict[str, Any]] = []
        needs_ids: list[int] = []
        eta_changes: list[tuple[int, str, dict[str, Any]]] = []
        for n in dirty:
            before_ships: dict[str, tuple[int, Shipment]] = {}
            if n in cached:
                before_ships = {s.tracking_number: (i, s) for i, s in enumerate(cached[n].order.shipments)}
            for position, ship in enumerate(merged[n].shipments):
                old = before_ships.get(ship.tracking_number)
                values = shipment_row(ship)
                if ship.estimated_delivery != (old[1].estimated_delivery if old is not None else None):
                    eta_changes.append((order_ids[n], ship.tracking_number, values))
                if old is not None and old[0] == position and shipment_row(old[1]) == values:
                    continue
                ship_rows.append(values | {"order_id": order_ids[n], "position": position})
                if old is None:
                    needs_ids.append(order_ids[n])
        if ship_rows:
            executemany(conn, _UPSERT_SHIPMENT, ship_rows)
        ship_ids: dict[tuple[int, str], int] = {
            (lo.id, number): sid for lo in cached.values() for number, sid in lo.shipment_ids.items()
        }
        for id_part in chunked(list(dict.fromkeys(needs_ids))):
            for srow in conn.execute(
                select(shipments.c.id, shipments.c.order_id, shipments.c.tracking_number).where(
                    shipments.c.order_id.in_(id_part)
                )
            ):
                ship_ids[(srow.order_id, srow.tracking_number)] = srow.id
        if eta_changes:
            executemany(
                conn,
                _INSERT_ETA,
                [
                    {
                        "shipment_id": ship_ids[(oid, number)],
                        "eta_start": values["eta_start"],
                        "eta_end": values["eta_end"],
                        "eta_date_only": values["eta_date_only"],
                        "seen_at": received,
                        "source": source,
                        "feed": ORDERS_FEED if sync else TRACKING_FEED,
                    }
                    for oid, number, values in eta_changes
                ],
            )

        # carrier events (only ever added; a richer copy updates the details)
        tracking_rows: list[dict[str, Any]] = []
        new_events: list[NewTrackingEvent] = []
        provenance = {"source": source, "received_at": received, "stored_at": stored, "live": live}
        for n in dirty:
            old_by_number: dict[str, Shipment] = {}
            if n in cached:
                old_by_number = {s.tracking_number: s for s in cached[n].order.shipments}
            for ship in merged[n].shipments:
                old_ship = old_by_number.get(ship.tracking_number)
                known = {event_key(e): e for e in old_ship.events} if old_ship is not None else {}
                sid = ship_ids[(order_ids[n], ship.tracking_number)]
                for ev in ship.events:
                    content = tracking_event_content(ev)
                    previous = known.get(content["event_key"])
                    if previous is None:
                        new_events.append(NewTrackingEvent(n, ship.tracking_number, ship.carrier, ev))
                    elif previous == ev:
                        continue
                    tracking_rows.append(content | provenance | {"shipment_id": sid})
        if tracking_rows:
            executemany(conn, _UPSERT_EVENT, tracking_rows)

        return ChangeSet(
            new_orders=tuple(new_numbers),
            changed_orders=tuple(changed_numbers),
            new_events=tuple(new_events),
            orders=tuple(merged[n] for n in dirty),
        )


def _tidy(changes: ChangeSet) -> ChangeSet:
    """An order that is new in this change set is not also listed as changed."""
    new = set(changes.new_orders)
    return replace(changes, changed_orders=tuple(n for n in changes.changed_orders if n not in new))
