"""Tracking-number detection against every valid and invalid number of jkeen/tracking_number_data.

The fixture (shared/fixtures/vendor/tracking_numbers) lists each courier format's test numbers and
what tracking-numbers 0.1.8 returns for them (``null`` = not detected or invalid). ``detect`` reads the
data set itself: it must put the listed courier first for every valid number (where the library
missed or misnamed it too), keep the library's answer among its valid candidates otherwise, map
couriers to AfterShip slugs (S10 by country), rank valid candidates first, and never claim a courier
for a number listed as invalid for it. The per-courier shares are in tests/contract/test_detection_dataset.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.tracking_numbers import clean, detect
from tests.support.paths import TRACKING_NUMBER_DATASET

FIXTURE = TRACKING_NUMBER_DATASET
COURIER_SLUGS = {
    "amazon": "amazon",
    "canada_post": "canada-post",
    "canpar": "canpar",
    "dhl": "dhl",
    "dpd": "dpd",
    "fedex": "fedex",
    "gofo": "gofo",
    "landmark": "landmark-global",
    "lasership": "lasership",
    "old_dominion": "old-dominion",
    "ontrac": "ontrac",
    "purolator": "purolator",
    "s10": "s10",
    "speedee": "spee-dee",
    "ups": "ups",
    "usps": "usps",
    "yodel": "yodel",
    "yunexpress": "yunexpress",
}
"""Dataset courier keys -> the slug detect would use (S10 resolves per country below)."""

FORMAT_SLUGS = {"dhl_ecommerce": "dhl-global-mail", "dhl_ecommerce_14": "dhl-global-mail"}
"""Formats whose carrier differs from their courier's (DHL eCommerce has its own tracking page)."""

S10_BY_COUNTRY = {"GB": "royal-mail", "US": "usps", "CV": "upu", "CF": "upu", "XX": "upu"}


def _cases() -> list[tuple[str, str, str, bool, Any]]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    cases = []
    for courier, spec in data["couriers"].items():
        for fmt in spec["formats"]:
            for verdict in ("valid", "invalid"):
                for entry in fmt[verdict]:
                    cases.append(
                        (
                            courier,
                            fmt["id"] or fmt["name"],
                            entry["number"],
                            verdict == "valid",
                            entry["tracking_numbers_0_1_8"],
                        )
                    )
    return cases


CASES = _cases()
FORMAT_NAMES = {
    fmt["name"]
    for spec in json.loads(FIXTURE.read_text(encoding="utf-8"))["couriers"].values()
    for fmt in spec["formats"]
}
VALID_ELSEWHERE = {(courier, clean(number)) for courier, _, number, ok, _ in CASES if ok}
"""Numbers listed valid for some format of a courier (one is also listed invalid for another of its formats)."""


def _slug(courier: str, number: str, fmt: str = "") -> str:
    if courier == "s10":
        return S10_BY_COUNTRY[clean(number)[-2:]]
    return FORMAT_SLUGS.get(fmt) or COURIER_SLUGS[courier]


def test_fixture_is_complete() -> None:
    """All 18 couriers and every listed number are exercised."""
    assert len({c[0] for c in CASES}) == 18
    assert len(CASES) == 280


UNSUPPORTED = {
    "amazon_international",
    "canada_post",
    "canpar_22",
    "dhl_express_piece_id",
    "dhl_ecommerce",
    "dhl_ecommerce_14",
    "dpd",
    "dpd_14",
    "fedex_astra_32",
    "gofo_us",
    "landmark_global",
    "lasership_lx",
    "lasership_1ls7",
    "LaserShip 1LS7 (18)",
    "lasership_1lscx",
    "Old Dominion",
    "Old Dominion Guaranteed Shipment",
    "ontrac_d",
    "purolator_numeric",
    "purolator_alpha",
    "speedee",
    "UPS Waybill",
    "yodel",
    "yunexpress",
}
"""Formats of the current dataset that tracking-numbers 0.1.8 does not know (known limitation)."""


def test_unsupported_formats_are_exactly_the_library_gaps() -> None:
    """A format is unsupported iff 0.1.8 recognises none of its valid numbers as its own courier."""
    recognised = {fmt for courier, fmt, _, ok, lib in CASES if ok and lib is not None and lib["courier"] == courier}
    formats = {fmt for _, fmt, _, _, _ in CASES}
    assert formats - recognised == UNSUPPORTED


@pytest.mark.parametrize(
    ("courier", "fmt", "number", "listed_valid", "library"),
    CASES,
    ids=[f"{c[1]}-{'ok' if c[3] else 'bad'}-{c[2].strip()}" for c in CASES],
)
def test_detect_follows_the_dataset_and_keeps_the_library_answer(
    courier: str, fmt: str, number: str, listed_valid: bool, library: dict[str, Any] | None
) -> None:
    """The listed courier first for valid numbers, never 'valid' for invalid ones, the library's pick kept."""
    candidates = detect(number)
    valid = [c for c in candidates if c.valid]
    own = _slug(courier, number, fmt)
    if listed_valid:
        assert valid and valid[0].carrier == own, f"{number!r} is listed valid for {fmt}: got {valid}"
    elif (courier, clean(number)) in VALID_ELSEWHERE:
        assert all(c.format_id != fmt for c in valid), f"{number!r} is listed invalid for {fmt}"
    else:
        assert own not in {c.carrier for c in valid}, f"{number!r} is listed invalid for {fmt}"
    if library is not None and library["product"] in FORMAT_NAMES:  # FedEx SmartPost left the data set
        assert _slug(library["courier"], number) in {c.carrier for c in valid}
    for top in valid:
        assert top.tracking_url is not None
        assert top.tracking_url.startswith("https://") and clean(number) in clean(top.tracking_url)
    assert [c.valid for c in candidates] == sorted((c.valid for c in candidates), reverse=True)


