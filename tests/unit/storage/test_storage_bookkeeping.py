"""Sync state and configured sources round-trip through the cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.domain import ConfigError, SourceConfig, SyncState
from services.storage import Store

WHEN = datetime(2026, 11, 25, 12, 30, 15, 123000, tzinfo=UTC)


def test_sync_state_defaults_to_never_synced(store: Store) -> None:
    """An unknown source has a fresh SyncState."""
    state = store.sync_state.get("shop")
    assert state == SyncState("shop")
    assert state.health == "never"
    assert store.sync_state.all() == []


def test_sync_state_round_trips_and_is_replaced_whole(store: Store) -> None:
    """set_sync_state stores every field and replaces the whole row."""
    full = SyncState(
        source="shop",
        cursor="2026-11-25T12:00:00Z|W-100",
        etag='W/"abc"',
        last_attempt_at=WHEN,
        last_success_at=WHEN,
        last_error=None,
        stale_since=None,
    )
    with store.transaction() as uow:
        uow.set_sync_state(full)
        uow.set_sync_state(SyncState("demo", last_error="connection refused", stale_since=WHEN))
    assert store.sync_state.get("shop") == full
    failing = SyncState("shop", cursor=None, last_attempt_at=WHEN, last_error="401 Unauthorized")
    with store.transaction() as uow:
        uow.set_sync_state(failing)
    got = store.sync_state.get("shop")
    assert got == failing and got.etag is None and got.health == "failing"
    assert [s.source for s in store.sync_state.all()] == ["demo", "shop"]
    assert got.last_attempt_at is not None and got.last_attempt_at.tzinfo is UTC


def test_sources_add_list_get_remove(store: Store) -> None:
    """Sources round-trip; created_at defaults to now."""
    shop = SourceConfig(name="shop", kind="shopify", url="https://shop.example", created_at=WHEN)
    store.sources.add(shop)
    store.sources.add(SourceConfig(name="tracker", kind="aftership", url="https://api.aftership.com", enabled=False))
    assert store.sources.get("shop") == shop
    tracker = store.sources.get("tracker")
    assert tracker is not None and tracker.enabled is False
    assert tracker.created_at is not None and tracker.created_at.tzinfo is UTC  # defaulted to now
    assert [s.name for s in store.sources.list()] == ["shop", "tracker"]
    assert store.sources.get("nope") is None
    assert store.sources.remove("shop") is True
    assert store.sources.remove("shop") is False
    assert [s.name for s in store.sources.list()] == ["tracker"]


def test_a_duplicate_source_name_is_a_config_error(store: Store) -> None:
    """Adding a name twice raises ConfigError and keeps the first one."""
    store.sources.add(SourceConfig(name="shop", kind="shopify", url="https://shop.example"))
    with pytest.raises(ConfigError, match="^a source named shop already exists$"):
        store.sources.add(SourceConfig(name="shop", kind="woocommerce", url="https://other.example"))
    (only,) = store.sources.list()
    assert only.kind == "shopify"


def test_removing_a_source_forgets_its_sync_state_but_keeps_orders(store: Store, build, ops) -> None:
    """Removing a source drops its sync bookkeeping, not its cached orders."""
    store.sources.add(SourceConfig(name="shop", kind="shopify", url="https://shop.example"))
    with store.transaction() as uow:
        uow.set_sync_state(SyncState("shop", cursor="c9"))
        uow.upsert_orders([build.order(source="shop")], source="shop", received_at=WHEN, live=False)
    store.sources.remove("shop")
    assert store.sync_state.get("shop") == SyncState("shop")
    assert store.orders.get("W-10023") is not None
