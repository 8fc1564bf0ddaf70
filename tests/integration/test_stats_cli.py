"""`ordertrack stats`: the self-service figures next to latency and source health, on an encrypted cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.database import open_store
from services.domain import Order
from services.storage import UsageRepository
from tests.support.keys import NoKeyring

from .test_export_cli import PASSPHRASE, cli, seed_home

DAY1 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=2)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with 12 demo orders and two days of recorded usage."""
    home = tmp_path_factory.mktemp("stats") / "home"
    home.mkdir()
    orders: tuple[Order, ...] = seed_home(home, 12)
    a, b, c = (o.order_number for o in orders[:3])
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store:
        repo = UsageRepository(store)
        for at in (DAY1, DAY2):
            repo.record("session_started", at)
        repo.record("order_opened", DAY1, a)
        repo.record("order_opened", DAY2, b)
        repo.record("order_opened", DAY2, c)
        repo.record("search", DAY1, detail="found")
        repo.record("search", DAY2, detail="none")
        repo.record("tracking_link_opened", DAY2, b, "ups")
        repo.record("tracking_number_copied", DAY2, c, "dhl")
        repo.record("export", DAY2, detail="pdf")
        repo.record_feedback(True, DAY1, a)
        repo.record_feedback(False, DAY2, b)
        repo.record_feedback(True, DAY2, c)
    return home


def test_stats_json_adds_self_service_and_keeps_the_old_keys(home: Path) -> None:
    """The JSON keeps update_latency and sources as they were and adds self_service, then publish_latency."""
    done = cli(home, "stats", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == ["update_latency", "sources", "self_service", "publish_latency"]
    assert set(data["update_latency"]) == {"count", "avg_ms", "p50_ms", "p95_ms"}
    assert data["publish_latency"] == {"count": 0, "avg_ms": None, "p50_ms": None, "p95_ms": None}
    s = data["self_service"]
    assert s["since"] is None
    assert (s["sessions"], s["orders_opened"], s["distinct_orders_opened"]) == (2, 3, 3)
    assert (s["searches"], s["searches_found"], s["search_found_pct"]) == (2, 1, 50.0)
    assert (s["tracking_links_opened"], s["tracking_numbers_copied"], s["exports"]) == (1, 1, 1)
    assert s["feedback"] == {"yes": 2, "no": 1, "answers": 3}
    assert (s["resolution_pct"], s["csat_pct"]) == (66.7, 66.7)
    assert (s["orders_opened_without_no"], s["opened_without_no_pct"]) == (2, 66.7)


def test_stats_since_narrows_the_figures(home: Path) -> None:
    """--since YYYY-MM-DD counts only what was recorded from that day on."""
    done = cli(home, "stats", "--format", "json", "--since", f"{DAY2:%Y-%m-%d}")
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)["self_service"]
    assert s["since"] == f"{DAY2:%Y-%m-%d}T00:00:00.000000Z"
    assert (s["sessions"], s["orders_opened"], s["searches"], s["search_found_pct"]) == (1, 2, 1, 0.0)
    assert s["feedback"] == {"yes": 1, "no": 1, "answers": 2}
    assert s["csat_pct"] == 50.0


def test_stats_table_has_a_self_service_section(home: Path) -> None:
    """The table output ends with the Self-service section, one figure per line."""
    done = cli(home, "stats")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Time to deliver a tracking status update" in out and "Sources" in out
    section = out[out.index("Self-service (") :].splitlines()
    assert section[0] == "Self-service (all recorded, this device only)"
    lines = {line.split("  ", 2)[1].strip(): line.strip() for line in section[1:] if line.startswith("  ")}
    assert lines["searches"].endswith("2 (50.0% found)")
    assert lines["satisfaction (CSAT)"].endswith("66.7% (3 answers)")
    assert lines["resolution rate"].endswith("66.7% answered yes (2 of 3 answers)")


def test_stats_rejects_a_bad_since(home: Path) -> None:
    """A malformed date is a one-line error, no traceback."""
    done = cli(home, "stats", "--since", "yesterday")
    assert done.returncode != 0
    assert "not a date" in done.stderr and "Traceback" not in done.stderr
