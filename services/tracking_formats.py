"""Tracking-number formats read from the vendored courier data set, and the checks they describe.

    services/carrier_data/couriers/*.json (jkeen/tracking_number_data 2.0.0, MIT)
        ──load──> Format(regex, checksum spec, serial-number rule, lookup tables, log10 size)
    "1Z5R89390357567127" ──match_all──> [FormatMatch(format=UPS, valid=True, checked=True,
                                                      details=(("Service Type", "UPS United States Ground"),))]

Everything here follows the data set's own specification (its README and CHECKSUM_ALGORITHMS.md):
a format's regex must match the whole number (spaces removed); when it names a checksum, the
``SerialNumber`` group (after ``serial_number_format``) must produce the ``CheckDigit`` group; when its
validation lists ``additional.exists``, those lookup tables must find the group's value.

``Format.log_size`` is log10 of how many numbers the format accepts (counted from its regex, divided by
the check digit's alphabet when a checksum fixes it, and narrowed to the lookup table a validation
requires). A number that fits two formats is likelier to belong to the narrower one: that is how
``services.tracking_numbers`` ranks ambiguous numbers, from the data set alone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Lookup:
    """An ``additional`` table: a named regex group's values and what they mean."""

    name: str
    group: str
    entries: tuple[Mapping[str, Any], ...]

    def find(self, value: str) -> Mapping[str, Any] | None:
        """Return the first entry whose ``matches`` equals or ``matches_regex`` fits ``value``."""
        for entry in self.entries:
            exact = entry.get("matches")
            pattern = entry.get("matches_regex")
            if (isinstance(exact, str) and exact == value) or (
                isinstance(pattern, str) and re.fullmatch(pattern, value) is not None
            ):
                return entry
        return None


@dataclass(frozen=True, slots=True)
class Format:
    """One tracking-number format of one courier, as the data set describes it."""

    courier_code: str
    courier_name: str
    id: str
    name: str
    pattern: re.Pattern[str]
    checksum: Mapping[str, Any] | None
    prepend: tuple[re.Pattern[str], str] | None
    lookups: tuple[Lookup, ...]
    required: tuple[str, ...]
    url_template: str | None
    log_size: float
    order: int
    valid_examples: tuple[str, ...]
    invalid_examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormatMatch:
    """A number that fits a format's pattern, with the data set's verdict on it."""

    format: Format
    number: str
    valid: bool
    checked: bool
    details: tuple[tuple[str, str], ...]
    groups: Mapping[str, str]


# ---------------------------------------------------------------- checksums (CHECKSUM_ALGORITHMS.md)


def _value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def _mod10(sequence: str, check: str, spec: Mapping[str, Any]) -> bool:
    chars = sequence[::-1] if spec.get("reverse") else sequence
    odds, evens = spec.get("odds_multiplier"), spec.get("evens_multiplier")
    total = 0
    for index, char in enumerate(chars):
        x = _value(char)
        if odds and index % 2 == 1:
            x *= int(odds)
        elif evens and index % 2 == 0:
            x *= int(evens)
        total += x
    return (10 - total % 10) % 10 == int(check)


def _mod7(sequence: str, check: str, spec: Mapping[str, Any]) -> bool:
    return int(sequence) % int(spec.get("modulo", 7)) == int(check)


def _s10(sequence: str, check: str, spec: Mapping[str, Any]) -> bool:
    weights = spec.get("weightings") or [8, 6, 4, 2, 3, 5, 9, 7]
    modulo = int(spec.get("modulo", 11))
    remainder = sum(int(c) * int(w) for c, w in zip(sequence, weights, strict=False)) % modulo
    expected = 0 if remainder == 1 else 5 if remainder == 0 else modulo - remainder
    return expected == int(check)


def _weighted(sequence: str, check: str, spec: Mapping[str, Any]) -> bool:
    weights = spec.get("weightings") or []
    total = sum(int(c) * int(w) for c, w in zip(sequence, weights, strict=False))
    return total % int(spec["modulo1"]) % int(spec["modulo2"]) == int(check)