def test_cleanup_spaces_dashes_and_lower_case() -> None:
    """Separators and case do not matter; URLs use the cleaned number."""
    expected = detect("1Z5R89390357567127")
    top = expected[0]
    assert (top.carrier, top.name, top.valid, top.tracking_url) == (
        "ups",
        "UPS",
        True,
        "https://www.ups.com/track?tracknum=1Z5R89390357567127",
    )
    assert (top.format, top.checksum, top.confidence) == ("UPS", True, 1.0)
    assert dict(top.details) == {"Service Type": "UPS United States Ground"}
    for variant in ("1z5r89390357567127", " 1Z 5R89 3903 5756 7127 ", "1Z-5R89-3903-5756-7127", "1z.5r8939.0357567127"):
        assert detect(variant) == expected


def test_all_candidates_kept_and_ranked_valid_first() -> None:
    """Ambiguous numbers list every carrier; checksum-valid ones come before invalid ones."""
    both = detect("287809468872")  # Purolator (12) and FedEx Express (12): both check digits hold
    assert [(c.carrier, c.valid) for c in both] == [("purolator", True), ("fedex", True)]
    assert both[0].confidence > both[1].confidence > 0 and sum(c.confidence for c in both) == pytest.approx(1)
    assert not any(c.confidence > 0.9 for c in both), "an ambiguous number is never a confident answer"
    ranked = detect("123456789012")  # FedEx check digit holds, Purolator's (Luhn) does not
    assert [(c.carrier, c.valid) for c in ranked] == [("fedex", True), ("purolator", False)]
    assert (ranked[0].confidence, ranked[1].confidence) == (1.0, 0.0)
    # The data set no longer has a FedEx SmartPost format: these are USPS only.
    assert [(c.carrier, c.valid) for c in detect("9205590164917312751089")] == [("usps", True)]
    assert [(c.carrier, c.valid) for c in detect("0307 1790 0005 2348 3742")] == [("usps", False)]


@pytest.mark.parametrize(
    ("country", "slug", "name"),
    [
        ("GB", "royal-mail", "Royal Mail"),
        ("DE", "deutsche-post", "Deutsche Post"),
        ("US", "usps", "USPS"),
        ("CN", "china-post", "China Post"),
        ("NL", "postnl", "PostNL"),
        ("FR", "la-poste-colissimo", "La Poste"),
        ("JP", "japan-post", "Japan Post"),
        ("CA", "canada-post", "Canada Post"),
        ("AU", "australia-post", "Australia Post"),
    ],
)
def test_s10_numbers_map_to_the_national_post(country: str, slug: str, name: str) -> None:
    """A UPU S10 number (2 letters, 8 digits + check digit, country) goes to that country's post."""
    (candidate,) = detect(f"RB123456785{country}")
    assert (candidate.carrier, candidate.name, candidate.valid) == (slug, name, True)
    assert candidate.tracking_url is not None and f"RB123456785{country}" in candidate.tracking_url


def test_s10_bad_check_digit_and_unknown_post() -> None:
    """A wrong S10 check digit is an invalid candidate; a post without its own page gets the universal one."""
    (docs_placeholder,) = detect("RR123456789CN")  # its check digit should be 5
    assert (docs_placeholder.carrier, docs_placeholder.valid) == ("china-post", False)
    (cape_verde,) = detect("rb 123456785 cv")
    assert (cape_verde.carrier, cape_verde.name, cape_verde.valid) == ("upu", "Correios de Cabo Verde", True)
    assert cape_verde.tracking_url == "https://t.17track.net/en#nums=RB123456785CV"


def test_vendor_fixture_numbers() -> None:
    """The numbers seen in vendor fixtures: real ones valid, docs placeholders invalid (a hint, not a verdict)."""
    for number, slug in (
        ("1Z2617V10397725789", "ups"),
        ("1Z001985YW99744790", "ups"),
        ("9434936105536968782556", "usps"),
        ("9361289676091361892011", "usps"),
        ("123456789012", "fedex"),
    ):
        assert detect(number)[0].carrier == slug and detect(number)[0].valid, number
    for number in ("1Z1234512345123456", "1Z12345E6205277936"):
        assert [(c.carrier, c.valid) for c in detect(number)] == [("ups", False)]
    assert not any(c.valid for c in detect("111111111111"))


@pytest.mark.parametrize("garbage", ["", "   ", "hello world", "Tracking: ", "x" * 200, "🚚📦"])
def test_non_numbers_give_nothing(garbage: str) -> None:
    """Text that is no tracking number yields no candidates (and no error)."""
    assert detect(garbage) == []


def test_non_text_input_gives_nothing() -> None:
    """A non-string (from an untyped caller) is not a number."""
    assert detect(12345) == []  # type: ignore[arg-type]


def test_letter_check_digit_does_not_crash() -> None:
    """A letter where UPS has its check digit does not fit the UPS pattern: no candidate, no exception."""
    assert detect("1ZXX3150YW4407002A") == []


PASTED = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.from_regex(
    r"[0-9A-Z \-]{8,40}", fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(PASTED)
def test_any_text_gives_ranked_candidates_never_an_error(text: str) -> None:
    """Whatever is pasted: no exception, valid first, confidences of the valid ones add up to one."""
    candidates = detect(text)
    flags = [c.valid for c in candidates]
    assert flags == sorted(flags, reverse=True)
    shares = [c.confidence for c in candidates if c.valid]
    assert not shares or sum(shares) == pytest.approx(1, abs=0.01)
    assert all(c.confidence == 0 for c in candidates if not c.valid)
    assert len({c.carrier for c in candidates}) == len(candidates)
