"""Mapper throughput: 1,000 AfterShip trackings x 20 checkpoints, and payloads/second per vendor.

Run with ``pytest -m bench -s tests/bench/bench_mappers.py`` (or ``python -m tests.bench.bench_mappers``).
Each against a floor in the same run: a JSON round trip of the same payloads (every field touched
once, in C), best of 3.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.domain import Shipment
from services.sources.registry import normalize

from .conftest import record_ratio

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "vendor"
VENDORS = ("aftership", "17track", "easypost", "shippo", "karrio", "shopify", "woocommerce")
AFTERSHIP_RATIO = 4.0
"""Mapping (statuses, locations, offsets, estimates, validation) against a JSON round trip of the page."""
VENDOR_RATIO = 6.0
"""Mapping a payload (schema checks, status tables, money, times) against a JSON round trip of it."""
TAGS = (
    [("InfoReceived", "InfoReceived_001")]
    + [("InTransit", f"InTransit_00{i % 9 + 1}") for i in range(17)]
    + [
        ("OutForDelivery", "OutForDelivery_001"),
        ("Delivered", "Delivered_001"),
    ]
)


def aftership_page(trackings: int = 1000, checkpoints: int = 20) -> dict[str, Any]:
    """Build a v4 ``GET /trackings`` page of ``trackings`` trackings with ``checkpoints`` scans each."""
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    items = []
    for n in range(trackings):
        scans = []
        for i in range(checkpoints):
            tag, subtag = TAGS[i % len(TAGS)]
            when = start + timedelta(hours=6 * i, minutes=n % 60)
            offset = "-05:00" if i % 2 else "+01:00"
            scans.append(
                {
                    "slug": "fedex",
                    "city": "MEMPHIS",
                    "state": "TN",
                    "zip": "38118",
                    "country_iso3": "USA",
                    "location": None if i % 3 else "MEMPHIS, TN",
                    "message": f"Scan {i}",
                    "tag": tag,
                    "subtag": subtag,
                    "checkpoint_time": when.strftime("%Y-%m-%dT%H:%M:%S") + ("" if i % 5 == 0 else offset),
                    "created_at": when.isoformat(),
                }
            )
        number = f"7{n:011d}"
        items.append(
            {
                "id": f"id{n}",
                "tracking_number": number,
                "slug": "fedex",
                "tag": "Delivered",
                "subtag": "Delivered_001",
                "created_at": start.isoformat(),
                "updated_at": (start + timedelta(days=5)).isoformat(),
                "courier_tracking_link": f"https://www.fedex.com/fedextrack/?tracknumbers={number}",
                "aftership_estimated_delivery_date": {
                    "estimated_delivery_date": "2026-03-05",
                    "estimated_delivery_date_min": "2026-03-04",
                    "estimated_delivery_date_max": "2026-03-06",
                },
                "shipment_delivery_date": "2026-03-05T17:00:00",
                "checkpoints": scans,
            }
        )
    return {"meta": {"code": 200}, "data": {"page": 1, "limit": trackings, "count": trackings, "trackings": items}}


def _payloads(vendor: str) -> list[Any]:
    payloads = []
    for path in sorted((FIXTURES / vendor).glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        try:
            normalize(vendor, payload)
        except Exception:  # error-envelope fixtures are not throughput material
            continue
        payloads.append(payload)
    return payloads


def measure_aftership() -> tuple[float, float]:
    """Map the synthetic page (after a warm-up); return (seconds, floor seconds), best of 3 each."""
    page = aftership_page()
    normalize("aftership", aftership_page(trackings=10))
    seconds, floors = [], []
    for _ in range(3):
        started = time.perf_counter()
        json.loads(json.dumps(page))
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        kind, shipments = normalize("aftership", page)
        seconds.append(time.perf_counter() - started)
        assert kind == "shipments" and len(shipments) == 1000
        assert all(isinstance(s, Shipment) and len(s.events) == 20 for s in shipments)
    print(f"BENCH mappers.aftership seconds={min(seconds):.3f} per_second={1000 / min(seconds):.0f}")
    return min(seconds), min(floors)


def measure_vendor(vendor: str, rounds: int = 200) -> tuple[float, float]:
    """Map every fixture of ``vendor`` ``rounds`` times; return (payloads per second, floor per second)."""
    payloads = [copy.deepcopy(p) for p in _payloads(vendor)]
    started = time.perf_counter()
    for _ in range(rounds):
        for payload in payloads:
            json.loads(json.dumps(payload))
    floor = rounds * len(payloads) / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(rounds):
        for payload in payloads:
            normalize(vendor, payload)
    seconds = time.perf_counter() - started
    rate = rounds * len(payloads) / seconds
    print(f"BENCH mappers.{vendor}.payloads payloads={len(payloads)} rounds={rounds} payloads_per_second={rate:.0f}")
    return rate, floor


@pytest.mark.bench
def test_bench_aftership_thousand_trackings() -> None:
    """1,000 trackings x 20 checkpoints, against reading each checkpoint's time once."""
    seconds, floor = measure_aftership()
    record_ratio("mappers.aftership_1000x20", seconds, floor, AFTERSHIP_RATIO, floor_name="JSON round trip")


@pytest.mark.bench
@pytest.mark.parametrize("vendor", VENDORS)
def test_bench_vendor_payloads_per_second(vendor: str) -> None:
    """Every vendor's recorded payloads: time per payload against a JSON round trip of them."""
    rate, floor = measure_vendor(vendor)
    record_ratio(
        f"mappers.{vendor}.per_payload", 1e6 / rate, 1e6 / floor, VENDOR_RATIO, unit="µs",
        floor_name="JSON round trip", note=f"{rate:,.0f} payloads/s",
    )  # fmt: skip


if __name__ == "__main__":
    measure_aftership()
    for name in VENDORS:
        measure_vendor(name)
