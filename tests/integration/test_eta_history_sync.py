"""ETA history end to end: the demo moves an estimate at a scan, the real sync engine records the change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.demo import DemoServer
from services.domain import DeliveryWindow
from services.storage import Store
from tests.integration.test_sync_engine import make_engine


def test_an_eta_moved_on_the_demo_reaches_the_history(demo: DemoServer, store: Store) -> None:
    """First sync: one estimate per shipment; after the revising scan: the moved window, once."""
    engine = make_engine(store, demo, demo.token)
    try:
        [first] = engine.sync_all()
        assert first.error is None
        now = demo.state.sim_now()
        moving = [
            (plan, ship)
            for plan in demo.data.plans
            for ship in plan.shipments
            if ship.eta_revisions and ship.created_at <= now < ship.eta_revisions[0].at
        ]
        assert moving, "the demo moves no estimate"
        plan, ship = min(moving, key=lambda ps: ps[1].eta_revisions[0].at)
        before = store.orders.eta_history(plan.order_number)[ship.tracking_number]
        # one estimate, not one per source
        assert [c.window for c in before] == [ship.estimated_delivery], (before, ship, now)

        revision = ship.eta_revisions[0]
        demo.state.advance((revision.at - demo.state.sim_now()).total_seconds() / 60 + 1)
        for _ in range(2):  # a second pass (orders and tracking again) adds nothing
            [report] = engine.sync_all()
            assert report.error is None
        after = store.orders.eta_history(plan.order_number)[ship.tracking_number]
        assert len(after) == 2 and after[0] == before[0]
        # the window as the order feed states it, or the day as the tracking API does (date-only)
        day = datetime.combine(date.fromisoformat(revision.date), time(0), UTC)
        assert after[1].window in (
            revision.window,
            DeliveryWindow(day, day + timedelta(hours=23, minutes=59, seconds=59), date_only=True),
        )
        assert after[1].source == "shop" and after[1].seen_at >= before[0].seen_at
        cached = store.orders.get(plan.order_number)
        assert cached is not None
        [shown] = [s for s in cached.shipments if s.tracking_number == ship.tracking_number]
        assert shown.estimated_delivery == after[1].window
    finally:
        engine.close()
