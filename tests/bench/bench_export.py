"""Export and encryption benchmarks, each against a floor measured in the same run.

- PDF of 1,000 and 10,000 orders (5 events each) from an encrypted cache, against unstyled
  reportlab writing the same rows (same cache read, default font, no page numbers, no totals);
  the 10,000-order run also reports its peak resident size (budget < 150 MB, absolute: memory
  does not flip with the machine's load).
- CSV of 100,000 order lines, the writer alone, against the csv module writing the same rows.
- CSV and JSON of 100,000 orders from an encrypted cache, against one plain SQL read written with
  the csv / json module; peak memory against the same export of about a tenth of the orders (flat:
  the ratio stays near 1).
- The SQLCipher cache against plain SQLite (upsert and queries).

Every export runs in a fresh process started through the launcher of ``conftest.run_measured``, so
its time and peak resident size are its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.demo import generate
from services.domain import (
    Channel,
    LineItem,
    Order,
    OrderEvent,
    OrderFilter,
    OrderStatus,
    ShipmentStatus,
    TrackingEvent,
)
from services.export import write_csv
from services.export.csv_export import order_lines
from services.storage import Store

from .conftest import record, record_ratio, run_measured
from .stores import ORDERS, SPAN, START, bench_order, fill_store, placed_at

pytestmark = pytest.mark.bench

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PDF_RATIO = 2.5
"""Our PDF (styles, embedded subset fonts, totals, page numbers, three passes) against unstyled reportlab."""
PDF_PEAK_MB = 150
CSV_WRITE_RATIO = 4.0
"""Our CSV writer (money formatting, formula neutralising) against the csv module writing ready rows."""
FROM_CACHE_RATIO = 3.0
"""An export from the cache (domain objects in between) against one plain SQL read written directly."""
FLAT_RATIO = 1.25
"""Peak memory of the 100,000-order export against the ~10,000-order one: flat means close to 1."""


def five_event_orders(count: int, seed: int = 5) -> list[Order]:
    """Demo orders trimmed to exactly 5 timeline events each (2 order events + 3 carrier events)."""
    out = []
    for o in generate(seed, count, NOW).orders:
        ships = o.shipments[:1]
        if ships and len(ships[0].events) >= 3 and len(o.events) >= 2:
            out.append(replace(o, events=o.events[:2], shipments=(replace(ships[0], events=ships[0].events[:3]),)))
        else:
            out.append(o)
    return out


def fill(store: Store, orders: list[Order], page: int = 1000) -> float:
    """Upsert ``orders`` in pages; return the seconds it took."""
    started = time.perf_counter()
    for i in range(0, len(orders), page):
        with store.transaction() as uow:
            uow.upsert_orders(orders[i : i + page], source="demo", received_at=NOW, live=False)
    return time.perf_counter() - started


def _child(tmp: Path, key: bytes, call: str) -> tuple[dict[str, Any], float, float]:
    """Run ``call`` (a function of export_jobs) measured; return its JSON line, peak MB and wall s."""
    env = dict(os.environ, BENCH_CACHE_KEY=key.hex())
    got = run_measured(f"from tests.bench.export_jobs import *; {call}", tmp, env=env)
    return json.loads(got.stdout.strip().splitlines()[-1]), got.peak_mb, got.seconds


# --- PDF ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cache:
    """An encrypted cache file in a folder, and its key."""

    folder: Path
    key: bytes


def _pdf_cache(tmp_path_factory: pytest.TempPathFactory, count: int) -> Cache:
    folder = tmp_path_factory.mktemp(f"pdf-{count}")
    key = secrets.token_bytes(32)
    with Store.open(folder / "cache.db", key) as store:
        fill(store, five_event_orders(count))
    return Cache(folder, key)


@pytest.mark.parametrize("count", [1000, 10_000])
def test_pdf_against_unstyled_reportlab(tmp_path_factory: pytest.TempPathFactory, count: int) -> None:
    """PDF of N orders (5 events each) from an encrypted cache, against unstyled reportlab writing the same rows."""
    cache = _pdf_cache(tmp_path_factory, count)
    ours, peak, _ = _child(cache.folder, cache.key, f"child_export({str(cache.folder)!r}, 'pdf')")
    floor, floor_peak, _ = _child(cache.folder, cache.key, f"child_pdf_floor({str(cache.folder)!r})")
    assert ours["orders"] == count
    label = f"{count // 1000}k"
    record_ratio(
        f"export.pdf_{label}",
        ours["seconds"],
        floor["seconds"],
        PDF_RATIO,
        floor_name="unstyled reportlab",
        note=f"{int(ours['pages'])} p, {ours['mb']:.1f} MB",
    )
    if count >= 10_000:
        record(
            f"export.pdf_{label}.peak_rss",
            f"< {PDF_PEAK_MB} MB",
            f"{peak:.0f} MB",
            peak < PDF_PEAK_MB,
            f"unstyled reportlab {floor_peak:.0f} MB",
        )


# --- CSV / JSON -----------------------------------------------------------------------------------


def test_csv_writer_100k_lines() -> None:
    """CSV of 100,000 order lines, the writer alone, against the csv module writing the same rows."""
    base = generate(5, 2000, NOW).orders
    orders = []
    for i in range(20_000):
        o = base[i % len(base)]
        items = tuple(
            LineItem(sku=f"SKU-{i}-{k}", name=f"Item {k} of {o.merchant}", quantity=1 + k, unit_price=o.total)
            for k in range(5)
        )
        orders.append(replace(o, order_number=f"B-{i:06d}", items=items, status=OrderStatus.DELIVERED))
    ready = [line for o in orders for line in order_lines(o)]
    floors, seconds = [], []
    for _ in range(3):  # in turns, best of 3 each: a busy machine slows both alike
        started = time.perf_counter()
        csv.writer(io.StringIO(), lineterminator="\r\n").writerows(ready)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        rows = write_csv(orders, io.BytesIO(), total=len(orders))
        seconds.append(time.perf_counter() - started)
        assert rows == len(ready) == 100_000
    seconds, floor = min(seconds), min(floors)
    record_ratio("export.csv_100k_lines.write", seconds, floor, CSV_WRITE_RATIO, floor_name="csv module (best of 3)")


def _bench_orders() -> Iterator[Order]:
    """100,000 orders of the bench source: 2 items, 1 order event, 3 carrier events each."""
    import random

    rnd = random.Random(20261204)
    for i in range(ORDERS):
        placed = placed_at(rnd)
        scans = tuple(
            TrackingEvent(occurred_at=placed + timedelta(hours=h), status=status, description=text, location=where)
            for h, status, text, where in (
                (3, ShipmentStatus.INFO_RECEIVED, "Label created", None),
                (20, ShipmentStatus.IN_TRANSIT, "Departed facility", "Hub"),
                (40, ShipmentStatus.DELIVERED, "Delivered", "Door"),
            )
        )
        yield bench_order(
            i,
            rnd,
            placed,
            channel=Channel.WEB,
            status=OrderStatus.DELIVERED,
            shipment_status=ShipmentStatus.DELIVERED,
            tracking=scans,
            events=(OrderEvent(placed, OrderStatus.PLACED, "Order placed"),),
            items=tuple(
                LineItem(sku=f"SKU-{i % 997}-{k}", name=f"Item {k}", quantity=1 + k, unit_price=Decimal("9.99"))
                for k in range(2)
            ),
        )


@pytest.fixture(scope="module")
def cache_100k(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    """An encrypted cache of 100,000 orders (built once for the CSV and JSON figures)."""
    folder = tmp_path_factory.mktemp("export-100k")
    key = secrets.token_bytes(32)
    started = time.perf_counter()
    with Store.open(folder / "cache.db", key) as store:
        fill_store(store, _bench_orders(), batch=1000)
    print(f"\nBENCH export.build_100k seconds={time.perf_counter() - started:.1f}")
    return Cache(folder, key)


TENTH = (START + SPAN * 0.9).isoformat()
"""Orders placed from here on: about a tenth of the 100,000 (placing times are uniform over SPAN)."""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_100k_orders_from_cache(cache_100k: Cache, fmt: str) -> None:
    """CSV / JSON of 100,000 orders: time against a plain SQL read, peak memory against a tenth of the orders."""
    folder = str(cache_100k.folder)
    ours, peak, _ = _child(cache_100k.folder, cache_100k.key, f"child_export({folder!r}, {fmt!r})")
    tenth, tenth_peak, _ = _child(cache_100k.folder, cache_100k.key, f"child_export({folder!r}, {fmt!r}, {TENTH!r})")
    floor_call = f"child_csv_floor({folder!r})" if fmt == "csv" else f"child_json_floor({folder!r})"
    floor, _, _ = _child(cache_100k.folder, cache_100k.key, floor_call)
    assert ours["orders"] == ORDERS and 5_000 < tenth["orders"] < 15_000
    if fmt == "csv":
        assert ours["rows"] == floor["rows"] == 2 * ORDERS
    record_ratio(
        f"export.{fmt}_100k_orders.from_cache",
        ours["seconds"],
        floor["seconds"],
        FROM_CACHE_RATIO,
        floor_name=f"plain SQL + {fmt} module",
        note=f"{ours['mb']:.0f} MB file",
    )
    record_ratio(
        f"export.{fmt}_100k_orders.peak_rss",
        peak,
        tenth_peak,
        FLAT_RATIO,
        unit="MB",
        floor_name=f"{tenth['orders']:,} orders",
    )


# --- encryption -----------------------------------------------------------------------------------


def test_encrypted_vs_plain_cache(tmp_path: Path) -> None:
    """Upsert and query cost of the SQLCipher cache relative to plain SQLite (budget: ratio < 1.5)."""
    orders = five_event_orders(5000, seed=9)
    results: dict[str, dict[str, float]] = {}
    for name, key in (("plain", None), ("encrypted", secrets.token_bytes(32))):
        store = Store.open(tmp_path / f"{name}.db", key)
        upsert = fill(store, orders)
        store.orders.list_orders(OrderFilter(text="tent"), limit=100)  # warm-up: the page cache is filled
        queries = []
        for _ in range(30):
            started = time.perf_counter()
            store.orders.list_summaries(OrderFilter(), limit=50)
            store.orders.count(OrderFilter(statuses=(OrderStatus.DELIVERED,)))
            store.orders.list_orders(OrderFilter(text="tent"), limit=100)
            queries.append(time.perf_counter() - started)
        store.close()
        results[name] = {"upsert": upsert, "query_ms": statistics.median(queries) * 1000}
    record_ratio(
        "storage.encrypted_vs_plain.upsert_5k",
        results["encrypted"]["upsert"],
        results["plain"]["upsert"],
        1.5,
        floor_name="plain SQLite",
    )
    record_ratio(
        "storage.encrypted_vs_plain.query",
        results["encrypted"]["query_ms"],
        results["plain"]["query_ms"],
        1.5,
        unit="ms",
        floor_name="plain SQLite",
    )
