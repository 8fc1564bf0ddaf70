"""Currency minor units (ISO 4217): how many decimals an amount in a currency is written with.

    JPY 4000.00 -> "4000"     EUR 64.9 -> "64.90"     KWD 1.5 -> "1.500"

An amount is padded or trimmed to the currency's minor units, but never rounded: digits that are
not zero stay (a per-unit price of EUR 0.125 is written "0.125"), so nothing is lost on the way
out. Every output (JSON, CSV, PDF, the screen, the command line) writes amounts through here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MINOR_UNITS: dict[str, int] = {
    # ISO 4217 currencies without minor units
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
            "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    # three decimals
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    # four decimals (units of account)
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip
"""Currencies whose minor units are not 2 (every other ISO 4217 code has 2)."""


def minor_units(currency: str) -> int:
    """Return the number of decimals of ``currency`` (2 unless ISO 4217 says otherwise)."""
    return MINOR_UNITS.get(currency.strip().upper(), 2)


def amount_places(amount: Decimal, currency: str) -> int:
    """Return how many decimals to write ``amount`` with: the minor units, more only for non-zero digits."""
    places = minor_units(currency)
    if not amount.is_finite():
        return places
    exponent = amount.normalize().as_tuple().exponent
    needed = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(places, needed)


def amount_text(amount: Decimal, currency: str) -> str:
    """Write ``amount`` as plain decimal text with the currency's minor units (never exponent notation)."""
    if not amount.is_finite():
        return format(amount, "f")
    places = amount_places(amount, currency)
    try:
        value = amount.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than the context holds: write it as it is
        value = amount
    text = format(value, "f")
    return "0" + text[2:] if text.startswith("-0") and value == 0 else text
