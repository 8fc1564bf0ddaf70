"""`ordertrack timeline` shows the alerts sent about an order (kind "alert"), as DESIGN.md's shape allows."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from app.database import open_store
from services.storage import NotifyRepository
from services.storage.notify_repo import AlertDraft
from tests.support.keys import NoKeyring

from .test_export_cli import NOW, PASSPHRASE, cli, seed_home


def test_timeline_lists_sent_alerts_in_order_and_leaves_out_suppressed_ones(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    order = seed_home(home, 5)[0]
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store:
        repo = NotifyRepository(store)
        for key, channel, status in (("k-sent", "in_app", "sent"), ("k-muted", "-", "suppressed")):
            repo.claim(
                [
                    AlertDraft(
                        alert_key=key,
                        order_number=order.order_number,
                        tracking_number=None,
                        milestone="shipped",
                        rule="shipped",
                        trigger="order:shipped",
                        event_at=NOW,
                        title=f"Your order {order.order_number} is on its way ({key})",
                        body="",
                        link=None,
                        deliveries=((channel, status, "rule shipped fired", None),),
                    )
                ],
                NOW,
            )
        for rec in repo.list():
            if rec.status == "sent":
                repo.update(rec.id, status="sent", reason=rec.reason, alerted_at=NOW + timedelta(seconds=1))

    result = cli(home, "timeline", order.order_number, "--format", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    alerts = [e for e in events if e["kind"] == "alert"]
    assert [a["description"] for a in alerts] == [f"Your order {order.order_number} is on its way (k-sent)"]
    assert alerts[0]["status"] == "shipped"
    times = [e["occurred_at"] for e in events]
    assert times == sorted(times)  # oldest first, the alert among the order's events

    table = cli(home, "timeline", order.order_number)
    assert table.returncode == 0 and "(k-sent)" in table.stdout and "(k-muted)" not in table.stdout
