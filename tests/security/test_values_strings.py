"""Controls, ANSI escapes and bidi overrides are stripped from every text a source sends, at the boundary.

Starts from the issue's inputs: CR/LF in an order number (broke the e-mail channel mid-batch), ANSI
escapes (reached the terminal) and an RTL override (reached the UI and the PDF). One helper,
``clean_text``, is used by the backend codec and by every vendor mapper (through ``payload.opt_str``);
no field keeps a line break (they become one space). Checked on the helper, on every recorded vendor
payload with hostile characters injected into every text, and through the real sync into SQLite.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain import (
    Order,
    OrderFilter,
    Shipment,
    clean_text,
    order_from_json,
    order_to_json,
    shipment_to_json,
    timeline_entry_to_json,
    unified_timeline,
)
from services.sources.ordertrack.mapper import parse_stream_event
from services.sources.registry import normalize
from services.storage import Store
from tests.support.paths import VENDOR_FIXTURES

from .values_support import FORBIDDEN, HOSTILE, HOSTILE_END, assert_clean, order, page, serving, sync_once

FIXTURES = VENDOR_FIXTURES
NOT_PAYLOADS = {"tracking_numbers"}
MONEY_KEYS = {"total_price", "total_tax", "price", "total", "subtotal"}
"""Money stays strict: a hostile amount is refused, not cleaned (see test_values_money)."""
TYPE_TAGS = {"object", "key"}
"""Vendor type tags compared as-is to recognise a payload's shape (a hostile tag only fails recognition)."""


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("W-10023\r\nBcc: victim@example.com", "W-10023 Bcc: victim@example.com"),
        ("\x1b[31mDelivered\x1b[0m", "Delivered"),
        ("\x1b]0;owned\x07Arrival scan", "Arrival scan"),
        ("\x1b]8;;https://evil.example\x1b\\Track here\x1b]8;;\x1b\\", "Track here"),
        ("\u202eDHL\u202c Express", "DHL Express"),
        ("\u2066Köln\u2069, DE\u200e\u200f\u061c", "Köln, DE"),
        ("nul\x00 del\x7f c1\x85next\x9b2J", "nul del c1 next"),
        ("tab\there\u2028sep\u2029end", "tab here sep end"),
        ("lone \ud800 surrogate\ufeff", "lone  surrogate"),
        ("Zürich · 東京 · طلب · 👩‍👩‍👧", "Zürich · 東京 · طلب · 👩‍👩‍👧"),
    ],
)
def test_clean_text_removes_what_the_issue_found(raw: str, clean: str) -> None:
    """CR/LF become a space; escapes, bidi controls, C0/C1, surrogates go; real text (and ZWJ emoji) stays."""
    assert clean_text(raw) == clean


@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=80))
def test_clean_text_output_is_always_clean_and_stable(text: str) -> None:
    """Whatever comes in, nothing forbidden comes out, and cleaning twice changes nothing more."""
    once = clean_text(text)
    assert not FORBIDDEN.search(once)
    assert clean_text(once) == once


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), max_size=80))
def test_clean_text_keeps_printable_text(text: str) -> None:
    """Text without controls or format characters is returned unchanged."""
    assert clean_text(text) == text


# ---------------------------------------------------------------- every vendor mapper


def _files() -> list[str]:
    return sorted(f"{p.parent.name}/{p.name}" for p in FIXTURES.glob("*/*.json") if p.parent.name not in NOT_PAYLOADS)


def _inject(value: Any, key: str | None = None, *, middle: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _inject(v, k, middle=middle) for k, v in value.items()}
    if isinstance(value, list):
        return [_inject(v, key, middle=middle) for v in value]
    if isinstance(value, str) and key not in MONEY_KEYS | TYPE_TAGS:
        half = len(value) // 2
        return HOSTILE + value[:half] + middle + value[half:] + HOSTILE_END
    return value


def _render(payload: Any, kind: str) -> Any:
    try:
        what, items = normalize(kind, payload)
    except Exception as err:  # error envelopes: compare the typed error and its one line
        return (type(err).__name__, str(err))
    return (what, [order_to_json(i) if isinstance(i, Order) else shipment_to_json(i) for i in items])


@pytest.mark.parametrize("name", _files())
def test_every_mapper_strips_hostile_characters_from_every_text(name: str) -> None:
    """Wrapping every text of a recorded payload in escapes and bidi controls changes nothing in the output."""
    kind = name.split("/", 1)[0]
    payload = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    expected = _render(copy.deepcopy(payload), kind)
    assert _render(_inject(payload), kind) == expected


@pytest.mark.parametrize("name", _files())
def test_every_mapper_output_holds_no_line_break(name: str) -> None:
    """CR/LF (and NUL) in the middle of every text reach no output field; the payload still maps."""
    kind = name.split("/", 1)[0]
    payload = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    rendered = _render(_inject(payload, middle="\r\n\x00"), kind)
    assert_clean(rendered)


# ---------------------------------------------------------------- our own backend: codec, push, real sync

NUMBER = "W-1\r\nBcc: victim@example.com"


