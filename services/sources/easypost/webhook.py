"""EasyPost webhook signature: ``X-Hmac-Signature: hmac-sha256-hex=<hex>``.

The HMAC-SHA256 runs over the raw body with the webhook secret NFKD-normalised and UTF-8 encoded
(official client-library behaviour; test vector in notes/apis.md §11).
"""

from __future__ import annotations

import unicodedata

from ..signatures import guarded, hmac_sha256_hex, same

SIGNATURE_HEADER = "X-Hmac-Signature"
PREFIX = "hmac-sha256-hex="


def sign(body: bytes, secret: str) -> str:
    """Return the full header value EasyPost sends for ``body``."""
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return PREFIX + hmac_sha256_hex(key, body)


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """Tell whether ``signature`` (the header value) matches the raw ``body`` (False for a blank secret)."""
    return guarded(body, secret, lambda: same(sign(body, secret), signature))
