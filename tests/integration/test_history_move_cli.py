"""The History delay: `archive move` follows the app's setting; `orders --live / --history` split the cache."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from app.settings import Settings
from services.domain import utc_now
from services.storage.archive import HISTORY_STATUSES

from .test_export_cli import cli, seed_home


def _numbers(home: Path, *args: str) -> set[str]:
    result = cli(home, "orders", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return {o["order_number"] for o in json.loads(result.stdout)["orders"]}


def test_archive_move_uses_the_setting_and_orders_lists_each_side(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    orders = seed_home(home, 60)
    now = utc_now()

    def finished_before(days: int) -> set[str]:
        return {
            o.order_number
            for o in orders
            if o.status in HISTORY_STATUSES and (o.updated_at or o.placed_at) < now - timedelta(days=days)
        }

    # a long delay, as if chosen in Settings: only the oldest finished orders move
    settings = Settings.load(home)
    settings.history_after_days = 365
    settings.save(home)
    moved = cli(home, "archive", "move")
    assert moved.returncode == 0, moved.stderr
    expected = finished_before(365)
    assert moved.stdout.strip() == f"Moved {len(expected)} order(s) to History (finished and unchanged for 365 days)."
    assert _numbers(home, "--history") == expected
    everything = {o.order_number for o in orders}
    assert _numbers(home, "--live") == everything - expected
    assert _numbers(home) == everything  # `orders` without a side keeps listing every cached order

    # --after-days overrides the setting for one run, and the setting stays as it was
    again = cli(home, "archive", "move", "--after-days", "0")
    assert again.returncode == 0, again.stderr
    assert _numbers(home, "--history") == finished_before(0)
    assert Settings.load(home).history_after_days == 365

    both = cli(home, "orders", "--live", "--history")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_a_bad_setting_falls_back_to_thirty_days(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text(json.dumps({"history_after_days": -3}), encoding="utf-8")
    assert Settings.load(home).history_after_days == 30
    (home / "settings.json").write_text(json.dumps({"history_after_days": True}), encoding="utf-8")
    assert Settings.load(home).history_after_days == 30
    (home / "settings.json").write_text(json.dumps({"history_after_days": 90}), encoding="utf-8")
    assert Settings.load(home).history_after_days == 90
