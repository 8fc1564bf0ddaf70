"""Shopify webhook signature: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(app client secret, raw body)).

Deduplicate deliveries on ``X-Shopify-Webhook-Id``.
"""

from __future__ import annotations

from ..signatures import guarded, hmac_sha256_base64, same

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"


def sign(body: bytes, secret: str) -> str:
    """Return the signature Shopify sends for ``body``."""
    return hmac_sha256_base64(secret.encode("utf-8"), body)


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """Tell whether ``signature`` (the header value) matches the raw ``body`` (False for a blank secret)."""
    return guarded(body, secret, lambda: same(sign(body, secret), signature))
