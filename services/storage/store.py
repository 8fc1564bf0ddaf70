"""The Store: opens (creates, secures, migrates) the cache file and hands out repositories.

With ``Store.open(path, key)`` the file is an SQLCipher database encrypted with that raw 256-bit
key (see ``engine.py``); ``encrypt_in_place`` converts an existing plaintext cache without loss.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from alembic import command
from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from services.domain import StorageError
from services.domain.session import Protection

from .engine import WRITE_OPTION, check_key, cipher_url, file_kind, key_pragma, make_engine, sqlcipher_dbapi
from .migrate import alembic_config, upgrade
from .repositories import OrderRepository, SourceRepository, SyncStateRepository
from .uow import UnitOfWork

FILE_MODE = 0o600
"""The cache holds personal data: owner read/write only."""

DIR_MODE = 0o700
"""Mode of data folders this module creates."""

WRONG_KEY = "the cache is encrypted and the key is wrong or missing"
"""The StorageError text for an encrypted cache that the given key (or no key) cannot open."""


def _reason(err: BaseException) -> str:
    """Return the driver's own message of a database error (without SQLAlchemy's decoration)."""
    orig = getattr(err, "orig", None)
    return str(orig if orig is not None else err).strip() or type(err).__name__


def _open_failure(path: Path, err: BaseException, key: bytes | None = None) -> StorageError:
    """Turn a failure to open the cache into a StorageError that says what to do."""
    if isinstance(err, IsADirectoryError):
        return StorageError(f"cannot use {path} as the local cache: it is a folder, not a file")
    if isinstance(err, PermissionError):
        return StorageError(f"cannot open the local cache at {path}: permission denied")
    if isinstance(err, OSError):
        return StorageError(f"cannot open the local cache at {path}: {err.strerror or err}")
    reason = _reason(err)
    low = reason.lower()
    if "file is not a database" in low:
        kind = file_kind(path)
        if kind == "encrypted" or (key is not None and kind != "plaintext"):
            return StorageError(f"{WRONG_KEY} ({path})")
        if key is not None:
            return StorageError(
                f"the cache at {path} is not encrypted yet; "
                "encrypt it first (encrypt_in_place) or open it without a key"
            )
        return StorageError(
            f"{path} is not an Order Tracking cache: the file is not an SQLite database (or it is encrypted). "
            "Move it away or choose another data folder."
        )
    if "malformed" in low or "corrupt" in low:
        return StorageError(f"the local cache at {path} is damaged ({reason}); move it away and sync again")
    if "readonly" in low or "read-only" in low:
        return StorageError(f"the local cache at {path} is read-only; check the file's permissions")
    if "locked" in low or "busy" in low:
        return StorageError(f"the local cache at {path} is locked by another program; close it and retry")
    if isinstance(err, CommandError) and "can't locate revision" in low:
        return StorageError(
            f"the local cache at {path} was written by a newer version of Order Tracking; update the app"
        )
    return StorageError(f"cannot open the local cache at {path}: {reason}")


def _restrict(path: Path) -> None:
    """Remove group/other permission bits from an existing file (best effort)."""
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def _prepare_file(path: Path) -> None:
    """Create the folder and an empty, owner-only database file before SQLite touches it."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(str(path))
    existed = path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    if existed:
        _restrict(path)
    else:
        os.chmod(path, FILE_MODE)  # exact, whatever the umask


