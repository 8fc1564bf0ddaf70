"""The cache file: pragmas, foreign keys, owner-only permissions, transactions."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from services.storage import Store
from services.storage.engine import make_engine
from services.storage.tables import order_events


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_connection_has_the_pragmas(store: Store) -> None:
    """WAL, foreign keys, synchronous=NORMAL and busy_timeout are set on every connection."""
    with store._engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_wal_is_persistent_in_the_file(store: Store) -> None:
    """WAL mode is recorded in the file itself, so any other reader uses it too."""
    raw = sqlite3.connect(store.path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()


def test_foreign_keys_are_enforced(store: Store) -> None:
    """An event pointing at a missing order is refused with an IntegrityError."""
    engine = make_engine(store.path)
    try:
        with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"), engine.begin() as conn:
            conn.execute(
                insert(order_events).values(
                    order_id=999, occurred_at="2026-11-20T09:15:00.000000Z", status="placed", description="x"
                )
            )
    finally:
        engine.dispose()


def test_deleting_an_order_cascades_to_its_children(store: Store, build, ops) -> None:
    """Deleting an order removes its events, shipments and carrier events."""
    ops.upsert(store, [build.order()])
    assert ops.count_rows(store, "tracking_events") == 3
    with store._engine.begin() as conn:
        conn.execute(text("DELETE FROM orders"))
    for table in ("order_events", "shipments", "tracking_events"):
        assert ops.count_rows(store, table) == 0


def test_file_is_created_owner_only_with_its_folder(db_path: Path) -> None:
    """The folder is created and the file and its -wal/-shm are 0600 whatever the umask."""
    old = os.umask(0)  # even with a permissive umask
    try:
        s = Store.open(db_path)
    finally:
        os.umask(old)
    try:
        assert db_path.parent.is_dir()
        assert _mode(db_path) == 0o600
        for suffix in ("-wal", "-shm"):
            side = db_path.with_name(db_path.name + suffix)
            assert side.exists()
            assert _mode(side) == 0o600
    finally:
        s.close()


def test_an_existing_file_loses_group_and_other_permissions(db_path: Path) -> None:
    """Re-opening tightens a cache file that others could read."""
    Store.open(db_path).close()
    os.chmod(db_path, 0o644)
    Store.open(db_path).close()
    assert _mode(db_path) == 0o600


def test_transaction_commits_on_exit_and_rolls_back_on_error(store: Store, build, ops) -> None:
    """One transaction: all of it on success, none of it on an exception."""

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.transaction() as uow:
        uow.upsert_orders([build.order("W-1")], source="demo", received_at=ops.RECEIVED, live=True)
        raise Boom
    assert store.orders.get("W-1") is None
    assert ops.count_rows(store, "shipments") == 0

    with store.transaction() as uow:
        uow.upsert_orders([build.order("W-2")], source="demo", received_at=ops.RECEIVED, live=True)
    assert store.orders.get("W-2") is not None


def test_transaction_takes_the_write_lock_up_front(store: Store) -> None:
    """BEGIN IMMEDIATE: another writer waits, readers do not."""
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    try:
        with store.transaction():
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            # readers are not blocked by the writer (WAL)
            assert other.execute("SELECT count(*) FROM orders").fetchone() == (0,)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_reads_see_a_committed_write_from_another_thread(store: Store, build, ops) -> None:
    """The store can be shared by threads (sync thread writes, UI reads)."""
    done = threading.Event()

    def writer() -> None:
        ops.upsert(store, [build.order("W-T")])
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join(10)
    assert done.is_set()
    assert store.orders.get("W-T") is not None


def test_a_finished_unit_of_work_cannot_be_reused(store: Store, build, ops) -> None:
    """A UnitOfWork kept past its transaction refuses work instead of autocommitting."""
    from services.domain import StorageError

    with store.transaction() as uow:
        pass
    with pytest.raises(StorageError, match="already finished"):
        uow.upsert_orders([build.order()], source="demo", received_at=ops.RECEIVED, live=True)


def test_a_nested_transaction_fails_fast_instead_of_waiting_for_itself(store: Store) -> None:
    """Opening a second write transaction in the same thread is refused at once, clearly."""
    from services.domain import SourceConfig, StorageError

    # refused by our own check, not by a lock wait running out (that would say "database is locked")
    with store.transaction(), pytest.raises(StorageError, match="already open in this thread"):
        store.sources.add(SourceConfig(name="shop", kind="shopify", url="https://shop.example"))
    store.sources.add(SourceConfig(name="shop", kind="shopify", url="https://shop.example"))  # usable afterwards
    assert store.sources.get("shop") is not None