def _luhn(sequence: str, check: str, spec: Mapping[str, Any]) -> bool:
    total = 0
    for index, char in enumerate(reversed(sequence)):
        x = int(char) * (2 if index % 2 == 0 else 1)
        total += x - 9 if x > 9 else x
    modulo = int(spec.get("modulo", 10))
    return (modulo - total % modulo) % modulo == int(check)


def _mod_37_36(sequence: str, check: str, spec: Mapping[str, Any]) -> bool:
    alphabet = str(spec.get("alphabet") or _ALNUM)
    mod = int(spec.get("modulo", 36))
    cd = mod
    for char in sequence:
        cd += alphabet.index(char)
        if cd > mod:
            cd -= mod
        cd *= 2
        if cd > mod:
            cd -= mod + 1
    cd = mod + 1 - cd
    if cd == mod:
        cd = 0
    return alphabet[cd] == check


CHECKSUMS: dict[str, Callable[[str, str, Mapping[str, Any]], bool]] = {
    "mod10": _mod10,
    "mod7": _mod7,
    "s10": _s10,
    "sum_product_with_weightings_and_modulo": _weighted,
    "luhn": _luhn,
    "mod_37_36": _mod_37_36,
}
"""The data set's check-digit algorithms by name."""


# ---------------------------------------------------------------- how many numbers a regex accepts

MAX_LENGTH = 64
"""Longest number (separators removed) the detector considers; the longest known format has 41 characters."""

Node = tuple[Any, ...]
"""A parsed data-set regex: ("chars", count) | ("seq", nodes) | ("alt", nodes) | ("group", name, node)
| ("look", positive, node) | ("bound",) | ("repeat", node, low, high or -1)."""


class _Parser:
    """Parse the regex subset the data set uses; ``\\s`` matches nothing (numbers are compacted first)."""

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def parse(self) -> Node:
        node = self._alternation()
        if self.pos != len(self.text):
            raise ValueError(f"unexpected {self.text[self.pos]!r} at {self.pos} in {self.text!r}")
        return node

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _alternation(self) -> Node:
        options = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else ("alt", tuple(options))

    def _sequence(self) -> Node:
        items: list[Node] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return ("seq", tuple(items))

    def _atom(self) -> Node:
        char = self._peek()
        self.pos += 1
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char == "\\":
            escaped = self._peek()
            self.pos += 1
            if escaped == "s":
                return ("chars", 0)
            if escaped in "bB":
                return ("bound",)
            if escaped == "d":
                return ("chars", 10)
            if escaped == "w":
                return ("chars", len(_ALNUM))
            return ("chars", 1)
        if char == ".":
            return ("chars", len(_ALNUM))
        if char in "^$":
            return ("seq", ())
        return ("chars", 1)

    def _group(self) -> Node:
        kind: tuple[Any, ...] = ("group", None)
        if self.text.startswith("?:", self.pos):
            self.pos += 2
        elif self.text.startswith(("?=", "?!"), self.pos):
            kind = ("look", self.text[self.pos + 1] == "=")
            self.pos += 2
        elif self.text.startswith(("?<=", "?<!"), self.pos):
            kind = ("look", None)
            self.pos += 3
        elif self.text.startswith(("?<", "?P<"), self.pos):
            start = self.text.index("<", self.pos) + 1
            end = self.text.index(">", start)
            kind = ("group", self.text[start:end])
            self.pos = end + 1
        inner = self._alternation()
        if self._peek() != ")":
            raise ValueError(f"unbalanced group at {self.pos} in {self.text!r}")
        self.pos += 1
        return (*kind, inner)

    def _class(self) -> Node:
        negated = self._peek() == "^"
        if negated:
            self.pos += 1
        chars: set[str] = set()
        first = True
        while first or self._peek() != "]":
            if not self._peek():
                raise ValueError(f"unbalanced class in {self.text!r}")
            first = False
            char = self._peek()
            self.pos += 1
            if char == "\\":
                escaped = self._peek()
                self.pos += 1
                if escaped == "d":
                    chars.update("0123456789")
                elif escaped != "s":
                    chars.add(escaped)
            elif self._peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                high = self.text[self.pos + 1]
                self.pos += 2
                chars.update(chr(c) for c in range(ord(char), ord(high) + 1))
            else:
                chars.add(char)
        self.pos += 1
        return ("chars", len(set(_ALNUM) - chars) if negated else len(chars & set(_ALNUM)))

    def _quantified(self, node: Node) -> Node:
        char = self._peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, -1), "+": (1, -1), "?": (0, 1)}[char]
        elif char == "{" and re.match(r"\{\d+(,\d*)?\}", self.text[self.pos :]):
            end = self.text.index("}", self.pos)
            body = self.text[self.pos + 1 : end]
            self.pos = end + 1
            low_text, _, high_text = body.partition(",")
            low = int(low_text)
            high = low if "," not in body else (int(high_text) if high_text else -1)
        else:
            return node
        if self._peek() in ("?", "+"):
            self.pos += 1
        return ("repeat", node, low, high)


