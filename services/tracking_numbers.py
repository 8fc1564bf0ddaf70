"""Carrier detection for a tracking number, behind one function.

    " 1z 5r89-3903 5756 7127 " ──clean──> "1Z5R89390357567127"
        ──every tracking-numbers 0.1.8 definition (not just the first valid one)──> matches
        ──S10 (UPU) country suffix -> that country's post──> AfterShip courier slugs
        ──rank: checksum-valid first, then checksum-backed over pattern-only, then library order──>
    [Candidate(carrier="ups", name="UPS", valid=True, tracking_url="https://www.ups.com/track?...")]

The library matches case-sensitively on the raw text and stops at the first valid definition; this
wrapper cleans the input (spaces, dashes, lower case), keeps every candidate so ambiguity stays
visible (``9205590164917312751089`` is both USPS 91 and FedEx SmartPost), and builds URLs from the
cleaned number. A result is a hint, never a verdict: aggregators return placeholder numbers that
fail their checksum, so callers must not reject a number for being invalid here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracking_numbers import DEFINITIONS

from services.sources.carriers import CARRIERS, S10_POSTS, tracking_url

MAX_LENGTH = 64
"""Longer input is not a tracking number (the longest known format has 34 characters)."""

_COURIER_SLUGS = {
    "ups": "ups",
    "fedex": "fedex",
    "usps": "usps",
    "dhl": "dhl",
    "amazon": "amazon",
    "ontrac": "ontrac",
    "cdl": "cdl",
}
"""tracking-numbers courier codes -> AfterShip courier slugs (``s10`` goes by country)."""

_NOISE = re.compile(r"[^0-9A-Za-z]")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible carrier for a number, with whether its checksum holds and its tracking page."""

    carrier: str
    name: str
    valid: bool
    tracking_url: str | None


def clean(number: str) -> str:
    """Strip spaces, dashes and other separators and upper-case the number."""
    return _NOISE.sub("", number).upper()


def _s10_carrier(cleaned: str) -> tuple[str, str]:
    country = cleaned[-2:]
    slug = S10_POSTS.get(country)
    if slug is not None:
        return slug, CARRIERS[slug].name
    return "upu", f"National post ({country})"


def detect(number: str) -> list[Candidate]:
    """Return every carrier whose format ``number`` fits, best first (valid checksums before invalid)."""
    if not isinstance(number, str):
        return []
    cleaned = clean(number)
    if not cleaned or len(cleaned) > MAX_LENGTH:
        return []
    best: dict[str, tuple[tuple[bool, bool, int], Candidate]] = {}
    for index, definition in enumerate(DEFINITIONS):
        text = cleaned
        try:
            found = definition.test(cleaned)
            if found is None:
                # Only lower-case formats (CDL's hex ids) can match here.
                text = cleaned.lower()
                found = definition.test(text)
            valid = bool(found is not None and found.valid)
        except (ValueError, IndexError, TypeError):
            # The pattern matched but the check digit is not numeric (e.g. a letter in a UPS number).
            found, valid = definition, False
        if found is None:
            continue
        code = definition.courier.code
        if code == "s10":
            slug, name = _s10_carrier(cleaned)
        else:
            slug = _COURIER_SLUGS.get(code, code)
            name = CARRIERS[slug].name if slug in CARRIERS else definition.courier.name
        url = tracking_url(slug, text)
        if url is None and definition.tracking_url_template:
            url = definition.tracking_url_template % text
        rank = (not valid, definition.checksum_validator is None, index)
        candidate = Candidate(carrier=slug, name=name, valid=valid, tracking_url=url)
        if slug not in best or rank < best[slug][0]:
            best[slug] = (rank, candidate)
    return [candidate for _, candidate in sorted(best.values(), key=lambda item: item[0])]
