"""Merchant-typed carrier vs the tracking number's own format.

    declared carrier ("USPS") + number ("1Z...") ──detect──> the declared slug, or "ups"

Shops let merchants pick the carrier by name and generate the tracking URL from that name, so a
UPS ``1Z`` number filed under USPS gets a USPS link (notes/apis.md §6 "Trap"). Only distinctive,
checksum-valid formats (UPS ``1Z``, Amazon ``TBA``) overrule the declared carrier: postal (S10)
numbers are shared by the origin and destination posts and generic digit runs prove nothing.
"""

from __future__ import annotations

from services.tracking_numbers import detect

OVERRULING = frozenset({"ups", "amazon"})
"""Carriers whose number format is distinctive enough to overrule a merchant's choice."""

CHECKABLE = frozenset({"ups", "fedex", "usps", "dhl", "ontrac", "amazon", "cdl", "unrecognized"})
"""Declared carriers whose numbers the detector can judge."""


def reconcile_carrier(declared: str, number: str) -> str:
    """Return the carrier slug to use for ``number`` filed under ``declared`` by a merchant."""
    if declared not in CHECKABLE:
        return declared
    candidates = detect(number)
    if any(c.carrier == declared for c in candidates):
        return declared
    valid = {c.carrier for c in candidates if c.valid}
    if len(valid) == 1:
        (only,) = valid
        if only in OVERRULING:
            return only
    return declared
