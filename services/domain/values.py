"""Bounded values at the boundary: what every source (our backend included) may hand the domain.

    vendor / backend text   ──clean_text──> one printable line (no controls, ANSI escapes, bidi overrides)
    money string or integer ──parse_money──> Decimal of at most 15 integer and 10 fraction digits, or None
    line quantity           ──check_quantity──> 1 ..= MAX_QUANTITY, else ValidationError
    instant                 ──times.in_range──> EARLIEST <= t < LATEST (see ``times``)

Text decision: no domain text field keeps a line break. Order numbers, names, item titles, carrier
names, locations and event descriptions are shown as one line (lists, timeline, PDF cells) and some
reach e-mail headers, so CR, LF, TAB and the Unicode line/paragraph separators become one space;
every other C0/C1 control, whole ANSI escape sequences, the bidi embeddings, overrides, isolates and
marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), a BOM and lone surrogates (which
SQLite cannot store as UTF-8) are removed. Zero-width joiners stay: emoji and several scripts need them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import ValidationError

_ANSI_RE = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]?           # CSI: colours, cursor moves, erase (ESC [ ... final)
    | \x9b[0-?]*[ -/]*[@-~]?             # CSI as one C1 character
    | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC: window title, hyperlinks (to BEL or ST)
    | \x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC as one C1 character
    | \x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?        # DCS, PM, APC, SOS strings
    | \x1b[ -/]*[0-~]?                   # any other escape (charset selection, keypad modes ...)
    """,
    re.VERBOSE,
)
_BREAKS_RE = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_DROP_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")

MONEY_RE = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$")
"""A money amount: optional minus, 1-15 integer digits, up to 10 decimals. No exponent, NaN or Infinity."""

MAX_QUANTITY = 1_000_000
"""The largest line quantity a source may send (a shop line, not a warehouse ledger)."""


def clean_text(text: str) -> str:
    """Return ``text`` as one safe line: breaks become a space; controls, escapes and bidi marks go."""
    if text.isprintable():
        return text
    text = _ANSI_RE.sub("", text)
    text = _BREAKS_RE.sub(" ", text)
    return _DROP_RE.sub("", text)


def parse_money(value: str | int) -> Decimal | None:
    """Return a decimal amount within :data:`MONEY_RE` (an int within 15 digits); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) >= 10**15:  # also keeps str() away from a huge integer
            return None
        return Decimal(value)
    text = value.strip()
    if len(text) > 27 or not MONEY_RE.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a decimal
        return None


def check_quantity(value: object, where: str) -> int:
    """Return a line quantity (an integer from 1 to :data:`MAX_QUANTITY`) or raise ``ValidationError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{where}: field 'quantity' must be an integer")
    if not 1 <= value <= MAX_QUANTITY:
        shown = str(value) if abs(value) < 10**12 else "a huge number"
        raise ValidationError(f"{where}: field 'quantity' must be between 1 and {MAX_QUANTITY}, got {shown}")
    return value
