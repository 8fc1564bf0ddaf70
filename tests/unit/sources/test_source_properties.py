"""Property tests: every mapper is total — any JSON gives domain objects or a typed error, never a crash.

Random JSON (shaped with each vendor's own field names) and fixtures mutated at random paths go
through ``registry.normalize``; the result must serialise with the domain codec.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sources_helpers import FIXTURES

from services.domain import Order, Shipment, SourceError, ValidationError, order_to_json, shipment_to_json
from services.sources.registry import normalize

VENDOR_KINDS = ("shopify", "woocommerce", "aftership", "17track", "easypost", "shippo", "karrio")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fixtures(kind: str) -> list[Any]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / kind).glob("*.json"))]


def _keys(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            out.add(key)
            _keys(child, out)
    elif isinstance(value, list):
        for child in value:
            _keys(child, out)
    return out


ALL_FIXTURES = {kind: _fixtures(kind) for kind in VENDOR_KINDS}
FIELD_NAMES = sorted({key for fixtures in ALL_FIXTURES.values() for f in fixtures for key in _keys(f, set())})

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "",
            "2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05",
            "2026-01-02",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "Delivered",
            "Exception_011",
            "TRANSIT",
            "delivered",
            "1Z5R89390357567127",
            "12.50",
            "1e9999",
            "<ANY>",
            "USD",
            "in_transit",
            "tracker.updated",
            "TRACKING_UPDATED",
            "on_hold",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=25,
)


def _check(kind: str, payload: Any) -> None:
    try:
        result_kind, items = normalize(kind, payload)
    except (ValidationError, SourceError) as err:
        assert str(err) and "\n" not in str(err)
        return
    assert result_kind in ("orders", "shipments")
    for item in items:
        if isinstance(item, Order):
            json.dumps(order_to_json(item))
        else:
            assert isinstance(item, Shipment)
            json.dumps(shipment_to_json(item))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _mutate(payload: Any, path: tuple[Any, ...], op: str, replacement: Any) -> Any:
    if not path:
        return replacement if op != "wrap" else [payload]
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "delete":
        del parent[last]
    elif op == "wrap":
        parent[last] = [parent[last]]
    elif op == "stringify":
        parent[last] = json.dumps(parent[last])
    else:
        parent[last] = replacement
    return payload


@pytest.mark.parametrize("kind", VENDOR_KINDS)
@SETTINGS
@given(payload=json_values)
def test_random_payloads_never_crash(kind: str, payload: Any) -> None:
    """Arbitrary JSON (with the vendor's field names) maps or fails with a typed, one-line error."""
    _check(kind, payload)


@pytest.mark.parametrize("kind", VENDOR_KINDS)
@SETTINGS
@given(data=st.data())
def test_mutated_fixtures_never_crash(kind: str, data: st.DataObject) -> None:
    """A recorded payload with 1-3 fields deleted, retyped or replaced maps or fails with a typed error."""
    payload = copy.deepcopy(data.draw(st.sampled_from(ALL_FIXTURES[kind])))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(payload)
        path = data.draw(st.sampled_from(paths))
        op = data.draw(st.sampled_from(["delete", "replace", "wrap", "stringify"]))
        if op == "delete" and not path:
            op = "replace"
        payload = _mutate(payload, path, op, data.draw(json_values))
    _check(kind, payload)


def test_fixture_directory_matches_kinds() -> None:
    """Every vendor directory of the fixture set is exercised here."""
    dirs = {p.name for p in Path(FIXTURES).iterdir() if p.is_dir()} - {"tracking_numbers"}
    assert dirs == set(VENDOR_KINDS)
