"""17TRACK v2.x as a TrackingSource.

list_page   ([], False): ``gettracklist`` lists registrations without events, so nothing to page
get_many    POST gettrackinfo in batches of 40; numbers 17TRACK does not track yet
            (-18019902 "not registered") are registered (carrier auto-detected) and arrive next sync
"""

from __future__ import annotations

import logging

from services.domain import RateLimitedError, Shipment
from services.sources.errors import VendorError
from services.sources.seventeentrack.client import SeventeenTrackClient
from services.sources.seventeentrack.mapper import parse_batch

from .base import ClientBacked

log = logging.getLogger(__name__)

NOT_REGISTERED = "-18019902"


class SeventeenTrackSource(ClientBacked[SeventeenTrackClient]):
    """Read trackings from 17TRACK with one API key."""

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return nothing: 17TRACK's list has no events (trackings come from ``get_many``)."""
        return [], False

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the trackings of ``(carrier, number)`` pairs; register the numbers 17TRACK lacks."""
        numbers = list(dict.fromkeys(number for _, number in wanted))
        if not numbers:
            return []
        batch = parse_batch(self.client.get_track_info(numbers), self.skipped)
        missing = [m.tracking_number for m in batch.messages if m.code == NOT_REGISTERED and m.tracking_number]
        for message in batch.messages:
            if message.code != NOT_REGISTERED:
                log.info("17track: %s rejected: %s (%s)", message.tracking_number, message.text, message.code)
        if missing:
            try:
                self.client.register(missing)
            except (VendorError, RateLimitedError) as err:
                # The refresh itself worked: a full quota only delays the new numbers to a later sync.
                log.warning("17track: could not register %d new numbers: %s", len(missing), err.message)
        return list(batch.shipments)