class Store:
    """The local cache: one SQLite file with WAL, opened and migrated by :meth:`open`."""

    path: Path
    orders: OrderRepository
    sync_state: SyncStateRepository
    sources: SourceRepository

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self._engine = engine
        self._closed = False
        self._local = threading.local()  # which threads are inside a write transaction
        self._encrypted = False
        self.history_after_days: int | None = None
        """The History delay in days: lists split live / History by it (None: by the move alone)."""
        self.orders = OrderRepository(self.reading, lambda: self.history_after_days)
        self.sync_state = SyncStateRepository(self.reading)
        self.sources = SourceRepository(self.reading, self.transaction)

    @classmethod
    def open(cls, path: Path, key: bytes | None = None) -> Store:
        """Open the cache file at ``path``, creating and migrating it as needed (StorageError on failure).

        With ``key`` (32 raw bytes) the file is SQLCipher-encrypted; a plaintext file is refused.
        """
        path = Path(path)
        if key is not None:
            check_key(key)
        try:
            _prepare_file(path)
        except OSError as err:
            raise _open_failure(path, err) from err
        engine = make_engine(path, key)
        try:
            with engine.connect() as conn:  # runs the connect pragmas: fails here on a non-database
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
                if key is not None and file_kind(path) == "plaintext":
                    raise StorageError(f"the cache at {path} is not encrypted; encrypt it first (encrypt_in_place)")
            _migrate(path, key)
        except (sqlite3.Error, SQLAlchemyError, CommandError, RuntimeError, OSError) as err:
            engine.dispose()
            raise _open_failure(path, err, key) from err
        except StorageError:
            engine.dispose()
            raise
        except Exception as err:  # the SQLCipher driver's own error classes are not sqlite3's
            engine.dispose()
            if type(err).__module__.startswith("sqlcipher3"):
                raise _open_failure(path, err, key) from err
            raise
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                _restrict(side)
        store = cls(path, engine)
        store._encrypted = key is not None
        return store

    @property
    def encrypted(self) -> bool:
        """Tell whether this cache is opened as an SQLCipher (encrypted) database."""
        return self._encrypted

    # ------------------------------------------------------------ connections

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the local cache at {self.path} is closed")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        self._check_open()
        try:
            with self._engine.connect() as conn:
                yield conn
        except DBAPIError as err:
            raise StorageError(f"could not read the local cache: {_reason(err)}") from err

    def reading(self) -> AbstractContextManager[Connection]:
        """Return a read-only connection in ONE read transaction: every query inside sees one snapshot.

        The public seam for read queries of the storage modules (repositories, History, statistics,
        notifications)::

            with store.reading() as conn:
                total = conn.execute(select(func.count()).select_from(orders)).scalar_one()

        Writes committed meanwhile by ``transaction()`` are not visible until the block ends. A driver
        failure raises StorageError; a closed store raises StorageError before any query runs.
        """
        return self._reading()

    def _read(self) -> AbstractContextManager[Connection]:
        """Kept for callers outside services.storage; use :meth:`reading`."""
        return self._reading()

    @contextlib.contextmanager
    def _write(self) -> Iterator[UnitOfWork]:
        self._check_open()
        if getattr(self._local, "writing", False):  # would wait busy_timeout for its own lock
            raise StorageError("a cache transaction is already open in this thread; do the work inside it")
        self._local.writing = True
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    uow = UnitOfWork(conn)
                    try:
                        yield uow
                    finally:
                        uow.close()
        except DBAPIError as err:
            raise StorageError(f"could not write the local cache: {_reason(err)}") from err
        finally:
            self._local.writing = False

    def transaction(self) -> AbstractContextManager[UnitOfWork]:
        """Return ONE write transaction (BEGIN IMMEDIATE): commit on exit, rollback on exception.

        Repository reads made meanwhile use their own connection and see only committed data.
        """
        return self._write()

    # ------------------------------------------------------------ maintenance

    def clear_cache(self) -> int:
        """Empty the cache of live orders so that the next sync downloads everything again; return how many.

        In ONE write transaction this deletes every live cached order (``archived_at`` IS NULL) with
        its order events, shipments and carrier events, and resets the sync position (``cursor`` and
        ``etag``) of every sync-state row: each source's order feed, its history back-fill marker
        (``<source>#history``) and its push-stream position (``<source>#stream``).

        Kept, on purpose:

        * History (orders with ``archived_at`` set) with all their details: it is the customer's
          archive, and the merchant may no longer serve those orders. A re-download that includes
          one merges into it and leaves it in History (the upsert never touches ``archived_at``).
        * The configured sources (``sources``) and the notification preferences (``notify_prefs``).
        * Source health (``last_attempt_at``, ``last_success_at``, ``last_error``, ``stale_since``).
        * The alert log ``notify_alerts``: it is the customer's record of what was sent, and it is the
          notifier's idempotency ledger (UNIQUE ``alert_key``: a hash of order, shipment, milestone
          and triggering event), so an alert already claimed is never claimed again for the same
          event, whatever is downloaded.
        * ``notify_shipments``, the last (status, ETA) the notifier saw per shipment: without it, the
          shipment rules would compare re-downloaded shipments with nothing and fire again.

        Resetting the back-fill marker makes the re-download a first sync: its events are stored
        with ``live=False`` and the dispatcher treats that pass as history (nothing is news, nothing
        is delivered). Together with the two kept notification tables, a re-download re-fires no
        alert. ``integrity_check()`` stays ``[]``; no VACUUM is run (the freed pages are reused).
        """
        with self.transaction() as uow:
            return uow.clear_cache()

    # ------------------------------------------------------------ health

    def integrity_check(self) -> list[str]:
        """Return [] when the file and its references are sound, else the problems in plain words."""
        self._check_open()
        problems: list[str] = []
        if self._encrypted:  # first: page HMACs are checkable even when the b-tree is unreadable
            try:
                problems.extend(self._cipher_problems())
            except (DBAPIError, sqlite3.Error) as err:
                problems.append(f"the encrypted file cannot be checked: {_reason(err)}")
        try:
            with self._engine.connect() as conn:
                found = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check").all()]
                if found != ["ok"]:
                    problems.extend(f"the database file is damaged: {msg}" for msg in found)
                for row in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
                    table, rowid, parent = row[0], row[1], row[2]
                    problems.append(f"row {rowid} of {table} refers to a missing row of {parent}")
        except (DBAPIError, sqlite3.Error) as err:
            problems.append(f"the database file is damaged and cannot be checked: {_reason(err)}")
        return problems

    def _cipher_problems(self) -> list[str]:
        """Return the SQLCipher-level problems: a plaintext file, a non-SQLCipher driver, failed page HMACs."""
        problems: list[str] = []
        if file_kind(self.path) == "plaintext":
            problems.append("the cache file is NOT encrypted although an encryption key is in use")
        with self._engine.connect() as conn:
            version = conn.exec_driver_sql("PRAGMA cipher_version").all()
            if not version or not version[0][0]:
                problems.append("the database driver is not SQLCipher, so the cache cannot be encrypted")
                return problems
            for row in conn.exec_driver_sql("PRAGMA cipher_integrity_check").all():
                problems.append(f"an encrypted page failed its authenticity check (tampered or damaged): {row[0]}")
        return problems

    def cipher_version(self) -> str | None:
        """Return the SQLCipher version in use, or None for a plaintext cache."""
        if not self._encrypted:
            return None
        with self.reading() as conn:
            rows = conn.exec_driver_sql("PRAGMA cipher_version").all()
        return str(rows[0][0]) if rows and rows[0][0] else None

    def protection(self) -> Protection:
        """Return how this cache is protected (who keeps the key is the opener's to add)."""
        if not self._encrypted:
            return Protection(encrypted=False)
        version = self.cipher_version()
        return Protection(encrypted=True, cipher=f"SQLCipher {version}" if version else "SQLCipher")

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _migrate(path: Path, key: bytes | None) -> None:
    """Run alembic up to head; an encrypted file goes through the SQLCipher dialect with the raw key."""
    if key is None:
        upgrade(path)
        return
    cfg = alembic_config(path)
    del cfg.attributes["database_path"]
    # env.py builds its engine from this URL; the pysqlcipher dialect runs `PRAGMA key="x'..'"` first.
    # The key lives only in this in-memory config object, never in a file.
    url = cipher_url(path, key).render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def _table_counts(conn: object, schema: str = "main") -> dict[str, int]:
    """Return the row count of every table of ``schema`` on a raw DB-API connection."""
    cur = conn.cursor()  # type: ignore[attr-defined]
    query = f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    names = [str(r[0]) for r in cur.execute(query)]
    return {n: int(cur.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0]) for n in names}


