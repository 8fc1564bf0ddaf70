"""Export and encryption benchmarks: PDF of 1k / 10k orders, CSV of 100k lines, SQLCipher vs plain cost."""

from __future__ import annotations

import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.demo import generate
from services.domain import LineItem, Order, OrderFilter, OrderStatus
from services.export import export_orders, write_csv
from services.storage import Store

from .conftest import ROOT, record

pytestmark = pytest.mark.bench

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


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


def child_pdf(folder: str) -> None:
    """Subprocess body: export the PDF of the cache in ``folder``; print time and peak memory as JSON."""
    import resource

    store = Store.open(Path(folder) / "cache.db", bytes.fromhex(os.environ["BENCH_CACHE_KEY"]))
    started = time.perf_counter()
    result = export_orders(store, OrderFilter(), "pdf", Path(folder) / "history.pdf")
    seconds = time.perf_counter() - started
    store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = (Path(folder) / "history.pdf").stat().st_size / 1e6
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "pages": result.pages, "size_mb": size_mb}))


def _run_child(count: int, folder: Path) -> dict[str, float]:
    """Fill an encrypted cache here, then export it in a fresh process (its own time and peak RSS)."""
    key = secrets.token_bytes(32)
    with Store.open(folder / "cache.db", key) as store:
        fill(store, five_event_orders(count))
    code = f"from tests.bench.bench_export import child_pdf; child_pdf({str(folder)!r})"
    env = dict(os.environ, PYTHONPATH=str(ROOT), BENCH_CACHE_KEY=key.hex())
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=True
    ).stdout
    data: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return data


def test_pdf_1k_orders(tmp_path: Path) -> None:
    """PDF of 1,000 orders with 5 events each, read from an encrypted cache (budget < 4 s)."""
    store = Store.open(tmp_path / "cache.db", secrets.token_bytes(32))
    fill(store, five_event_orders(1000))
    started = time.perf_counter()
    result = export_orders(store, OrderFilter(), "pdf", tmp_path / "h.pdf")
    seconds = time.perf_counter() - started
    store.close()
    record("export.pdf_1k", "< 4 s", f"{seconds:.2f} s, {result.pages} pages", seconds < 4)
    assert result.orders == 1000


def test_pdf_10k_orders_time_and_memory(tmp_path: Path) -> None:
    """PDF of 10,000 orders in a subprocess (budget < 40 s, peak RSS < 400 MB)."""
    data = _run_child(10_000, tmp_path)
    ok = data["seconds"] < 40 and data["peak_mb"] < 400
    record(
        "export.pdf_10k",
        "< 40 s, < 400 MB",
        f"{data['seconds']:.1f} s, peak {data['peak_mb']:.0f} MB, {int(data['pages'])} p, {data['size_mb']:.1f} MB",
        ok,
    )


def test_csv_100k_lines(tmp_path: Path) -> None:
    """CSV of 100,000 order lines: the writer alone, and from an encrypted cache (budget < 3 s each)."""
    base = generate(5, 2000, NOW).orders
    orders = []
    for i in range(20_000):
        o = base[i % len(base)]
        items = tuple(
            LineItem(sku=f"SKU-{i}-{k}", name=f"Item {k} of {o.merchant}", quantity=1 + k, unit_price=o.total)
            for k in range(5)
        )
        orders.append(replace(o, order_number=f"B-{i:06d}", items=items, status=OrderStatus.DELIVERED))
    started = time.perf_counter()
    rows = write_csv(orders, io.BytesIO(), total=len(orders))
    seconds = time.perf_counter() - started
    assert rows == 100_000
    record("export.csv_100k_lines.write", "< 3 s", f"{seconds:.2f} s", seconds < 3)

    store = Store.open(tmp_path / "cache.db", secrets.token_bytes(32))
    fill(store, orders, page=2000)
    started = time.perf_counter()
    result = export_orders(store, OrderFilter(), "csv", tmp_path / "lines.csv")
    seconds = time.perf_counter() - started
    store.close()
    assert result.rows == 100_000
    record("export.csv_100k_lines.from_cache", "< 3 s", f"{seconds:.2f} s", seconds < 3)


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
    up_ratio = results["encrypted"]["upsert"] / results["plain"]["upsert"]
    q_ratio = results["encrypted"]["query_ms"] / results["plain"]["query_ms"]
    record(
        "storage.encrypted_vs_plain.upsert_5k",
        "ratio < 1.5",
        f"{results['plain']['upsert']:.2f} s vs {results['encrypted']['upsert']:.2f} s (x{up_ratio:.2f})",
        up_ratio < 1.5,
    )
    record(
        "storage.encrypted_vs_plain.query",
        "ratio < 1.5",
        f"{results['plain']['query_ms']:.1f} ms vs {results['encrypted']['query_ms']:.1f} ms (x{q_ratio:.2f})",
        q_ratio < 1.5,
    )
