"""Vendor-side errors that the domain tree does not name on its own.

    SourceError (services.domain)
    └── PayloadError
        ├── VendorError     the vendor answered with its own error envelope (code + message kept)
        └── TooLargeError   an answer (body, event-stream line or event) over its size cap, or too many pages

Auth failures stay ``AuthError``, rate limits ``RateLimitedError`` and outages
``SourceUnavailableError``: :func:`error_for_code` picks the right class from a vendor's code.
"""

from __future__ import annotations

from services.domain import AuthError, PayloadError, RateLimitedError, SourceError, SourceUnavailableError, clean_text

MAX_VENDOR_TEXT = 200
"""The most characters of a vendor's own error text an error message quotes."""


def vendor_text(text: str, limit: int = MAX_VENDOR_TEXT) -> str:
    """Return text a vendor sent, fit for an error message: one clean line of at most ``limit`` characters.

    Error messages reach the terminal and the screen ("sync failed: ..."): ANSI escapes, line breaks,
    controls and bidi overrides go (``clean_text``), runs of spaces become one, and a long text is cut
    with an ellipsis.
    """
    line = " ".join(clean_text(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "\u2026"


class VendorError(PayloadError):
    """The vendor answered with an error envelope instead of data."""

    title = "Rejected by the source"

    def __init__(self, message: str, *, vendor: str, code: str | int | None = None) -> None:
        super().__init__(vendor_text(message, 2 * MAX_VENDOR_TEXT))
        self.vendor = vendor
        self.code = code


class TooLargeError(PayloadError):
    """An answer went past a size cap (decompressed body, stream line or event, page count); it was cut off."""

    title = "Answer too large"


def error_for_code(vendor: str, status: int | None, code: str | int | None, message: str) -> SourceError:
    """Return the typed error for a vendor error envelope (HTTP-like ``status`` decides the class)."""
    message = vendor_text(message)
    text = f"{vendor}: {message}" if message else f"{vendor}: error {vendor_text(str(code), 40)}"
    if status in (401, 403):
        return AuthError(text)
    if status == 429:
        return RateLimitedError(text)
    if status is not None and status >= 500:
        return SourceUnavailableError(text)
    return VendorError(text, vendor=vendor, code=code)
