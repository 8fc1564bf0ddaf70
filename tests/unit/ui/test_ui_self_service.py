"""Self-service figures from a real session over a real cache: feedback row, links, searches, exports."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from flet.messaging.session import Session
from sqlalchemy import select

from app.state import AppState, StoreArchive, StoreGateway
from services.storage import SelfServiceSummary, Store, UsageRepository
from services.storage.tables import feedback, usage_events
from tests.unit.ui.support import NOW, UiApp, by_type, fill, make_order
from views.feedback import NO_TIP, QUESTION, THANKS, YES_TIP


async def summary_when(store: Store, done: Any, timeout: float = 5.0) -> SelfServiceSummary:
    """Return the summary once ``done(summary)`` holds (writes happen on worker threads)."""
    repo = UsageRepository(store)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        s = await asyncio.to_thread(repo.summary)
        if done(s) or asyncio.get_running_loop().time() > deadline:
            return s
        await asyncio.sleep(0.02)


@pytest.fixture
def orders_store(store: Store) -> Store:
    """Three live orders; W-10003 has a UPS parcel with a tracking page and a Royal Mail one."""
    fill(store, [make_order(i) for i in range(1, 4)])
    return store


async def test_yes_on_the_order_screen_thanks_and_is_recorded(session: Session, orders_store: Store, tmp_path: Path):
    """Open an order, answer Yes: the row says thanks, the answer is stored once, and it stays answered."""
    app = await UiApp(session, orders_store, tmp_path).start("/orders/W-10003", rounds=10)
    assert QUESTION in app.texts()
    [yes] = app.buttons(YES_TIP)
    [no] = app.buttons(NO_TIP)
    assert isinstance(yes, ft.OutlinedButton) and yes.content == "Yes" and no.content == "No"

    await app.click(yes)
    assert THANKS in app.texts()
    assert QUESTION not in app.texts() and not app.buttons(YES_TIP)
    s = await summary_when(orders_store, lambda s: s.answers == 1)
    assert (s.feedback_yes, s.feedback_no, s.csat_pct, s.resolution_pct) == (1, 0, 100.0, 100.0)
    assert (s.sessions, s.orders_opened) == (1, 1)
    with orders_store.reading() as conn:
        assert conn.execute(select(feedback.c.order_number, feedback.c.helpful, feedback.c.screen)).all() == [
            ("W-10003", True, "order")
        ]

    # one answer per order per session: back on the order, it is still answered
    await app.go("/orders")
    await app.go("/orders/W-10003")
    assert THANKS in app.texts() and not app.buttons(YES_TIP)
    # another order asks again
    await app.go("/orders/W-10002")
    assert QUESTION in app.texts()
    await app.click(app.buttons(NO_TIP)[0])
    assert THANKS in app.texts()
    s = await summary_when(orders_store, lambda s: s.answers == 2 and s.orders_opened == 3)
    assert (s.feedback_yes, s.feedback_no, s.csat_pct) == (1, 1, 50.0)
    assert (s.orders_opened, s.distinct_orders_opened, s.orders_opened_without_no) == (3, 2, 1)


async def test_opening_the_tracking_page_is_counted(session: Session, orders_store: Store, tmp_path: Path):
    """The "Track on UPS" link still opens the carrier page, and the click counts as a link opened."""
    app = await UiApp(session, orders_store, tmp_path).start("/orders/W-10003", rounds=10)
    links = by_type(app.page, ft.TextButton, lambda b: bool(getattr(b, "url", None)))
    assert len(links) == 1 and "ups.com" in str(links[0].url)
    await app.click(links[0])
    s = await summary_when(orders_store, lambda s: s.tracking_links_opened == 1)
    assert s.tracking_links_opened == 1
    with orders_store.reading() as conn:
        rows = conn.execute(
            select(usage_events.c.order_number, usage_events.c.detail).where(
                usage_events.c.kind == "tracking_link_opened"
            )
        ).all()
    assert rows == [("W-10003", "ups")]


def _state(store: Store, usage: Any, **kw: Any) -> AppState:
    return AppState(StoreGateway(store), usage=usage, clock=lambda: NOW, tz=UTC, search_settle=0.05, **kw)


async def test_a_search_counts_once_when_the_user_pauses(orders_store: Store):
    """Typing is not counted per keystroke: a text counts after the pause, or at once on Enter."""
    state = _state(orders_store, UsageRepository(orders_store))
    await state.orders.load()
    for text in ("W", "W-", "W-1", "W-10", "W-1000"):  # fast typing: each overtakes the last
        await state.orders.search(text)
    await asyncio.sleep(0.2)
    await state.usage.settled()
    s = UsageRepository(orders_store).summary()
    assert (s.sessions, s.searches, s.searches_found) == (1, 1, 1)

    await state.orders.search("ZZZ")
    await state.orders.search("ZZZ")  # Enter on the same text: counted now, not again after the pause
    await state.usage.settled()
    assert UsageRepository(orders_store).summary().searches == 2
    await asyncio.sleep(0.2)
    await state.orders.search("")  # clearing the search is no search
    await asyncio.sleep(0.2)
    await state.usage.settled()
    s = UsageRepository(orders_store).summary()
    assert (s.searches, s.searches_found, s.search_found_pct) == (2, 1, 50.0)


async def test_copies_exports_and_order_opens_are_recorded(orders_store: Store):
    """Copy a number, open an order, export History: one row each, with the order number where there is one."""
    state = _state(orders_store, UsageRepository(orders_store), archive=StoreArchive(orders_store, clock=lambda: NOW))
    await state.orders.load()
    await state.order.open_order("W-10001")
    await state.usage.tracking_number_copied("W-10001", "ups")
    assert await state.history.export_history("csv") is not None
    await state.usage.settled()
    with orders_store.reading() as conn:
        rows = conn.execute(
            select(usage_events.c.kind, usage_events.c.order_number, usage_events.c.detail).order_by(usage_events.c.id)
        ).all()
    assert sorted(rows) == sorted(
        [
            ("session_started", None, None),
            ("order_opened", "W-10001", None),
            ("tracking_number_copied", "W-10001", "ups"),
            ("export", None, "csv"),
        ]
    )


async def test_a_failing_recorder_is_logged_never_shown(
    orders_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """A metrics write that fails (here: a closed cache) leaves the app working and logs a warning."""
    broken = Store.open(tmp_path / "other.db")
    broken.close()
    state = _state(orders_store, UsageRepository(broken))
    with caplog.at_level(logging.WARNING, logger="app.state"):
        await state.orders.load()
        await state.order.open_order("W-10002")
        await state.usage.answer_feedback("W-10002", True)
        await state.usage.settled()
    assert state.order.order is not None and state.order.order.order_number == "W-10002"
    assert state.usage.feedback_for("W-10002") is True
    assert state.orders.list_error is None
    assert any("recording a self-service figure failed" in r.message for r in caplog.records)
