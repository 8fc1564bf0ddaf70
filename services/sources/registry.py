"""One door from any vendor payload to the domain.

    normalize(kind, payload)
        "ordertrack"  ──services.sources.ordertrack.mapper.parse_orders_payload──> ("orders", [...])
        "shopify" | "woocommerce"                                              ──> ("orders" | "shipments", [...])
        "aftership" | "17track" | "easypost" | "shippo" | "karrio"             ──> ("shipments", [...])

Each vendor mapper detects which of its payload shapes it got (API list or single response,
webhook); anything else is a ``ValidationError`` with one line: "not a <kind> payload: <why>" or
"<where>: missing field 'x'". Vendor error envelopes raise AuthError / VendorError / ...
"""

from __future__ import annotations

from collections.abc import Callable

from services.domain import ValidationError

from .aftership import mapper as aftership
from .easypost import mapper as easypost
from .karrio import mapper as karrio
from .payload import Normalized
from .seventeentrack import mapper as seventeentrack
from .shippo import mapper as shippo
from .shopify import mapper as shopify
from .woocommerce import mapper as woocommerce

KINDS = ("ordertrack", "shopify", "woocommerce", "aftership", "17track", "easypost", "shippo", "karrio")
"""Source kinds accepted by ``sources add`` and ``normalize --source`` (DESIGN.md)."""

_MAPPERS: dict[str, Callable[[object], Normalized]] = {
    "shopify": shopify.normalize,
    "woocommerce": woocommerce.normalize,
    "aftership": aftership.normalize,
    "17track": seventeentrack.normalize,
    "easypost": easypost.normalize,
    "shippo": shippo.normalize,
    "karrio": karrio.normalize,
}


def _ordertrack(payload: object) -> Normalized:
    # Imported lazily: the backend mapper lives in its own package and may be absent in a partial tree.
    from services.sources.ordertrack.mapper import parse_orders_payload

    return "orders", parse_orders_payload(payload)


def normalize(kind: str, payload: object) -> Normalized:
    """Map a decoded vendor payload (API response or webhook body) of ``kind`` to domain objects."""
    key = kind.strip().lower() if isinstance(kind, str) else ""
    if key == "ordertrack":
        return _ordertrack(payload)
    mapper = _MAPPERS.get(key)
    if mapper is None:
        raise ValidationError(f"unknown source kind {kind!r} (one of {', '.join(KINDS)})")
    return mapper(payload)
