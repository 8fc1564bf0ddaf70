"""Tracking sources the engine can read carrier events from (adapters over vendor clients)."""

from __future__ import annotations

import logging
from typing import Any

from services.domain import Shipment, SkippedRecord, SourceError, ValidationError
from services.sources.aftership.client import AfterShipClient
from services.sources.aftership.mapper import normalize as normalize_aftership
from services.sources.errors import VendorError

log = logging.getLogger(__name__)


class AfterShipTracking:
    """Read trackings from an AfterShip-compatible API (AfterShip itself, or the demo backend)."""

    def __init__(self, client: AfterShipClient) -> None:
        self.client = client
        self.available = True
        self.skipped: list[SkippedRecord] = []
        """Trackings mapped since the last ``take_skipped`` that did not fit the domain."""

    def take_skipped(self) -> list[SkippedRecord]:
        """Return and forget the trackings skipped since the last call."""
        taken, self.skipped = self.skipped, []
        return taken

    def close(self) -> None:
        """Close the client."""
        self.client.close()

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests the client sent."""
        return self.client.requests_sent

    def _shipments(self, body: Any) -> list[Shipment]:
        kind, items = normalize_aftership(body, self.skipped)
        return [s for s in items if isinstance(s, Shipment)] if kind == "shipments" else []

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return one page of ``GET /trackings`` and whether more pages follow."""
        if not self.available:
            return [], False
        try:
            body = self.client.get_json("/trackings", params={"page": page, "limit": limit})
        except VendorError as err:
            if err.code in (404, 4004):
                log.info("no tracking API at %s: carrier events come from the orders only", self.client.base_url)
                self.available = False
                return [], False
            raise
        before = len(self.skipped)
        shipments = self._shipments(body)
        data = body.get("data") if isinstance(body, dict) else None
        count = data.get("count") if isinstance(data, dict) else None
        got_any = bool(shipments) or len(self.skipped) > before  # a page of only bad trackings still counts
        has_more = got_any and isinstance(count, int) and page * limit < count
        return shipments, has_more

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the trackings of ``(carrier, tracking_number)`` pairs (one request each in v4)."""
        out = []
        for carrier, number in wanted:
            got = self.get(carrier, number)
            if got is not None:
                out.append(got)
        return out

    def get(self, carrier: str, tracking_number: str) -> Shipment | None:
        """Return one tracking, or None when the API does not know it."""
        if not self.available:
            return None
        try:
            body = self.client.get_tracking(carrier, tracking_number)
        except VendorError as err:
            if err.code in (404, 4004):
                return None
            raise
        except SourceError:
            raise
        try:
            found = self._shipments(body)
        except ValidationError as err:
            self.skipped.append(SkippedRecord(kind="shipment", key=tracking_number, reason=err.message))
            return None
        return found[0] if found else None