def _add(into: dict[int, int], ends: Mapping[int, int], factor: int = 1) -> None:
    for end, count in ends.items():
        into[end] = into.get(end, 0) + count * factor


@cache
def _ends(node: Node, start: int, length: int) -> Mapping[int, int]:
    """For strings of ``length`` characters: end position -> how many ways ``node`` matches from ``start``."""
    kind = node[0]
    if kind == "chars":
        return {start + 1: node[1]} if start < length and node[1] else {}
    if kind == "bound":
        return {start: 1} if start in (0, length) else {}
    if kind == "group":
        return _ends(node[2], start, length)
    if kind == "look":
        inner = node[2]
        if node[1] is True:
            return {start: 1} if _ends(inner, start, length) else {}
        if node[1] is False and inner[0] == "seq" and len(inner[1]) == 1 and inner[1][0][0] == "chars":
            return {start: 1} if start == length else {}
        return {start: 1}
    result: dict[int, int] = {}
    if kind == "alt":
        for option in node[1]:
            _add(result, _ends(option, start, length))
        return result
    if kind == "seq":
        current: Mapping[int, int] = {start: 1}
        for item in node[1]:
            following: dict[int, int] = {}
            for position, count in current.items():
                _add(following, _ends(item, position, length), count)
            current = following
        return current
    inner, low, high = node[1], node[2], node[3]
    current = {start: 1}
    limit = length - start + 1 if high < 0 else high
    for times in range(limit + 1):
        if times >= low:
            _add(result, current)
        if times == limit:
            break
        following = {}
        for position, count in current.items():
            _add(following, {e: c for e, c in _ends(inner, position, length).items() if e > position}, count)
        if not following:
            break
        current = following
    return result


def _groups(node: Node) -> dict[str, Node]:
    """Named groups of a parsed regex (outside lookarounds), by name."""
    kind = node[0]
    found: dict[str, Node] = {}
    if kind == "group":
        if node[1]:
            found[node[1]] = node[2]
        found.update(_groups(node[2]))
    elif kind in ("seq", "alt"):
        for item in node[1]:
            found.update(_groups(item))
    elif kind == "repeat":
        found.update(_groups(node[1]))
    return found


def _count(node: Node) -> int:
    """How many strings of at most MAX_LENGTH characters ``node`` accepts as a whole."""
    return sum(_ends(node, 0, n).get(n, 0) for n in range(MAX_LENGTH + 1))


def _log_size(regex: str, checksum: Mapping[str, Any] | None, required: Sequence[Lookup]) -> float:
    root = _Parser(regex).parse()
    groups = _groups(root)
    size = math.log10(max(_count(root), 1))
    if checksum is not None and "CheckDigit" in groups:
        size -= math.log10(max(_count(groups["CheckDigit"]), 1))
    for lookup in required:
        group = groups.get(lookup.group)
        if group is None:
            continue
        allowed = sum(
            1 if "matches" in entry else _count(_Parser(str(entry.get("matches_regex", ""))).parse())
            for entry in lookup.entries
        )
        size += min(0.0, math.log10(max(allowed, 1)) - math.log10(max(_count(group), 1)))
    return size


