"""Which tracking API feeds carrier events for a configured source."""

from __future__ import annotations

from services.domain import SourceConfig
from services.sources.aftership.client import AfterShipClient
from services.sync import TrackingSource
from services.sync.tracking import AfterShipTracking


def tracking_source_for(config: SourceConfig, token: str | None) -> TrackingSource | None:
    """Return the tracking API of a backend-API source (its AfterShip-compatible endpoint), if any.

    A backend that serves no tracking API answers 404 there; the adapter then switches itself off and
    carrier events come from the orders payloads alone.
    """
    if config.kind != "ordertrack":
        return None
    base = config.url.rstrip("/") + "/aftership/v4"
    return AfterShipTracking(AfterShipClient(token or "", api_version="v4", base_url=base))
