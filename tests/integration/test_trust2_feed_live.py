"""The Timeline feed reads the same live / History rule as `orders --live` / `--history`.

An order that is finished and unchanged for the History delay is in History at once (the list
says so), not when the move later stamps it; its events and alerts must leave the feed at the
same moment, and the move then changes nothing the feed shows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import update

from services.domain import OrderFilter, OrderStatus
from services.storage import Store
from services.storage.archive import move_to_history
from services.storage.tables import orders as orders_table

from .test_recent_events import RECEIVED, _assert_feed_plan, _order, _pages, _seed_alerts, big, brute_force

AFTER_DAYS = 30


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[tuple[Store, set[str], set[str]]]:
    """150 orders placed in October: a third delivered (due for History, none moved), a few moved by hand."""
    rnd = random.Random(20261204)
    store = Store.open(tmp_path / "cache.db")
    store.history_after_days = AFTER_DAYS
    all_orders = [_order(rnd, i) for i in range(150)]
    all_orders = [replace(o, status=OrderStatus.DELIVERED) if i % 3 == 1 else o for i, o in enumerate(all_orders)]
    with store.transaction() as uow:
        uow.upsert_orders(all_orders, source="demo", received_at=RECEIVED, live=False)
    moved = {o.order_number for i, o in enumerate(all_orders) if i % 10 == 4}
    with store.transaction() as uow:
        uow.execute(
            update(orders_table)
            .where(orders_table.c.order_number.in_(sorted(moved)))
            .values(archived_at="2026-11-02T00:00:00.000000Z")
        )
    due = {o.order_number for i, o in enumerate(all_orders) if i % 3 == 1} - moved
    live = [o for o in all_orders if o.order_number not in moved | due]
    history = [o for o in all_orders if o.order_number in moved | due]
    _seed_alerts(store, rnd, [*live[:30], *history[:20], *live[30:]], [])
    yield store, due, moved
    store.close()


def _live_numbers(store: Store) -> list[str]:
    return [o.order_number for o in store.orders.list_orders(OrderFilter(archived=False))]


def test_due_orders_leave_the_feed_before_the_move(cache: tuple[Store, set[str], set[str]]) -> None:
    """Before any move: the feed is exactly the live list's timelines; due orders' events and alerts are gone."""
    store, due, moved = cache
    live = _live_numbers(store)
    assert due and not set(live) & (due | moved)  # the list already reads the rule (the seed has due orders)
    feed = [e for page in _pages(store, 23) for e in page]
    assert {e.order_number for e in feed}.isdisjoint(due | moved)
    assert feed == brute_force(store, sorted(live))
    due_entries = brute_force(store, sorted(due))
    assert due_entries, "the due orders have events or alerts, or the test proves nothing"


def test_the_move_changes_nothing_the_feed_shows(cache: tuple[Store, set[str], set[str]]) -> None:
    """Applying the move only writes down what the rule said: same feed, same pages."""
    store, due, _moved = cache
    before = _pages(store, 17)
    assert move_to_history(store, after_days=AFTER_DAYS) == len(due)
    assert _pages(store, 17) == before


def test_without_a_delay_the_feed_follows_the_move_alone(cache: tuple[Store, set[str], set[str]]) -> None:
    """No History delay set (a bare store): only moved orders are History, in the list and in the feed alike."""
    store, due, moved = cache
    store.history_after_days = None
    live = _live_numbers(store)
    assert due <= set(live) and not set(live) & moved
    assert [e for page in _pages(store, 29) for e in page] == brute_force(store, sorted(live))


def test_the_rule_keeps_the_feed_on_its_time_indexes(big: Store) -> None:
    """With the History delay in the WHERE, each part still walks its occurred_at index; nothing is scanned."""
    big.history_after_days = AFTER_DAYS
    _assert_feed_plan(big.orders.explain_recent_events(60))
    page = big.orders.recent_events(60)
    _assert_feed_plan(big.orders.explain_recent_events(60, before=page[-1].cursor))


__all__ = ["big"]  # the fixture, shared with the feed tests