# ---------------------------------------------------------------- loading


def _regex(raw: object) -> str:
    return "".join(raw) if isinstance(raw, list) else str(raw)


def _format(courier: Mapping[str, Any], spec: Mapping[str, Any], order: int) -> Format:
    regex = _regex(spec["regex"])
    validation = spec.get("validation") or {}
    checksum = validation.get("checksum")
    if checksum is not None and checksum.get("name") not in CHECKSUMS:
        raise ValueError(f"{spec.get('name')}: unknown checksum {checksum.get('name')!r}")
    rule = (validation.get("serial_number_format") or {}).get("prepend_if")
    prepend = (re.compile(rule["matches_regex"]), str(rule["content"])) if rule else None
    lookups = tuple(
        Lookup(str(a["name"]), str(a["regex_group_name"]), tuple(a.get("lookup") or ()))
        for a in spec.get("additional") or ()
    )
    required = tuple(str(n) for n in (validation.get("additional") or {}).get("exists") or ())
    tests = spec.get("test_numbers") or {}
    return Format(
        courier_code=str(courier["courier_code"]),
        courier_name=str(courier["name"]),
        id=str(spec.get("id") or spec["name"]),
        name=str(spec["name"]),
        pattern=re.compile(_NAMED_GROUP.sub("(?P<", regex), re.ASCII),
        checksum=checksum,
        prepend=prepend,
        lookups=lookups,
        required=required,
        url_template=spec.get("tracking_url"),
        log_size=_log_size(regex, checksum, [lk for lk in lookups if lk.name in required]),
        order=order,
        valid_examples=tuple(tests.get("valid") or ()),
        invalid_examples=tuple(tests.get("invalid") or ()),
    )


@cache
def formats() -> tuple[Format, ...]:
    """Every format of every courier file, in file order (read once)."""
    folder = resources.files("services").joinpath("carrier_data", "couriers")
    found: list[Format] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        courier = json.loads(entry.read_text(encoding="utf-8"))
        for spec in courier["tracking_numbers"]:
            found.append(_format(courier, spec, len(found)))
    _ends.cache_clear()
    return tuple(found)


# ---------------------------------------------------------------- matching


def variants(number: str) -> list[str]:
    """The number with spaces removed, then with every separator removed, upper-cased (distinct, in order)."""
    spaced = _SPACES.sub("", number).upper()
    compact = _SEPARATORS.sub("", number).upper()
    return [spaced] if spaced == compact else [spaced, compact]


def check(fmt: Format, number: str) -> FormatMatch | None:
    """Return the verdict of ``fmt`` on ``number`` (already a variant), or None when the pattern does not fit."""
    found = fmt.pattern.fullmatch(number)
    if found is None:
        return None
    groups = {k: _SPACES.sub("", v) for k, v in found.groupdict().items() if v is not None}
    valid = True
    checked = False
    if fmt.checksum is not None:
        serial, digit = groups.get("SerialNumber", ""), groups.get("CheckDigit", "")
        if fmt.prepend is not None and fmt.prepend[0].search(serial):
            serial = fmt.prepend[1] + serial
        try:
            checked = bool(serial and digit) and CHECKSUMS[str(fmt.checksum["name"])](serial, digit, fmt.checksum)
        except (ValueError, IndexError, KeyError):
            checked = False
        valid = checked
    details: list[tuple[str, str]] = []
    for lookup in fmt.lookups:
        value = groups.get(lookup.group)
        entry = lookup.find(value) if value is not None else None
        if entry is None:
            if lookup.name in fmt.required:
                valid = False
            continue
        label = entry.get("courier") or entry.get("name") or entry.get("country")
        if label:
            details.append((lookup.name, str(label)))
    return FormatMatch(fmt, number, valid, checked, tuple(details), groups)


def match_all(number: str) -> list[FormatMatch]:
    """Every format whose pattern fits ``number`` (spaces, then all separators removed), in file order."""
    found: list[FormatMatch] = []
    options = variants(number)
    for fmt in formats():
        for text in options:
            result = check(fmt, text)
            if result is not None:
                found.append(result)
                break
    return found
