"""Merchant-typed carrier vs the tracking number's own format.

    declared carrier ("USPS") + number ("1Z...") ──detect──> the declared slug, or "ups"

Shops let merchants pick the carrier by name and generate the tracking URL from that name, so a
UPS ``1Z`` number filed under USPS gets a USPS link (notes/apis.md §6 "Trap"). Only distinctive,
valid formats (UPS ``1Z``, Amazon ``TBA``) overrule the declared carrier: postal (S10) numbers are
shared by the origin and destination posts and generic digit runs prove nothing.
"""

from __future__ import annotations

from services.carriers import CARRIERS
from services.tracking_numbers import detect

OVERRULING = frozenset({"ups", "amazon_logistics"})
"""Data-set formats distinctive enough to overrule a merchant's choice (UPS ``1Z``, Amazon ``TBA``)."""

CHECKABLE = frozenset({c.slug for c in CARRIERS.values() if c.dataset} | {"unrecognized"})
"""Declared carriers whose numbers the detector can judge (every carrier of the data set)."""


def reconcile_carrier(declared: str, number: str) -> str:
    """Return the carrier slug to use for ``number`` filed under ``declared`` by a merchant."""
    if declared not in CHECKABLE:
        return declared
    candidates = detect(number)
    if any(c.carrier == declared for c in candidates):
        return declared
    valid = [c for c in candidates if c.valid]
    if len(valid) == 1 and valid[0].format_id in OVERRULING:
        return valid[0].carrier
    return declared