def encrypt_in_place(path: Path, key: bytes) -> dict[str, int]:
    """Encrypt an existing plaintext cache with ``key`` without loss; return the row counts kept.

    ``sqlcipher_export`` copies the whole database into a new encrypted file beside it; the copy is
    checked (same row count in every table, integrity ok) and only then replaces the original
    atomically (``os.replace``). On any failure the original is left untouched.
    """
    path = Path(path)
    check_key(key)
    if file_kind(path) != "plaintext":
        raise StorageError(f"{path} is not a plaintext SQLite cache, so there is nothing to encrypt")
    dbapi = sqlcipher_dbapi()
    tmp = path.with_name(path.name + ".encrypting")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    try:
        conn = dbapi.connect(str(path), isolation_level=None)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy and busy[0]:
                raise StorageError(f"the cache at {path} is in use by another program; close it and retry")
            before = _table_counts(conn)
            user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
            os.close(fd)
            quoted = str(tmp).replace("'", "''")
            conn.execute(f"ATTACH DATABASE '{quoted}' AS encrypted KEY \"x'{key.hex()}'\"")
            conn.execute("SELECT sqlcipher_export('encrypted')")
            conn.execute(f"PRAGMA encrypted.user_version = {user_version}")
            conn.execute("DETACH DATABASE encrypted")
        finally:
            conn.close()
        after, ok = _check_copy(tmp, key, "integrity_check")
        if after != before or not ok:
            raise StorageError(f"encrypting the cache at {path} did not produce an identical copy; nothing was changed")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except Exception as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, StorageError):
            raise
        raise StorageError(f"could not encrypt the cache at {path}: {_reason(err)}") from err
    for suffix in ("-wal", "-shm"):  # belonged to the plaintext file (checkpointed and empty)
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return before


