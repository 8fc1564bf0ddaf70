"""alembic environment of the cache (run by services.storage.migrate, never needs alembic.ini).

Migrations run on their own connection with ``PRAGMA foreign_keys=OFF``: batch mode (needed for
most ALTERs on SQLite) copies a table, drops the old one and renames the copy, and with foreign
keys on, that DROP TABLE would fire ``ON DELETE CASCADE`` and silently delete every child row.
The pragma is a no-op inside a transaction, hence it is set at connect. All revisions run in one
``BEGIN IMMEDIATE`` transaction (SQLite has transactional DDL) and ``PRAGMA foreign_key_check``
must be clean before it commits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import URL, Connection, create_engine, event
from sqlalchemy.pool import NullPool

from services.storage.engine import BUSY_TIMEOUT_MS, database_url
from services.storage.tables import metadata

config = context.config


def _url() -> URL | str:
    path = config.attributes.get("database_path")
    if path is not None:
        return database_url(Path(path))
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set config.attributes['database_path'] or sqlalchemy.url")
    return url


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
    dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # FKs OFF while migrating: batch mode drops/recreates tables, and with foreign_keys=ON
    # the DROP TABLE would fire ON DELETE CASCADE on the children.
    dbapi_conn.execute("PRAGMA foreign_keys=OFF")


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def run_migrations_offline() -> None:
    """Emit SQL instead of running it (batch operations on SQLite need a live database)."""
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations in one transaction with foreign keys off, then check them."""
    engine = create_engine(_url(), poolclass=NullPool)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    tables = sorted({str(row[0]) for row in broken})
                    raise RuntimeError(f"migration left rows with missing parents in: {', '.join(tables)}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
