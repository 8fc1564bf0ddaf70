"""Karrio webhooks are not signed: the header ``X-Event-Id`` echoes the webhook's shared secret.

So the check is a constant-time comparison of that header with the secret.
"""

from __future__ import annotations

from ..signatures import guarded, same

SIGNATURE_HEADER = "X-Event-Id"


def verify(body: bytes, header: str | None, secret: str) -> bool:
    """Tell whether the ``X-Event-Id`` header carries the shared secret (``body`` is not signed)."""
    # Karrio signs nothing; ``body`` is kept for the same signature as the other vendors
    return guarded(body, secret, lambda: same(secret, header))
