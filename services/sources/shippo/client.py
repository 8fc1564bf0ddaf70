"""Shippo client (HTTP only).

    ShippoClient(api_token)
        get_track(carrier, number) ──GET /tracks/{carrier}/{number}──> raw Track
        register_track(carrier, number) ──POST /tracks/──> raw Track (pushes then come as webhooks)

Header ``Authorization: ShippoToken <token>`` plus ``Shippo-API-Version``. Tracks are fetched one
number at a time (no list endpoint to page through); 429 honours Retry-After when sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..http import HttpSource, expect_object

BASE = "https://api.goshippo.com"
API_VERSION = "2018-02-08"


class ShippoClient(HttpSource):
    """Talk to Shippo with one API token."""

    vendor = "shippo"

    def __init__(self, api_token: str, *, base_url: str | None = None, **options: Any) -> None:
        super().__init__(
            base_url or BASE,
            headers={"Authorization": f"ShippoToken {api_token}", "Shippo-API-Version": API_VERSION},
            **options,
        )

    def get_track(self, carrier: str, tracking_number: str) -> dict[str, Any]:
        """``GET /tracks/{carrier}/{tracking_number}``."""
        path = f"/tracks/{quote(carrier, safe='')}/{quote(tracking_number, safe='')}"
        return expect_object(self.get_json(path), self.vendor, "GET /tracks")

    def register_track(self, carrier: str, tracking_number: str, metadata: str | None = None) -> dict[str, Any]:
        """``POST /tracks/``: register a number for ``track_updated`` webhooks."""
        body: dict[str, Any] = {"carrier": carrier, "tracking_number": tracking_number}
        if metadata:
            body["metadata"] = metadata
        return expect_object(self.post_json("/tracks/", body), self.vendor, "POST /tracks")