def _check_copy(path: Path, key: bytes, pragma: str) -> tuple[dict[str, int], bool]:
    """Open the encrypted file at ``path`` with ``key``; return its row counts and whether ``PRAGMA pragma`` says ok."""
    check = sqlcipher_dbapi().connect(str(path), isolation_level=None)
    try:
        check.execute(key_pragma(key))
        counts = _table_counts(check)
        return counts, [r[0] for r in check.execute(f"PRAGMA {pragma}").fetchall()] == ["ok"]
    finally:
        check.close()


def key_opens(path: Path, key: bytes) -> bool:
    """Tell whether ``key`` opens the encrypted cache at ``path`` (reads its schema, changes nothing)."""
    check_key(key)
    dbapi = sqlcipher_dbapi()
    try:
        conn = dbapi.connect(str(path), isolation_level=None)
    except Exception:
        return False
    try:
        conn.execute(key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        return True
    except Exception:
        return False
    finally:
        conn.close()


def rekey_in_place(path: Path, old_key: bytes, new_key: bytes) -> dict[str, int]:
    """Re-encrypt the cache at ``path`` from ``old_key`` to ``new_key`` (``PRAGMA rekey``) without loss.

    The WAL is checkpointed into the file and the journal switched to DELETE first, so the rekey is
    one rollback-journal transaction: a crash leaves the file under one key or the other, never
    half. The result is checked (same row counts, quick_check ok) before this returns. A wrong
    ``old_key`` raises a StorageError with WRONG_KEY; a cache in use by another program raises too.
    """
    path = Path(path)
    check_key(old_key)
    check_key(new_key)
    dbapi = sqlcipher_dbapi()
    try:
        conn = dbapi.connect(str(path), isolation_level=None)
        try:
            conn.execute(key_pragma(old_key))
            try:
                before = _table_counts(conn)
            except Exception as err:
                raise StorageError(f"{WRONG_KEY} ({path})") from err
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy and busy[0]:
                raise StorageError(f"the cache at {path} is in use by another program; close it and retry")
            conn.execute("PRAGMA journal_mode=DELETE").fetchall()
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"").fetchall()
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
        finally:
            conn.close()
        after, ok = _check_copy(path, new_key, "quick_check")
    except StorageError:
        raise
    except Exception as err:
        raise StorageError(f"could not re-key the cache at {path}: {_reason(err)}") from err
    if after != before or not ok:
        raise StorageError(f"re-keying the cache at {path} did not keep every row")
    return before
