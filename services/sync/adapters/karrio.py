"""A Karrio server's trackers as a TrackingSource.

list_page   GET /v1/trackers?limit=N&offset=(page-1)*N
get_many    GET /v1/trackers/{tracking_number} per number (404: Karrio does not track it)
"""

from __future__ import annotations

from services.domain import Shipment
from services.sources.errors import VendorError
from services.sources.http import expect_object
from services.sources.karrio.client import MAX_PAGE, KarrioClient
from services.sources.karrio.mapper import normalize

from .base import ClientBacked, each_known, shipments_of


class KarrioTrackingSource(ClientBacked[KarrioClient]):
    """Read trackers from a Karrio server with one API key."""

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return one page of trackers and whether more pages follow."""
        limit = max(1, min(limit, MAX_PAGE))
        params = {"limit": limit, "offset": (max(1, page) - 1) * limit}
        body = expect_object(self.client.get_json("/v1/trackers", params=params), "karrio", "GET /v1/trackers")
        following = body.get("next")
        return shipments_of(normalize(body, self.skipped)), isinstance(following, str) and bool(following)

    def _one(self, carrier: str, number: str) -> list[Shipment]:
        try:
            return shipments_of(normalize(self.client.get_tracker(number)))
        except VendorError as err:
            if err.code == 404:
                return []
            raise

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the trackers of ``(carrier, number)`` pairs (one request each)."""
        return each_known("karrio", wanted, self._one, self.skipped)
