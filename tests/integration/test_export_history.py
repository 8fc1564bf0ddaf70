"""History: finished orders move after N days, keep every detail, stay findable, and export on their own."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from services.demo import generate
from services.domain import Channel, Order, OrderFilter, order_to_json
from services.export import export_orders
from services.storage import Store
from services.storage.archive import (
    HISTORY_STATUSES,
    count_orders,
    due_for_history,
    list_orders,
    move_to_history,
    verify,
)
from services.storage.tables import orders as orders_table

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An encrypted cache with 120 demo orders."""
    s = Store.open(tmp_path / "cache.db", secrets.token_bytes(32))
    with s.transaction() as uow:
        uow.upsert_orders(generate(11, 120, NOW).orders, source="demo", received_at=NOW, live=False)
    yield s
    s.close()


def _last_change(o: Order) -> datetime:
    return o.updated_at or o.placed_at


def test_only_old_finished_orders_move_and_keep_every_detail(store: Store) -> None:
    """Delivered/cancelled/returned orders untouched for N days move; the others stay; details are intact."""
    everything = {o.order_number: o for o in store.orders.list_orders(OrderFilter())}
    due = {
        n for n, o in everything.items() if o.status in HISTORY_STATUSES and _last_change(o) < NOW - timedelta(days=60)
    }
    assert 0 < len(due) < len(everything)
    assert move_to_history(store, after_days=60, now=NOW) == len(due)
    assert move_to_history(store, after_days=60, now=NOW) == 0  # idempotent
    history = list_orders(store, OrderFilter())
    assert {o.order_number for o in history} == due
    assert all(o == everything[o.order_number] for o in history)  # items, events, shipments: all kept
    live = list_orders(store, OrderFilter(), archived=False)
    assert {o.order_number for o in live} == set(everything) - due
    assert count_orders(store, OrderFilter(), True) == len(due)
    report = verify(store)
    assert report.problems == () and report.in_history == len(due) and report.encrypted


def test_the_history_probe_reads_an_index_not_every_order(store: Store) -> None:
    """The 'is anything due?' question is answered from migration 0006's index, without reading the table."""
    with store.reading() as conn:
        stmt = select(orders_table.c.id).where(*due_for_history(NOW, 30)).limit(1)
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "USING COVERING INDEX ix_orders_status_archived_at_updated_at_placed_at" in plan, plan
    assert move_to_history(store, after_days=30, now=NOW) > 0  # and the index answers correctly


def test_history_is_findable_by_every_filter(store: Store) -> None:
    """Number prefix, date range, source, channel and text all work inside History."""
    move_to_history(store, after_days=0, now=NOW + timedelta(days=1))
    history = list_orders(store, OrderFilter())
    sample = history[len(history) // 2]
    assert [o.order_number for o in list_orders(store, OrderFilter(number_prefix=sample.order_number))] == [
        sample.order_number
    ]
    day = sample.placed_at.replace(hour=0, minute=0, second=0, microsecond=0)
    in_range = list_orders(store, OrderFilter(placed_from=day, placed_to=day + timedelta(days=1)))
    assert sample in in_range and all(day <= o.placed_at <= day + timedelta(days=1) for o in in_range)
    web = list_orders(store, OrderFilter(channels=(Channel.MARKETPLACE,)))
    assert web and all(o.channel is Channel.MARKETPLACE for o in web)
    assert len(list_orders(store, OrderFilter(source="demo"))) == len(history)
    assert list_orders(store, OrderFilter(source="elsewhere")) == []
    item = sample.items[0].name
    found = list_orders(store, OrderFilter(text=item.upper()))
    assert sample in found and {o.order_number for o in found} <= {o.order_number for o in history}
    assert list_orders(store, OrderFilter(text="no such thing anywhere")) == []


def test_a_sync_update_keeps_an_order_in_history(store: Store) -> None:
    """An archived order changed by a later sync stays in History with its new data."""
    move_to_history(store, after_days=0, now=NOW + timedelta(days=1))
    first = list_orders(store, OrderFilter(), limit=1)[0]
    changed = replace(first, merchant=first.merchant + " (renamed)", updated_at=NOW + timedelta(days=2))
    with store.transaction() as uow:
        uow.upsert_orders([changed], source="demo", received_at=NOW, live=False)
    again = list_orders(store, OrderFilter(number_prefix=first.order_number))
    assert [o.merchant for o in again] == [changed.merchant]


def test_export_history_only(store: Store, tmp_path: Path) -> None:
    """export_orders(archived=True) writes exactly the History, newest first, in the DESIGN.md JSON shape."""
    move_to_history(store, after_days=90, now=NOW)
    history = list_orders(store, OrderFilter())
    out = tmp_path / "history.json"
    result = export_orders(store, OrderFilter(), "json", out, archived=True)
    assert result.orders == len(history) > 0
    assert json.loads(out.read_text(encoding="utf-8")) == {"orders": [order_to_json(o) for o in history]}
