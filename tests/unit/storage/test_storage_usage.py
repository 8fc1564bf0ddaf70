"""The app's own metrics: usage events and feedback on a real cache, the summary math, migration 0005."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.storage import SelfServiceSummary, Store, UsageRepository
from services.storage.migrate import downgrade, upgrade
from services.storage.tables import feedback, usage_events
from services.storage.usage import (
    EXPORT,
    ORDER_OPENED,
    SEARCH,
    SESSION_STARTED,
    TRACKING_LINK_OPENED,
    TRACKING_NUMBER_COPIED,
)

T = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _seed(repo: UsageRepository) -> None:
    """Two sessions: three orders opened (one twice), four searches, one answer per order."""
    for day in (0, 1):
        repo.record(SESSION_STARTED, T + timedelta(days=day))
    repo.record(ORDER_OPENED, T, "W-1")
    repo.record(ORDER_OPENED, T + timedelta(days=1), "W-1")
    repo.record(ORDER_OPENED, T + timedelta(days=1), "W-2")
    repo.record(ORDER_OPENED, T + timedelta(days=1), "W-3")
    for detail in ("found", "found", "found", "none"):
        repo.record(SEARCH, T, detail=detail)
    repo.record(TRACKING_LINK_OPENED, T, "W-1", "ups")
    repo.record(TRACKING_NUMBER_COPIED, T, "W-1", "ups")
    repo.record(TRACKING_NUMBER_COPIED, T + timedelta(days=1), "W-2", "dhl")
    repo.record(EXPORT, T + timedelta(days=1), detail="pdf")
    repo.record_feedback(True, T, "W-1")
    repo.record_feedback(False, T + timedelta(days=1), "W-2")
    repo.record_feedback(True, T + timedelta(days=1), "W-3")


def test_summary_of_nothing_is_zero_and_none(store: Store) -> None:
    """An empty cache: every count 0, every rate None (no division by zero)."""
    s = UsageRepository(store).summary()
    assert s == SelfServiceSummary(None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert (s.search_found_pct, s.resolution_pct, s.opened_without_no_pct, s.csat_pct) == (None,) * 4
    assert s.as_json()["feedback"] == {"yes": 0, "no": 0, "answers": 0}
    assert s.as_json()["csat_pct"] is None


def test_summary_counts_and_rates(store: Store) -> None:
    """Counts per kind, search found %, resolution, opened-without-No and CSAT."""
    repo = UsageRepository(store)
    _seed(repo)
    s = repo.summary()
    assert (s.sessions, s.orders_opened, s.distinct_orders_opened) == (2, 4, 3)
    assert (s.searches, s.searches_found, s.search_found_pct) == (4, 3, 75.0)
    assert (s.tracking_links_opened, s.tracking_numbers_copied, s.exports) == (1, 2, 1)
    assert (s.feedback_yes, s.feedback_no, s.answers) == (2, 1, 3)
    assert s.resolution_pct == 66.7
    assert (s.orders_opened_without_no, s.opened_without_no_pct) == (2, 66.7)  # W-2 got a "No"
    assert s.csat_pct == 66.7
    assert s.as_json() == {
        "since": None,
        "sessions": 2,
        "orders_opened": 4,
        "distinct_orders_opened": 3,
        "searches": 4,
        "searches_found": 3,
        "search_found_pct": 75.0,
        "tracking_links_opened": 1,
        "tracking_numbers_copied": 2,
        "exports": 1,
        "feedback": {"yes": 2, "no": 1, "answers": 3},
        "resolution_pct": 66.7,
        "orders_opened_without_no": 2,
        "opened_without_no_pct": 66.7,
        "csat_pct": 66.7,
    }


def test_summary_since_counts_only_the_period(store: Store) -> None:
    """``since`` drops what was recorded before it, events and answers alike."""
    repo = UsageRepository(store)
    _seed(repo)
    s = repo.summary(since=T + timedelta(days=1))
    assert (s.sessions, s.orders_opened, s.distinct_orders_opened, s.searches) == (1, 3, 3, 0)
    assert s.search_found_pct is None
    assert (s.tracking_links_opened, s.tracking_numbers_copied, s.exports) == (0, 1, 1)
    assert (s.feedback_yes, s.feedback_no) == (1, 1)
    assert s.csat_pct == 50.0
    assert (s.orders_opened_without_no, s.distinct_orders_opened) == (2, 3)
    assert s.as_json()["since"] == "2026-11-21T09:00:00.000000Z"


def test_a_no_before_the_period_does_not_count(store: Store) -> None:
    """Opened-without-No looks only at answers inside the period."""
    repo = UsageRepository(store)
    repo.record_feedback(False, T, "W-9")
    repo.record(ORDER_OPENED, T + timedelta(days=2), "W-9")
    assert repo.summary().orders_opened_without_no == 0
    assert repo.summary(since=T + timedelta(days=1)).orders_opened_without_no == 1


def test_all_no_answers_give_zero_not_none(store: Store) -> None:
    """Answers that are all "No": CSAT and resolution are 0 %, not None."""
    repo = UsageRepository(store)
    repo.record_feedback(False, T, "W-1")
    s = repo.summary()
    assert (s.csat_pct, s.resolution_pct, s.answers) == (0.0, 0.0, 1)


def test_unknown_kind_is_refused(store: Store) -> None:
    """Only the known kinds are recorded."""
    with pytest.raises(ValueError, match="unknown usage event"):
        UsageRepository(store).record("keystroke", T)
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(usage_events)).scalar_one() == 0


def test_one_row_per_record(store: Store) -> None:
    """A record is one row with the time as fixed-width UTC text; feedback keeps its screen."""
    repo = UsageRepository(store)
    repo.record(SEARCH, T, detail="none")
    repo.record_feedback(True, T, "W-1")
    with store.reading() as conn:
        assert conn.execute(select(usage_events.c.at, usage_events.c.kind, usage_events.c.detail)).all() == [
            ("2026-11-20T09:00:00.000000Z", "search", "none")
        ]
        assert conn.execute(select(feedback.c.order_number, feedback.c.helpful, feedback.c.screen)).all() == [
            ("W-1", True, "order")
        ]


def test_clear_cache_keeps_the_metrics(store: Store, build, ops) -> None:
    """Clearing the cache deletes orders, never the customer's metrics."""
    ops.upsert(store, [build.order("W-1")])
    repo = UsageRepository(store)
    _seed(repo)
    before = repo.summary()
    assert store.clear_cache() == 1
    assert repo.summary() == before
    assert store.integrity_check() == []


def test_migration_0005_keeps_data(db_path: Path, build, ops) -> None:
    """Upgrading a 0004 cache to head keeps its orders and adds the empty metrics tables; down and up cycle."""
    with Store.open(db_path) as s:
        ops.upsert(s, [build.order(f"W-{i}") for i in range(3)])
    downgrade(db_path, "0004")
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]
    assert {"usage_events", "feedback"}.isdisjoint(
        r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    )
    raw.close()
    upgrade(db_path)
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0009",)]
        assert raw.execute("SELECT count(*) FROM orders").fetchone() == (3,)
        assert raw.execute("SELECT count(*) FROM shipment_etas").fetchone() is not None
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_usage_events_kind_at", "ix_feedback_at"} <= indexes
    finally:
        raw.close()
    with Store.open(db_path) as s:
        UsageRepository(s).record(ORDER_OPENED, T, "W-1")
        assert UsageRepository(s).summary().orders_opened == 1
