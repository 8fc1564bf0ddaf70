"""kill -9 of `ordertrack sync --follow` at random points of a large sync: consistent cache, nothing lost or doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.container import AppContainer
from services.demo import DemoServer
from services.domain import OrderFilter, order_to_json
from services.storage import Store
from services.sync import SyncEngine
from tests.support.cli import ROOT, cli_env, run_cli
from tests.support.waiting import wait_until

from .faultproxy import event_rows, ordertrack_runtime

KILLS = 20
ORDERS = 2000


def _snapshot(store: Store) -> list[dict[str, object]]:
    return [order_to_json(o) for o in store.orders.list_orders(OrderFilter())]


def test_kill_9_at_random_points_leaves_a_consistent_cache_and_the_next_sync_completes(
    tmp_path: Path, home: Path
) -> None:
    """20 hard kills during a 2,000-order sync (pages of 25) plus pushes: integrity ok, same data as a clean sync."""
    rng = random.Random(4242)
    demo = DemoServer(orders=ORDERS, seed=41, tick_seconds=3600)
    demo.start()
    try:
        assert run_cli(home, "sources", "add", "ordertrack", "--url", demo.url, "--name", "shop").returncode == 0
        env = cli_env(home, ORDERTRACK_SYNC_PAGE_SIZE="25")
        # pushes go to shipments still on their way (a scan after delivery is another story: returns)
        numbers = [s.tracking_number for o in demo.data.orders for s in o.shipments if s.status.value == "in_transit"]
        killed_alive = 0
        for _ in range(KILLS):
            proc = subprocess.Popen(
                [sys.executable, "-m", "app", "sync", "--follow"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            deadline = time.monotonic() + rng.uniform(0.5, 1.7)
            posted = False
            while time.monotonic() < deadline and proc.poll() is None:
                if not posted and rng.random() < 0.5:  # pushes and polls racing the kill
                    demo.add_event(rng.choice(numbers), "in_transit", f"moved {rng.random():.6f}")
                    posted = True
                time.sleep(0.02)
            if proc.poll() is None:
                killed_alive += 1
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            assert proc.stderr is not None
            err = proc.stderr.read().decode()
            proc.stderr.close()
            assert "Traceback" not in err, err
        assert killed_alive == KILLS, "every run must still be working when killed"
        finished = run_cli(home, "sync", "--format", "json", timeout=120)
        assert finished.returncode == 0, finished.stderr

        reference = Store.open(tmp_path / "reference.db")
        engine = SyncEngine(reference, [ordertrack_runtime("shop", demo.url, timeout=10)], page_size=200)
        [report] = engine.sync_all()
        engine.close()
        assert report.error is None, report.error
    finally:
        demo.stop()

    container = AppContainer.create(home)
    try:
        store = container.store
        assert store.integrity_check() == [], "PRAGMA integrity_check / foreign_key_check"
        assert store.orders.count(OrderFilter()) == ORDERS
        rows, expected_rows = event_rows(store), event_rows(reference)
        assert len(rows) == len(set(rows)), "an event stored twice"
        missing, extra = set(expected_rows) - set(rows), set(rows) - set(expected_rows)
        assert not missing and not extra, f"differs from a clean sync: missing {sorted(missing)}, extra {sorted(extra)}"
        assert rows == expected_rows
        got, want = _snapshot(store), _snapshot(reference)
        diffs = [(w["order_number"], k, g[k], w[k]) for g, w in zip(got, want, strict=True) for k in w if g[k] != w[k]]
        assert not diffs, f"orders differ from a clean sync of the same backend: {diffs[:3]}"
        state = store.sync_state.get("shop")
        assert state.health == "healthy" and state.cursor == reference.sync_state.get("shop").cursor
        assert wait_until(lambda: store.sync_state.get("shop#history").cursor == "done", 10)
    finally:
        container.close()
        reference.close()
