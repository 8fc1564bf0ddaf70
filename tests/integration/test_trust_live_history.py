"""One truth for live and History: `orders --live` and `--history` read one rule, before and after the move."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from services.domain import utc_now
from services.storage.archive import HISTORY_STATUSES

from .test_export_cli import cli, seed_home


def _numbers(home: Path, *args: str) -> list[str]:
    result = cli(home, "orders", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return [o["order_number"] for o in json.loads(result.stdout)["orders"]]


def test_live_and_history_split_the_cache_while_orders_are_due_but_not_moved(tmp_path: Path) -> None:
    """Right after a sync (nothing moved yet) the two sides are disjoint and together every order."""
    home = tmp_path / "home"
    home.mkdir()
    orders = seed_home(home, 80)  # the default History delay (30 days); no move has run
    now = utc_now()
    due = {
        o.order_number
        for o in orders
        if o.status in HISTORY_STATUSES and (o.updated_at or o.placed_at) < now - timedelta(days=30)
    }
    everything = {o.order_number for o in orders}
    assert due and due != everything  # the seed has both sides, or the test proves nothing

    live, history = _numbers(home, "--live"), _numbers(home, "--history")
    assert len(live) == len(set(live)) and len(history) == len(set(history))
    assert not set(live) & set(history)
    assert set(live) | set(history) == everything
    assert set(history) == due

    # the History export reads the same rule as the list
    out = tmp_path / "history.json"
    done = cli(home, "export", "--format", "json", "--history", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert {o["order_number"] for o in json.loads(out.read_text(encoding="utf-8"))["orders"]} == due

    # applying the move writes down what the rule already said: neither side changes
    moved = cli(home, "archive", "move")
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith(f"Moved {len(due)} order(s)")
    assert set(_numbers(home, "--live")) == set(live)
    assert set(_numbers(home, "--history")) == due
