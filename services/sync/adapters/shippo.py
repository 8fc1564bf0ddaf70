"""Shippo tracks as a TrackingSource.

list_page   ([], False): Shippo has no endpoint listing tracks
get_many    GET /tracks/{carrier}/{number} per number (Shippo carrier tokens, e.g. ``dhl_express``)
"""

from __future__ import annotations

from dataclasses import replace

from services.domain import Shipment
from services.sources.errors import VendorError
from services.sources.shippo.client import ShippoClient
from services.sources.shippo.mapper import normalize

from .base import ClientBacked, each_known, shipments_of

CARRIER_TOKENS = {"dhl": "dhl_express", "dhl-germany": "deutsche_post", "dhl-global-mail": "dhl_ecommerce"}
"""AfterShip-style slugs whose Shippo token is not the slug with ``_`` for ``-``."""


def shippo_carrier(slug: str) -> str:
    """Return Shippo's carrier token for an AfterShip-style slug."""
    return CARRIER_TOKENS.get(slug, slug.replace("-", "_"))


class ShippoTrackingSource(ClientBacked[ShippoClient]):
    """Read tracks from Shippo with one API token."""

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return nothing: Shippo cannot list tracks (``get_many`` reads them)."""
        return [], False

    def _one(self, carrier: str, number: str) -> list[Shipment]:
        try:
            found = shipments_of(normalize(self.client.get_track(shippo_carrier(carrier), number)))
        except VendorError as err:
            if err.code == 404:
                return []
            raise
        # Shippo names carriers its own way; keep the cached slug so the update attaches.
        return [s if s.tracking_number != number else _with_carrier(s, carrier) for s in found]

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the tracks of ``(carrier, number)`` pairs (one request each)."""
        return each_known("shippo", wanted, self._one, self.skipped)


def _with_carrier(shipment: Shipment, carrier: str) -> Shipment:
    return shipment if not carrier or shipment.carrier == carrier else replace(shipment, carrier=carrier)
