"""Shippo webhook signature (opt-in): ``Shippo-Auth-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>``.

The only vendor that signs a timestamp, so deliveries older than ``tolerance`` seconds are refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..signatures import MAX_HEADER, guarded, hmac_sha256_hex, same

SIGNATURE_HEADER = "Shippo-Auth-Signature"
TOLERANCE = 300.0


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """Return the header value Shippo sends for ``body`` at ``timestamp``."""
    digest = hmac_sha256_hex(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body)
    return f"t={timestamp},v1={digest}"


def verify(
    body: bytes,
    signature: str | None,
    secret: str,
    *,
    tolerance: float = TOLERANCE,
    clock: Callable[[], float] = time.time,
) -> bool:
    """Tell whether the header matches ``body`` and its timestamp is within ``tolerance`` of now.

    False for a blank secret, a malformed header or a timestamp that is not a plain unix time.
    """

    def check() -> bool:
        if not isinstance(signature, str) or not signature or len(signature) > MAX_HEADER:
            return False
        fields = dict(part.strip().split("=", 1) for part in signature.split(",") if "=" in part)
        stamp, given = fields.get("t", ""), fields.get("v1")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12) or given is None:
            return False
        if not abs(clock() - int(stamp)) <= tolerance:  # also False for a NaN clock or tolerance
            return False
        expected = sign(bytes(body), secret, int(stamp)).split("v1=", 1)[1]
        return same(expected, given)

    return guarded(body, secret, check)