def hostile_order() -> dict[str, Any]:
    """A backend order with a hostile character in every free-text field."""
    return order(
        NUMBER,
        source="\x1b[2Jshop",
        merchant="Shop\x00\u202e",
        customer={"name": "\u202eAda\x1b[5m", "email": "ada@example.com\r\nX-Injected: 1"},
        shipping_address={"name": "Ada", "line1": "Main St 1\n2nd floor", "city": "\u2067Köln\u2069", "country": "DE"},
        items=[{"sku": "MUG\t1", "name": "\x1b[31mMug\x1b[0m \ud800", "quantity": 1, "unit_price": "9.99"}],
        events=[{"occurred_at": "2026-11-20T09:15:00Z", "status": "placed\u200f", "description": "Placed\r\n\x07"}],
        shipments=[
            {
                "tracking_number": "1Z999\x1b[8mAA10123456784",
                "carrier": "ups\u202e",
                "carrier_name": "\u202eSPU",
                "status": "in_transit",
                "substatus": "InTransit\x9b003",
                "events": [
                    {
                        "occurred_at": "2026-11-21T14:02:00Z",
                        "status": "in_transit",
                        "raw_status": "InTransit_003\x1b",
                        "description": "\x1b]8;;https://evil.example\x07Pay customs here\x1b]8;;\x07",
                        "location": "Louisville\u2066, KY\u2069\nUS",
                        "local_time": "2026-11-21T09:02:00\x00",
                    }
                ],
            }
        ],
    )


def test_backend_codec_cleans_every_text() -> None:
    """The own-backend codec is a boundary too: nothing forbidden survives ``order_from_json``."""
    o = order_from_json(hostile_order())
    assert o.order_number == "W-1 Bcc: victim@example.com"
    assert o.items[0].name == "Mug "
    assert o.shipments[0].carrier_name == "SPU"
    assert_clean(order_to_json(o))


def test_push_stream_event_is_cleaned() -> None:
    """A pushed event's order number, tracking number, carrier and texts are cleaned like a page's."""
    update = parse_stream_event(
        {
            "order_number": NUMBER,
            "tracking_number": "1Z\r\n1",
            "carrier": "\x1b[1mups",
            "event": {
                "occurred_at": "2026-11-21T14:02:00Z",
                "status": "exception\u202e",
                "description": "\u202eerongi",
            },
        }
    )
    assert (update.order_number, update.tracking_number, update.carrier) == (
        "W-1 Bcc: victim@example.com",
        "1Z 1",
        "ups",
    )
    assert update.event is not None and update.event.description == "erongi"
    assert update.event.status.value == "exception"


def test_real_sync_stores_only_clean_strings(tmp_path: Path) -> None:
    """Through the real sync into SQLite: the page is stored, every stored and displayed string is clean."""
    store = Store.open(tmp_path / "cache.db")
    try:
        with serving({"": page([hostile_order(), order("W-2")], "c1")}) as backend:
            report = sync_once(store, backend)
        assert report.error is None and report.skipped == 0
        orders = store.orders.list_orders(OrderFilter())
        assert sorted(o.order_number for o in orders) == ["W-1 Bcc: victim@example.com", "W-2"]
        stored = store.orders.get("W-1 Bcc: victim@example.com")
        assert stored is not None and stored.shipments[0].events[0].description == "Pay customs here"
        for o in orders:
            assert_clean(order_to_json(o))
            assert_clean([timeline_entry_to_json(e) for e in unified_timeline(o)])
        assert_clean([repr(s) for s in store.orders.list_summaries(OrderFilter())])
        assert_clean([repr(e) for e in store.orders.recent_events(50)])
        with store.reading() as conn:  # nothing forbidden anywhere in the file's text columns either
            tables = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                result = conn.exec_driver_sql(f'SELECT * FROM "{table}"')
                columns = list(result.keys())
                for row in result:
                    # search_text is the cache's own index: its parts are joined with "\n" by storage.
                    texts = [v for c, v in zip(columns, row, strict=True) if isinstance(v, str) and c != "search_text"]
                    assert_clean(texts)
                    if "search_text" in columns:
                        assert_clean(row[columns.index("search_text")].split("\n"))
    finally:
        store.close()


def test_shipment_only_payload_roundtrip_is_clean() -> None:
    """A tracking service's shipment with hostile texts maps to clean domain text (AfterShip as the example)."""
    payload = {
        "meta": {"code": 200},
        "data": {
            "tracking": {
                "tracking_number": "1Z999AA1\r\n0123456784",
                "slug": "ups",
                "checkpoints": [
                    {
                        "checkpoint_time": "2026-11-21T09:02:00-05:00",
                        "tag": "InTransit",
                        "message": "\x1b[31mArrival\x1b[0m scan\u202e",
                        "location": "\u2066Louisville\u2069",
                    }
                ],
            }
        },
    }
    _, [shipment] = normalize("aftership", payload)
    assert isinstance(shipment, Shipment)
    assert shipment.tracking_number == "1Z999AA1 0123456784"
    assert (shipment.events[0].description, shipment.events[0].location) == ("Arrival scan", "Louisville")
