"""The public seams of the Store: `Store.reading()` (one read snapshot) and `UnitOfWork.connection/execute`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from services.domain import StorageError
from services.storage import Store, UnitOfWork
from services.storage.tables import orders, sources

STORAGE = Path(__file__).resolve().parents[3] / "services" / "storage"


def _count(conn: object) -> int:
    return int(conn.execute(select(func.count()).select_from(orders)).scalar_one())  # type: ignore[attr-defined]


def test_reading_is_one_snapshot(db_path: Path, build, ops) -> None:
    """Queries inside one `reading()` block see the same data, even when a write commits meanwhile."""
    with Store.open(db_path) as store:
        ops.upsert(store, [build.order("W-1")])
        with store.reading() as conn:
            assert _count(conn) == 1
            ops.upsert(store, [build.order("W-2")])  # another connection commits
            assert _count(conn) == 1
        with store.reading() as conn:
            assert _count(conn) == 2


def test_reading_refuses_a_closed_store_and_wraps_driver_errors(db_path: Path) -> None:
    """Failures come out as StorageError, in plain words."""
    store = Store.open(db_path)
    with pytest.raises(StorageError, match="could not read the local cache"), store.reading() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    store.close()
    with pytest.raises(StorageError, match="closed"), store.reading():
        pass


def test_unit_of_work_execute_and_connection_share_its_transaction(db_path: Path) -> None:
    """Statements run through the unit of work commit together, or roll back together."""
    with Store.open(db_path) as store:
        with store.transaction() as uow:
            uow.execute(sources.insert().values(name="a", kind="ordertrack", url="http://a", enabled=True))
            uow.connection.execute(sources.insert().values(name="b", kind="ordertrack", url="http://b", enabled=True))
        assert [s.name for s in store.sources.list()] == ["a", "b"]
        with pytest.raises(StorageError, match="could not run a statement"), store.transaction() as uow:
            uow.execute(sources.insert().values(name="c", kind="ordertrack", url="http://c", enabled=True))
            uow.execute(sources.insert().values(name="a", kind="ordertrack", url="http://dup", enabled=True))
        assert [s.name for s in store.sources.list()] == ["a", "b"]  # "c" rolled back with the failure


def test_a_finished_unit_of_work_refuses_work(db_path: Path) -> None:
    """After its transaction ended, neither the connection nor execute is handed out."""
    with Store.open(db_path) as store:
        with store.transaction() as uow:
            kept: UnitOfWork = uow
        with pytest.raises(StorageError, match="already finished"):
            _ = kept.connection
        with pytest.raises(StorageError, match="already finished"):
            kept.execute(select(func.count()).select_from(orders))


def test_store_internals_stay_inside_store_and_uow() -> None:
    """No storage module reaches into `Store._read()` or `UnitOfWork._conn`; they use the public seams."""
    private = re.compile(r"\._read\b|\._conn\b")
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(STORAGE.rglob("*.py"))
        if path.name not in ("store.py", "uow.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if private.search(line)
    ]
    assert offenders == []
