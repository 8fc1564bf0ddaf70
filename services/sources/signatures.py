"""Constant-time webhook signature checks shared by the vendors' ``webhook.py`` modules.

    raw body bytes + secret ──hmac_sha256 (base64 | hex) / sha256──> expected
    expected vs header value ──hmac.compare_digest──> bool

Always verify over the raw body exactly as received (never re-serialised JSON).
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """Return the raw HMAC-SHA256 digest of ``message`` under ``key``."""
    return hmac.new(key, message, hashlib.sha256).digest()


def hmac_sha256_base64(key: bytes, message: bytes) -> str:
    """Return base64(HMAC-SHA256) as sent by AfterShip, Shopify and WooCommerce."""
    return base64.b64encode(hmac_sha256(key, message)).decode("ascii")


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    """Return lowercase hex(HMAC-SHA256) as sent by EasyPost and Shippo."""
    return hmac_sha256(key, message).hex()


def same(expected: str, given: str | None) -> bool:
    """Compare a computed signature with the header value in constant time."""
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.strip().encode("utf-8"))
