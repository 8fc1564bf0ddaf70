"""The carrier table and link policy as the mappers import them (they live in ``services.carriers``).

Detection (``services.tracking_numbers``) reads the same table without importing ``services.sources``,
so the two packages no longer import each other.
"""

from __future__ import annotations

from services.carriers import (
    CARRIERS,
    S10_POSTS,
    TRACKING_SERVICES,
    UNIVERSAL_TRACKING_URL,
    Carrier,
    carrier_name,
    carrier_slug,
    checked_url,
    safe_link,
    tracking_url,
)

__all__ = [
    "CARRIERS",
    "S10_POSTS",
    "TRACKING_SERVICES",
    "UNIVERSAL_TRACKING_URL",
    "Carrier",
    "carrier_name",
    "carrier_slug",
    "checked_url",
    "safe_link",
    "tracking_url",
]
