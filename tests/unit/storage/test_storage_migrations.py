"""alembic: the shipped migrations build exactly the metadata, cycle cleanly and never lose data."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from services.storage import Store
from services.storage.migrate import MIGRATIONS_DIR, alembic_config, downgrade, upgrade
from services.storage.tables import metadata

SECOND_REVISION = '''"""test only: a batch ALTER of the parent table"""
import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("note")
'''


def _tables(path: Path) -> set[str]:
    raw = sqlite3.connect(path)
    try:
        return {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        raw.close()


def _counts(path: Path) -> dict[str, int]:
    raw = sqlite3.connect(path)
    try:
        return {
            t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("orders", "order_events", "shipments", "tracking_events")
        }
    finally:
        raw.close()


def _fk_problems(path: Path) -> list[tuple[object, ...]]:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        raw.close()


def _drift(path: Path) -> list[object]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def _seed(path: Path, build, ops) -> None:
    with Store.open(path) as s:
        ops.upsert(s, [build.order(f"W-{i}") for i in range(5)])


def test_store_open_migrates_a_new_file_to_head(db_path: Path) -> None:
    """Store.open runs `upgrade head` on a new file."""
    Store.open(db_path).close()
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0009",)]
    raw.close()
    assert {"orders", "order_events", "shipments", "tracking_events", "sync_state", "sources"} <= _tables(db_path)


def test_the_migrations_match_the_metadata(db_path: Path) -> None:
    """The hand-written migration builds exactly tables.metadata (no autogenerate drift)."""
    db_path.parent.mkdir(parents=True)
    upgrade(db_path)
    assert _drift(db_path) == []
    command.check(alembic_config(db_path))  # what `alembic check` runs: no new upgrade operations


def test_upgrade_downgrade_upgrade_cycle(db_path: Path, build, ops) -> None:
    """upgrade -> downgrade base -> upgrade works on a seeded cache."""
    _seed(db_path, build, ops)
    downgrade(db_path, "base")
    assert _tables(db_path) == {"alembic_version"}
    upgrade(db_path)
    assert _counts(db_path) == {"orders": 0, "order_events": 0, "shipments": 0, "tracking_events": 0}
    assert _drift(db_path) == []
    _seed(db_path, build, ops)  # the re-created schema works for the app
    assert _counts(db_path)["tracking_events"] == 15


def test_batch_migrations_keep_child_rows(db_path: Path, tmp_path: Path, build, ops) -> None:
    """The data-loss trap: a batch ALTER of `orders` with foreign keys on would cascade-delete children."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_test_note.py").write_text(SECOND_REVISION)
    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    cfg.attributes["database_path"] = db_path

    _seed(db_path, build, ops)
    before = _counts(db_path)
    assert before == {"orders": 5, "order_events": 10, "shipments": 5, "tracking_events": 15}

    command.upgrade(cfg, "head")
    assert _counts(db_path) == before
    assert _fk_problems(db_path) == []
    command.downgrade(cfg, "0009")
    assert _counts(db_path) == before
    command.upgrade(cfg, "head")
    assert _counts(db_path) == before
    assert _fk_problems(db_path) == []


def test_a_failing_migration_changes_nothing(db_path: Path, tmp_path: Path, build, ops) -> None:
    """Migrations run in one transaction: a failure leaves the schema and data as they were."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_broken.py").write_text(
        SECOND_REVISION.replace(
            'batch.add_column(sa.Column("note", sa.Text(), nullable=True))',
            'batch.add_column(sa.Column("note", sa.Text(), nullable=True))\n'
            '    op.execute("SELECT no_such_function()")',
        )
    )
    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    cfg.attributes["database_path"] = db_path
    _seed(db_path, build, ops)
    with pytest.raises(Exception, match="no_such_function"):
        command.upgrade(cfg, "head")
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0009",)]
    assert "note" not in {r[1] for r in raw.execute("PRAGMA table_info(orders)")}
    raw.close()
    assert _counts(db_path)["tracking_events"] == 15
