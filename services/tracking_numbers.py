"""Carrier detection for a tracking number, behind one function.

    " 1z 5r89-3903 5756 7127 " ──every format of the data set (services.tracking_formats)──> matches
        ──data-set courier / format -> carrier table slug (S10: the issuing country's post)──>
        ──rank: valid first, then the narrower format (fewer numbers fit it), then data-set order──>
    [Candidate(carrier="ups", name="UPS", valid=True, tracking_url="https://www.ups.com/track?...",
               format="UPS", checksum=True, confidence=1.0, details=(("Service Type", "..."),))]

The formats, check digits and lookup tables come from the vendored tracking_number_data set (MIT,
``services/carrier_data``); names and links come from the one carrier table (``services.carriers``).
Every carrier whose format fits is kept, so ambiguity stays visible: ``valid`` says the data set's
checks hold (pattern, check digit, required lookups), ``checksum`` that a check digit was verified,
and ``confidence`` is the candidate's share among the valid ones, weighted by how few numbers its
format accepts. A result is a hint, never a verdict: aggregators return placeholder numbers that fail
their checksum, so callers must not reject a number for being invalid here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.carriers import CARRIERS, S10_POSTS, dataset_slug, tracking_url
from services.tracking_formats import MAX_LENGTH, FormatMatch, match_all

__all__ = ["MAX_LENGTH", "Candidate", "clean", "detect"]

_NOISE = re.compile(r"[^0-9A-Za-z]")
_MAX_INPUT = 4 * MAX_LENGTH
"""Longer raw text (spaces included) is not a tracking number."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible carrier for a number: verdict, tracking page, and why.

    ``format`` / ``format_id`` name the data-set format that fits; ``checksum`` is True when that
    format has a check digit and it holds; ``confidence`` is the share among valid candidates (0 for
    invalid ones); ``details`` are the data set's readings of the number (service type, post, ...).
    """

    carrier: str
    name: str
    valid: bool
    tracking_url: str | None
    format: str = ""
    format_id: str = ""
    checksum: bool = False
    confidence: float = 0.0
    details: tuple[tuple[str, str], ...] = ()


def clean(number: str) -> str:
    """Strip spaces, dashes and other separators and upper-case the number."""
    return _NOISE.sub("", number).upper()


def _carrier(match: FormatMatch) -> tuple[str, str]:
    fmt = match.format
    if fmt.courier_code == "s10":
        country = match.groups.get("CountryCode", "")
        slug = S10_POSTS.get(country)
        if slug is not None:
            return slug, CARRIERS[slug].name
        post = dict(match.details).get("Courier")
        return "upu", post or f"National post ({country})"
    slug = dataset_slug(fmt.courier_code, fmt.id) or fmt.courier_code.replace("_", "-")
    known = CARRIERS.get(slug)
    return slug, known.name if known is not None else fmt.courier_name


def detect(number: str) -> list[Candidate]:
    """Return every carrier whose format ``number`` fits, best first (valid ones before invalid ones)."""
    if not isinstance(number, str) or len(number) > _MAX_INPUT:
        return []
    cleaned = clean(number)
    if not cleaned or len(cleaned) > MAX_LENGTH:
        return []
    best: dict[str, tuple[tuple[bool, float, int], FormatMatch, str]] = {}
    for match in match_all(number):
        slug, name = _carrier(match)
        rank = (not match.valid, match.format.log_size, match.format.order)
        if slug not in best or rank < best[slug][0]:
            best[slug] = (rank, match, name)
    ranked = sorted(best.items(), key=lambda item: item[1][0])
    sizes = [m.format.log_size for _, (_, m, _) in ranked if m.valid]
    weights = [10.0 ** (min(sizes) - size) for size in sizes] if sizes else []
    total = sum(weights)
    candidates = []
    for index, (slug, (_, match, name)) in enumerate(ranked):
        share = weights[index] / total if match.valid else 0.0
        candidates.append(
            Candidate(
                carrier=slug,
                name=name,
                valid=match.valid,
                tracking_url=tracking_url(slug, match.number),
                format=match.format.name,
                format_id=match.format.id,
                checksum=match.checked,
                confidence=round(share, 3),
                details=match.details,
            )
        )
    return candidates
