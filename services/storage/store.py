"""The Store: opens (creates, secures, migrates) the cache file and hands out repositories."""

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

from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from services.domain import StorageError

from .engine import WRITE_OPTION, make_engine
from .migrate import upgrade
from .repositories import OrderRepository, SourceRepository, SyncStateRepository
from .uow import UnitOfWork

FILE_MODE = 0o600
"""The cache holds personal data: owner read/write only."""

DIR_MODE = 0o700
"""Mode of data folders this module creates."""


def _reason(err: BaseException) -> str:
    """Return the driver's own message of a database error (without SQLAlchemy's decoration)."""
    orig = getattr(err, "orig", None)
    return str(orig if orig is not None else err).strip() or type(err).__name__


def _open_failure(path: Path, err: BaseException) -> StorageError:
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
        self.orders = OrderRepository(self._read)
        self.sync_state = SyncStateRepository(self._read)
        self.sources = SourceRepository(self._read, self.transaction)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open the cache file at ``path``, creating and migrating it as needed (StorageError on failure)."""
        path = Path(path)
        try:
            _prepare_file(path)
        except OSError as err:
            raise _open_failure(path, err) from err
        engine = make_engine(path)
        try:
            with engine.connect() as conn:  # runs the connect pragmas: fails here on a non-database
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
            upgrade(path)
        except (sqlite3.Error, SQLAlchemyError, CommandError, RuntimeError, OSError) as err:
            engine.dispose()
            raise _open_failure(path, err) from err
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                _restrict(side)
        return cls(path, engine)

    # ------------------------------------------------------------ connections

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the local cache at {self.path} is closed")

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        """Yield a connection in one read transaction (a consistent snapshot)."""
        self._check_open()
        try:
            with self._engine.connect() as conn:
                yield conn
        except DBAPIError as err:
            raise StorageError(f"could not read the local cache: {_reason(err)}") from err

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

    # ------------------------------------------------------------ health

    def integrity_check(self) -> list[str]:
        """Return [] when the file and its references are sound, else the problems in plain words."""
        self._check_open()
        problems: list[str] = []
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
