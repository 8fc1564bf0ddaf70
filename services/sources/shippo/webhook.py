"""Shippo webhook signature (opt-in): ``Shippo-Auth-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>``.

The only vendor that signs a timestamp, so deliveries older than ``tolerance`` seconds are refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..signatures import hmac_sha256_hex, same

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
    """Tell whether the header matches ``body`` and its timestamp is within ``tolerance`` of now."""
    if not signature:
        return False
    fields = dict(part.strip().split("=", 1) for part in signature.split(",") if "=" in part)
    stamp, given = fields.get("t", ""), fields.get("v1")
    if not stamp.isdigit() or given is None:
        return False
    if abs(clock() - int(stamp)) > tolerance:
        return False
    expected = sign(body, secret, int(stamp)).split("v1=", 1)[1]
    return same(expected, given)
