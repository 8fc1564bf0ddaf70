"""WooCommerce webhook signature: ``X-WC-Webhook-Signature`` = base64(HMAC-SHA256(webhook secret, raw body)).

Deduplicate deliveries on ``X-WC-Webhook-Delivery-ID``.
"""

from __future__ import annotations

from ..signatures import guarded, hmac_sha256_base64, same

SIGNATURE_HEADER = "X-WC-Webhook-Signature"


def sign(body: bytes, secret: str) -> str:
    """Return the signature WooCommerce sends for ``body``."""
    return hmac_sha256_base64(secret.encode("utf-8"), body)


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """Tell whether ``signature`` (the header value) matches the raw ``body`` (False for a blank secret)."""
    return guarded(body, secret, lambda: same(sign(body, secret), signature))
