"""The Timeline's "Delayed" item judges a date-only estimate by the reader's calendar day.

An estimate for 4 Dec (a day, no time) is stored as 00:00-23:59:59 UTC. Compared in UTC, a reader in
Los Angeles saw "Delayed" from 16:00 local time on 4 Dec, while the parcel still had hours to arrive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.domain import AttentionReason, DeliveryWindow, Order, attention_items
from tests.unit.ui.support import build_order, ups_parcel

LA = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
DAY = DeliveryWindow(datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC), date_only=True)


def _order(window: DeliveryWindow) -> Order:
    return build_order("W-1", datetime(2026, 12, 1, tzinfo=UTC), (ups_parcel("1Z999AA10123456784", (), window),))


def _delayed(now: datetime, tz: ZoneInfo | None, window: DeliveryWindow = DAY) -> list[datetime]:
    return [i.since for i in attention_items([_order(window)], now, tz) if i.reason is AttentionReason.DELAYED]


def test_a_date_only_estimate_is_not_late_before_its_day_ends_where_the_reader_is() -> None:
    # 4 Dec 20:00 in Los Angeles is 5 Dec 04:00 UTC: after the UTC end of the day, still 4 Dec there
    assert _delayed(datetime(2026, 12, 5, 4, 0, tzinfo=UTC), LA) == []
    # 5 Dec 00:30 in Los Angeles: the day is over; late since local midnight (08:00 UTC)
    assert _delayed(datetime(2026, 12, 5, 8, 30, tzinfo=UTC), LA) == [datetime(2026, 12, 5, 8, 0, tzinfo=UTC)]
    # east of UTC the day ends earlier: 5 Dec 00:30 in Tokyo is 4 Dec 15:30 UTC
    assert _delayed(datetime(2026, 12, 4, 15, 30, tzinfo=UTC), TOKYO) == [datetime(2026, 12, 4, 15, 0, tzinfo=UTC)]


def test_a_timed_window_is_late_at_its_end_in_any_zone() -> None:
    window = DeliveryWindow(datetime(2026, 12, 4, 9, tzinfo=UTC), datetime(2026, 12, 4, 17, tzinfo=UTC))
    for tz in (LA, TOKYO, None):
        assert _delayed(datetime(2026, 12, 4, 16, 59, tzinfo=UTC), tz, window) == []
        assert _delayed(datetime(2026, 12, 4, 17, 1, tzinfo=UTC), tz, window) == [window.end]
