"""Constant-time webhook signature checks shared by the vendors' ``webhook.py`` modules.

    raw body bytes + secret ──hmac_sha256 (base64 | hex) / sha256──> expected
    expected vs header value ──hmac.compare_digest──> bool

Always verify over the raw body exactly as received (never re-serialised JSON).

Every ``verify`` is total: an empty (or blank) secret, a body that is not bytes, a header with
odd characters or absurd numbers all give False, never an exception (:func:`guarded`). An empty
secret would make a signature anyone can compute, so it never verifies anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """Return the raw HMAC-SHA256 digest of ``message`` under ``key``."""
    return hmac.new(key, message, hashlib.sha256).digest()


def hmac_sha256_base64(key: bytes, message: bytes) -> str:
    """Return base64(HMAC-SHA256) as sent by AfterShip, Shopify and WooCommerce."""
    return base64.b64encode(hmac_sha256(key, message)).decode("ascii")


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    """Return lowercase hex(HMAC-SHA256) as sent by EasyPost and Shippo."""
    return hmac_sha256(key, message).hex()


MAX_HEADER = 4096
"""Longest signature header value considered (real ones are under 200 characters)."""


def same(expected: str, given: str | None) -> bool:
    """Compare a computed signature with the header value in constant time (False for anything odd)."""
    if not isinstance(given, str) or not isinstance(expected, str) or not expected or len(given) > MAX_HEADER:
        return False
    try:
        return hmac.compare_digest(expected.encode("utf-8"), given.strip().encode("utf-8"))
    except UnicodeError:  # a lone surrogate in the header value
        return False


def usable(body: object, secret: object) -> bool:
    """Tell whether a verification can mean anything: a bytes body and a non-blank text secret."""
    return isinstance(body, bytes | bytearray | memoryview) and isinstance(secret, str) and bool(secret.strip())


def guarded(body: object, secret: object, check: Callable[[], bool]) -> bool:
    """Run ``check`` only for a usable body and secret; any exception it raises means False."""
    if not usable(body, secret):
        return False
    try:
        return check() is True
    except Exception:  # a verifier answers yes or no; a malformed input is a no
        return False
