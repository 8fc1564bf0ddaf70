"""AfterShip Tracking (legacy v4 and dated versions) as a TrackingSource.

list_page(page)  v4 / 2023-10: GET /trackings?page&limit · 2024+: GET /trackings?cursor&limit
get_many         v4 / 2023-10: GET /trackings/:slug/:number each ·
                 2024+: GET /trackings?tracking_numbers=a,b,... in batches (no slug/number path)
"""

from __future__ import annotations

from collections.abc import Sequence

from services.domain import Shipment
from services.sources.aftership.client import MAX_PAGE, AfterShipClient
from services.sources.aftership.mapper import normalize
from services.sources.errors import VendorError
from services.sources.http import expect_object, sub_list, sub_object

from .base import ClientBacked, PageCursors, each_known, shipments_of

NUMBERS_PER_QUERY = 50
NOT_FOUND = (404, 4004, 4005)


class AfterShipTrackingSource(ClientBacked[AfterShipClient]):
    """Read trackings from AfterShip with one API key."""

    def __init__(self, client: AfterShipClient) -> None:
        super().__init__(client)
        self._cursors = PageCursors()

    def _list(self, params: dict[str, str | int]) -> dict[str, object]:
        return expect_object(self.client.get_json("/trackings", params=params), "aftership", "GET /trackings")

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return one page of every tracking and whether more pages follow."""
        limit = max(1, min(limit, MAX_PAGE))
        if not self.client.cursor_paging:
            body = self._list({"page": page, "limit": limit})
            before = len(self.skipped)
            shipments = shipments_of(normalize(body, self.skipped))
            got_any = bool(shipments) or len(self.skipped) > before  # a page of only bad trackings still counts
            count = sub_object(body, "data").get("count")
            return shipments, got_any and isinstance(count, int) and page * limit < count

        def fetch(cursor: str | None) -> tuple[dict[str, object], str | None]:
            params: dict[str, str | int] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            body = self._list(params)
            pagination = sub_object(sub_object(body, "data"), "pagination")
            following = pagination.get("next_cursor")
            if pagination.get("has_next_page") and isinstance(following, str) and following:
                return body, following
            return body, None

        found, more = self._cursors.walk(page, fetch)
        return (shipments_of(normalize(found, self.skipped)) if found is not None else []), more

    def _one(self, carrier: str, number: str) -> list[Shipment]:
        try:
            return shipments_of(normalize(self.client.get_tracking(carrier, number), self.skipped))
        except VendorError as err:
            if err.code in NOT_FOUND:
                return []
            raise

    def _by_numbers(self, numbers: Sequence[str]) -> list[Shipment]:
        out: list[Shipment] = []
        for start in range(0, len(numbers), NUMBERS_PER_QUERY):
            chunk = numbers[start : start + NUMBERS_PER_QUERY]
            body = self._list({"tracking_numbers": ",".join(chunk), "limit": MAX_PAGE})
            if sub_list(sub_object(body, "data"), "trackings"):
                out.extend(shipments_of(normalize(body, self.skipped)))
        return out

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the trackings AfterShip knows among ``(carrier, tracking_number)`` pairs."""
        if self.client.cursor_paging:
            wanted_numbers = {number for _, number in wanted}
            found = self._by_numbers(sorted(wanted_numbers))
            return [s for s in found if s.tracking_number in wanted_numbers]
        return each_known("aftership", wanted, self._one, self.skipped)
