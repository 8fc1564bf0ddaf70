"""Size and time bounds on what a source may send us: every body read with a running count.

    streamed response ──iter_raw()──> decoded_chunks() ──pieces of <= 64 KiB──> read_capped(limit)
                      (gzip / deflate inflated here with zlib's max_length, never all at once)

A Content-Length header is never trusted: the count runs over the *decompressed* bytes as they
arrive, so a small gzip bomb stops at the cap instead of expanding in memory. Only the encodings we
ask for (``Accept-Encoding: gzip, deflate``) are inflated; any other is refused.

``clamp_wait`` bounds a delay a server asks for (Retry-After, a rate-limit reset): NaN is ignored,
negatives become 0 and anything longer than an hour becomes an hour.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator

import httpx

from services.domain import PayloadError

from .errors import TooLargeError

MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest decompressed answer body accepted (a page of orders or trackings is a few MB at most)."""
MAX_ERROR_BODY_BYTES = 64 * 1024
"""An error answer is read only this far (enough for its message); the rest is dropped."""
MAX_WAIT_SECONDS = 3600.0
"""The longest delay a server can ask for (Retry-After, rate-limit reset): one hour."""
ACCEPT_ENCODING = "gzip, deflate"
"""The only content encodings we inflate (with a bounded output per step)."""
STEP = 64 * 1024
"""The most decompressed bytes produced per step."""

_GZIP = ("gzip", "x-gzip")


def clamp_wait(seconds: float | None) -> float | None:
    """Return ``seconds`` bounded to [0, MAX_WAIT_SECONDS]; None (or NaN) when there is no usable delay."""
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_WAIT_SECONDS)


def _encodings(response: httpx.Response) -> list[str]:
    header = response.headers.get("content-encoding", "")
    return [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]


def _inflate(raw: Iterator[bytes], encoding: str, step: int) -> Iterator[bytes]:
    """Inflate a gzip or deflate stream, never producing more than ``step`` bytes per call."""
    wbits = 16 + zlib.MAX_WBITS if encoding in _GZIP else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    first = True
    for chunk in raw:
        data = chunk
        while True:
            try:
                out = inflater.decompress(data, step)
            except zlib.error as err:
                if first and encoding == "deflate":  # some servers send raw deflate without the zlib header
                    inflater, wbits = zlib.decompressobj(-zlib.MAX_WBITS), -zlib.MAX_WBITS
                    first = False
                    continue
                raise PayloadError(f"the {encoding} body is corrupt ({err})") from err
            first = False
            if out:
                yield out
            data = inflater.unconsumed_tail
            if not data and len(out) < step:
                break
            if inflater.eof:
                break
    if not first:
        rest = inflater.flush()
        for start in range(0, len(rest), step):
            yield rest[start : start + step]


def decoded_chunks(response: httpx.Response, *, step: int = STEP) -> Iterator[bytes]:
    """Yield a streamed response's body, decompressed in pieces of at most ``step`` bytes."""
    if response.is_stream_consumed:  # built in memory (an in-process transport): already decoded
        content = response.content
        for start in range(0, len(content), step):
            yield content[start : start + step]
        return
    encodings = _encodings(response)
    if not encodings:
        yield from response.iter_raw()
        return
    if len(encodings) > 1 or encodings[0] not in (*_GZIP, "deflate"):
        raise PayloadError(f"the answer uses a content encoding we did not ask for ({', '.join(encodings)})")
    yield from _inflate(response.iter_raw(), encodings[0], step)


def read_capped(response: httpx.Response, limit: int, *, what: str, truncate: bool = False) -> bytes:
    """Return a streamed response's decompressed body, at most ``limit`` bytes.

    Past the limit the reading stops at once: ``TooLargeError`` (or, with ``truncate``, the first
    ``limit`` bytes, for error answers whose message is all we need).
    """
    parts: list[bytes] = []
    total = 0
    for piece in decoded_chunks(response):
        total += len(piece)
        if total > limit:
            if truncate:
                parts.append(piece[: len(piece) - (total - limit)])
                break
            raise TooLargeError(f"{what} is larger than {_size(limit)} once decompressed; refused")
        parts.append(piece)
    return b"".join(parts)


def buffered(response: httpx.Response, body: bytes) -> httpx.Response:
    """Return a finished copy of a streamed ``response`` holding ``body`` (already decompressed)."""
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
        history=response.history,
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
