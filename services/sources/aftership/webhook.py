"""AfterShip webhook signature: header ``aftership-hmac-sha256`` = base64(HMAC-SHA256(secret, raw body)).

No timestamp is signed, so deduplicate deliveries on the body's ``event_id``.
"""

from __future__ import annotations

from ..signatures import guarded, hmac_sha256_base64, same

SIGNATURE_HEADER = "aftership-hmac-sha256"


def sign(body: bytes, secret: str) -> str:
    """Return the signature AfterShip sends for ``body``."""
    return hmac_sha256_base64(secret.encode("utf-8"), body)


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """Tell whether ``signature`` (the header value) matches the raw ``body`` (False for a blank secret)."""
    return guarded(body, secret, lambda: same(sign(body, secret), signature))
