"""Opening the cache: creation, re-opening, and clear StorageErrors for files that are not ours."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

from services.domain import OrderFilter, StorageError
from services.storage import Store


def test_reopening_keeps_the_data(db_path: Path, build, ops) -> None:
    """Closing and re-opening the cache keeps what was stored."""
    s = Store.open(db_path)
    ops.upsert(s, [build.order()])
    s.close()
    with Store.open(db_path) as again:
        assert again.orders.get("W-10023") == build.order()
        assert again.path == db_path


def test_a_file_that_is_not_a_database_is_refused_clearly(db_path: Path) -> None:
    """A non-database file gives a StorageError naming the file, and is left untouched."""
    db_path.parent.mkdir(parents=True)
    db_path.write_text("these are my holiday notes, not a database\n" * 200)
    with pytest.raises(StorageError, match="not an SQLite database") as info:
        Store.open(db_path)
    assert str(db_path) in str(info.value)
    assert db_path.read_text().startswith("these are my holiday notes")  # untouched


def test_a_folder_in_place_of_the_file_is_refused(db_path: Path) -> None:
    """A folder where the file should be gives a clear StorageError."""
    db_path.mkdir(parents=True)
    with pytest.raises(StorageError, match="it is a folder"):
        Store.open(db_path)


def test_permission_denied_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder the user cannot write to gives a 'permission denied' StorageError."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    target = locked / "cache.db"
    if os.geteuid() == 0:  # root ignores permissions: make the OS answer what it answers a normal user
        real_open = os.open

        def denied(path: object, flags: int, mode: int = 0o777) -> int:
            if Path(str(path)) == target:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, mode)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", denied)
    try:
        with pytest.raises(StorageError, match="permission denied") as info:
            Store.open(target)
        assert str(target) in str(info.value)
    finally:
        locked.chmod(0o700)


def test_a_cache_from_a_newer_app_version_is_refused(db_path: Path) -> None:
    """An unknown (newer) schema revision is refused with advice to update."""
    Store.open(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    with pytest.raises(StorageError, match="newer version"):
        Store.open(db_path)


def test_a_closed_store_refuses_work(store: Store) -> None:
    """A closed store raises StorageError; closing twice is fine."""
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.orders.count(OrderFilter())
    store.close()  # idempotent


def test_integrity_check_is_clean_on_a_healthy_cache(store: Store, build, ops) -> None:
    """A healthy cache has no problems."""
    ops.upsert(store, [build.order(f"W-{i}") for i in range(20)])
    assert store.integrity_check() == []


def test_integrity_check_reports_a_damaged_index(db_path: Path, build, ops) -> None:
    """An index that disagrees with its table is reported in plain words."""
    s = Store.open(db_path)
    ops.upsert(s, [build.order(f"W-{i:04d}") for i in range(50)])
    s.close()
    raw = sqlite3.connect(db_path)  # make the index disagree with its table, as a bad disk would
    raw.execute("PRAGMA writable_schema=ON")
    raw.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_orders_synced_at ON orders (status)' "
        "WHERE name = 'ix_orders_synced_at'"
    )
    raw.commit()
    raw.close()
    with Store.open(db_path) as damaged:
        problems = damaged.integrity_check()
    assert problems
    assert all(p.startswith("the database file is damaged") for p in problems)
    assert any("ix_orders_synced_at" in p for p in problems)


def test_integrity_check_reports_broken_references(store: Store, build, ops) -> None:
    """Rows whose parent is gone are reported."""
    ops.upsert(store, [build.order()])
    raw = sqlite3.connect(store.path)  # foreign keys are off by default: as an old bug or a manual edit might
    raw.execute("DELETE FROM orders")
    raw.commit()
    raw.close()
    problems = store.integrity_check()
    assert "row 1 of shipments refers to a missing row of orders" in problems
    assert any("order_events" in p for p in problems)


def test_garbage_in_the_file_gives_a_clear_error_or_problems(db_path: Path, build, ops) -> None:
    """Overwritten pages give a clear 'damaged' error on open or problems in the check."""
    s = Store.open(db_path)
    ops.upsert(s, [build.order(f"W-{i:05d}") for i in range(300)])
    s.close()
    data = bytearray(db_path.read_bytes())
    rnd = random.Random(3)
    for offset in range(4096 * 30, 4096 * 60):
        data[offset] = rnd.randrange(256)
    db_path.write_bytes(bytes(data))
    try:
        damaged = Store.open(db_path)
    except StorageError as err:
        assert "damaged" in str(err) and str(db_path) in str(err)
    else:
        with damaged:
            problems = damaged.integrity_check()
        assert problems and all("damaged" in p for p in problems)
