"""EasyPost trackers as a TrackingSource.

list_page   GET /trackers?page_size=N[&before_id=<last id of the previous page>] (newest first)
get_many    POST /trackers per number: EasyPost returns the existing tracker for the same
            code and carrier instead of creating a second one
"""

from __future__ import annotations

from services.domain import Shipment
from services.sources.easypost.client import MAX_PAGE, EasyPostClient
from services.sources.easypost.mapper import normalize
from services.sources.http import expect_object, sub_list

from .base import ClientBacked, PageCursors, each_known, shipments_of

CARRIER_CODES = {
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "dhl": "DHLExpress",
    "dhl-germany": "DeutschePost",
    "canada-post": "CanadaPost",
    "royal-mail": "RoyalMail",
    "ontrac": "OnTrac",
    "lasership": "LaserShip",
    "australia-post": "AustraliaPost",
    "purolator": "Purolator",
}
"""AfterShip-style slugs -> EasyPost carrier names (others: EasyPost detects the carrier)."""


class EasyPostTrackingSource(ClientBacked[EasyPostClient]):
    """Read trackers from EasyPost with one API key."""

    def __init__(self, client: EasyPostClient) -> None:
        super().__init__(client)
        self._cursors = PageCursors()

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return one page of trackers (newest first) and whether more pages follow."""

        def fetch(before: str | None) -> tuple[dict[str, object], str | None]:
            params: dict[str, str | int] = {"page_size": max(1, min(limit, MAX_PAGE))}
            if before:
                params["before_id"] = before
            body = expect_object(self.client.get_json("/trackers", params=params), "easypost", "GET /trackers")
            trackers = sub_list(body, "trackers")
            last = trackers[-1] if trackers and isinstance(trackers[-1], dict) else {}
            last_id = last.get("id")
            return body, last_id if body.get("has_more") and isinstance(last_id, str) else None

        found, more = self._cursors.walk(page, fetch)
        return (shipments_of(normalize(found, self.skipped)) if found is not None else []), more

    def _one(self, carrier: str, number: str) -> list[Shipment]:
        return shipments_of(normalize(self.client.create_tracker(number, CARRIER_CODES.get(carrier))))

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the trackers of ``(carrier, number)`` pairs (one request each; EasyPost has no batch read)."""
        return each_known("easypost", wanted, self._one, self.skipped)
