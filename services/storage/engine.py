"""The SQLAlchemy engine of the cache: SQLite file, WAL, foreign keys, explicit transactions.

Every pooled connection gets, at connect time:

* ``journal_mode=WAL``: readers never block the writer (the GUI reads while sync writes);
* ``synchronous=NORMAL``: durable at checkpoints, safe with WAL and much faster than FULL;
* ``foreign_keys=ON``: children cannot point at missing orders/shipments, deletes cascade;
* ``busy_timeout``: a second process (CLI next to the GUI) waits for the lock instead of failing.

Encryption at rest: with a key, the driver is SQLCipher (the ``sqlcipher3`` wheel, a drop-in
DB-API twin of ``sqlite3``) and ``PRAGMA key = "x'<64 hex>'"`` is the FIRST statement on every
connection. The key is a raw 256-bit key (no PBKDF2 per connection: opening costs 0.3 ms instead
of ~140 ms); where it comes from (OS keyring, passphrase) is the caller's business.

The stdlib driver's own transaction handling is switched off (``isolation_level = None``) and
SQLAlchemy emits ``BEGIN`` itself: plain ``BEGIN`` for reads (one consistent snapshot per
connection use) and ``BEGIN IMMEDIATE`` for writes (the write lock is taken up front, so a write
transaction never fails half-way with "database is locked" when upgrading a read lock).
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event

from services.domain import StorageError

BUSY_TIMEOUT_MS = 5000
"""How long a connection waits for another writer before giving up."""

WRITE_OPTION = "ordertrack_write"
"""Execution option that makes the next ``BEGIN`` an ``IMMEDIATE`` one."""


CIPHER_CACHE_KIB = 32 * 1024
"""Page cache of an encrypted connection, in KiB."""

KEY_BYTES = 32
"""A raw SQLCipher key is 256 bits."""

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every plaintext SQLite file (an SQLCipher file starts with random salt)."""


def database_url(path: Path) -> URL:
    """Return the SQLAlchemy URL of an SQLite file (no string escaping pitfalls)."""
    return URL.create("sqlite", database=str(path))


def check_key(key: bytes) -> bytes:
    """Return ``key`` if it is a 32-byte raw key, else raise ValueError."""
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"an SQLCipher raw key must be {KEY_BYTES} bytes")
    return key


def key_pragma(key: bytes) -> str:
    """Return the ``PRAGMA key`` statement for a raw key (hex only: nothing to escape)."""
    return f"PRAGMA key = \"x'{check_key(key).hex()}'\""


def cipher_url(path: Path, key: bytes) -> URL:
    """Return a ``sqlite+pysqlcipher`` URL whose 'password' is the raw-key literal (for alembic)."""
    return URL.create("sqlite+pysqlcipher", username="", password=f"x'{check_key(key).hex()}'", database=str(path))


_cipher_log_quiet = False


def sqlcipher_dbapi() -> ModuleType:
    """Return the SQLCipher DB-API module, or raise StorageError when the wheel is missing."""
    try:
        from sqlcipher3 import dbapi2  # type: ignore[import-untyped]
    except ImportError as err:
        raise StorageError(
            "encryption needs the SQLCipher driver (pip install sqlcipher3), which is not installed"
        ) from err
    global _cipher_log_quiet
    if not _cipher_log_quiet:  # a wrong key is reported as a StorageError, not as C-level log lines
        probe = dbapi2.connect(":memory:")
        try:
            probe.execute("PRAGMA cipher_log_level = NONE")
        finally:
            probe.close()
        _cipher_log_quiet = True
    module: ModuleType = dbapi2
    return module


def file_kind(path: Path) -> str:
    """Tell what a cache file is: ``missing``, ``empty``, ``plaintext``, ``encrypted`` or ``other``.

    SQLCipher files are indistinguishable from random bytes, so "encrypted" means "no SQLite header
    and near-random content" (text or other formats have low byte entropy).
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "other"
    if not head:
        return "empty"
    if head.startswith(SQLITE_HEADER):
        return "plaintext"
    if len(head) < 1024:
        return "other"
    counts = Counter(head)
    entropy = -sum(n / len(head) * math.log2(n / len(head)) for n in counts.values())
    return "encrypted" if entropy > 7.5 else "other"


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any, key: bytes | None = None) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
    cur = dbapi_conn.cursor()
    try:
        if key is not None:
            cur.execute(key_pragma(key))  # must precede every other statement
            # Every page read from the file is decrypted and HMAC-checked: keep up to 32 MiB of decrypted
            # pages per connection (default 2 MiB), so repeated scans cost about what they cost in plain SQLite.
            cur.execute(f"PRAGMA cache_size=-{CIPHER_CACHE_KIB}")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(path: Path, key: bytes | None = None) -> Engine:
    """Create the engine for the cache file at ``path`` (SQLCipher when ``key`` is given)."""
    extra: dict[str, Any] = {}
    if key is not None:
        check_key(key)
        extra["module"] = sqlcipher_dbapi()
    engine = create_engine(
        database_url(path),
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=5,
        max_overflow=5,
        **extra,
    )
    event.listen(engine, "connect", partial(_on_connect, key=key))
    event.listen(engine, "begin", _on_begin)
    return engine
