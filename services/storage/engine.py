"""The SQLAlchemy engine of the cache: SQLite file, WAL, foreign keys, explicit transactions.

Every pooled connection gets, at connect time:

* ``journal_mode=WAL``: readers never block the writer (the GUI reads while sync writes);
* ``synchronous=NORMAL``: durable at checkpoints, safe with WAL and much faster than FULL;
* ``foreign_keys=ON``: children cannot point at missing orders/shipments, deletes cascade;
* ``busy_timeout``: a second process (CLI next to the GUI) waits for the lock instead of failing.

The stdlib driver's own transaction handling is switched off (``isolation_level = None``) and
SQLAlchemy emits ``BEGIN`` itself: plain ``BEGIN`` for reads (one consistent snapshot per
connection use) and ``BEGIN IMMEDIATE`` for writes (the write lock is taken up front, so a write
transaction never fails half-way with "database is locked" when upgrading a read lock).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event

BUSY_TIMEOUT_MS = 5000
"""How long a connection waits for another writer before giving up."""

WRITE_OPTION = "ordertrack_write"
"""Execution option that makes the next ``BEGIN`` an ``IMMEDIATE`` one."""


def database_url(path: Path) -> URL:
    """Return the SQLAlchemy URL of an SQLite file (no string escaping pitfalls)."""
    return URL.create("sqlite", database=str(path))


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(path: Path) -> Engine:
    """Create the engine for the cache file at ``path`` with the pragmas and BEGIN handling above."""
    engine = create_engine(
        database_url(path),
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=5,
        max_overflow=5,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine
