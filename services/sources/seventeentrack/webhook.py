"""17TRACK v2.x push signature: header ``sign`` = lowercase hex SHA-256 (not HMAC) of ``rawBody + "/" + apiKey``."""

from __future__ import annotations

import hashlib

from ..signatures import guarded, same

SIGNATURE_HEADER = "sign"


def sign(body: bytes, api_key: str) -> str:
    """Return the signature 17TRACK sends for ``body``."""
    return hashlib.sha256(body + b"/" + api_key.encode("utf-8")).hexdigest()


def verify(body: bytes, signature: str | None, api_key: str) -> bool:
    """Tell whether ``signature`` (the ``sign`` header, any case) matches the raw ``body``."""
    return guarded(
        body,
        api_key,
        lambda: same(sign(bytes(body), api_key), signature.lower() if isinstance(signature, str) else None),
    )
