"""The jobs the export benchmarks run in a fresh process: our exports and their floors.

Each prints one JSON line. This module imports only what a job needs (no pytest, no test data
builders), so the peak resident size measured for a job is the job's own.
"""

from __future__ import annotations

import csv
import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from services.domain import OrderFilter
from services.export import export_orders
from services.storage import Store


def _open(folder: str) -> Store:
    return Store.open(Path(folder) / "cache.db", bytes.fromhex(os.environ["BENCH_CACHE_KEY"]))


def child_export(folder: str, fmt: str, since: str | None = None) -> None:
    """Export the cache in ``folder`` as ``fmt`` (orders placed from ``since`` when given)."""
    flt = OrderFilter(placed_from=datetime.fromisoformat(since)) if since else OrderFilter()
    store = _open(folder)
    started = time.perf_counter()
    result = export_orders(store, flt, fmt, Path(folder) / f"export.{fmt}")
    seconds = time.perf_counter() - started
    store.close()
    size_mb = (Path(folder) / f"export.{fmt}").stat().st_size / 1e6
    out = {"seconds": seconds, "orders": result.orders, "rows": result.rows, "pages": result.pages, "mb": size_mb}
    print(json.dumps(out))


def child_pdf_floor(folder: str) -> None:
    """The floor of the PDF: the same cache read, the same rows written by reportlab, unstyled."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table

    from services.domain import format_utc, unified_timeline
    from services.storage.archive import export_snapshot

    store = _open(folder)
    started = time.perf_counter()
    table: list[list[str]] = []
    details: list[list[str]] = []
    with export_snapshot(store, OrderFilter()) as snapshot:
        for o in snapshot.orders():
            when = format_utc(o.placed_at)[:16]
            table.append([o.order_number, when, o.channel.value, o.status.value, o.merchant, str(o.total), ""])
            details.append([o.order_number, when, o.status.value, o.channel.value, str(o.total), "", ""])
            details.extend([i.sku, i.name, str(i.quantity), str(i.unit_price), "", "", ""] for i in o.items)
            for e in unified_timeline(o):
                details.append([format_utc(e.occurred_at)[:16], e.kind.value, e.status, e.description, "", "", ""])
    widths = [(A4[0] - 72) / 7] * 7
    rows = table + details
    story = [Table(rows[i : i + 50], colWidths=widths) for i in range(0, len(rows), 50)]
    SimpleDocTemplate(str(Path(folder) / "floor.pdf"), pagesize=A4).build(story)
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({"seconds": seconds, "rows": len(rows)}))


def child_csv_floor(folder: str, since: str | None = None) -> None:
    """The floor of the CSV export: one plain SQL read of orders and their items, written by the csv module."""
    from sqlalchemy import select

    from services.storage.tables import orders

    store = _open(folder)
    started = time.perf_counter()
    cols = [orders.c[n] for n in ("order_number", "placed_at", "status", "channel", "source", "merchant")]
    cols += [orders.c[n] for n in ("customer_name", "currency", "total", "tax_total", "items")]
    stmt = select(*cols).order_by(orders.c.placed_at.desc(), orders.c.order_number.desc())
    if since:
        stmt = stmt.where(orders.c.placed_at >= since)
    rows = 0
    with open(Path(folder) / "floor.csv", "w", newline="", encoding="utf-8") as fh, store.reading() as conn:
        writer = csv.writer(fh)
        for row in conn.execute(stmt):
            head = list(row[:10])
            for n, item in enumerate(json.loads(row[10]) or [{}], start=1):
                writer.writerow([*head, n, *item.values()])
                rows += 1
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({"seconds": seconds, "rows": rows}))


def child_json_floor(folder: str) -> None:
    """The floor of the JSON export: every order, shipment and event row read with plain SQL, dumped by json."""
    from sqlalchemy import select

    from services.storage.tables import order_events, orders, shipments, tracking_events

    store = _open(folder)
    started = time.perf_counter()
    count = 0
    with open(Path(folder) / "floor.json", "w", encoding="utf-8") as fh, store.reading() as conn:
        ids = [r[0] for r in conn.execute(select(orders.c.id).order_by(orders.c.placed_at.desc()))]
        fh.write('{"orders": [')
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            docs = {r.id: dict(r._mapping) for r in conn.execute(select(orders).where(orders.c.id.in_(part)))}
            for doc in docs.values():
                doc["events"], doc["shipments"] = [], []
            for r in conn.execute(select(order_events).where(order_events.c.order_id.in_(part))):
                docs[r.order_id]["events"].append(dict(r._mapping))
            ships: dict[int, dict[str, Any]] = {}
            for r in conn.execute(select(shipments).where(shipments.c.order_id.in_(part))):
                ships[r.id] = dict(r._mapping, events=[])
                docs[r.order_id]["shipments"].append(ships[r.id])
            for r in conn.execute(select(tracking_events).where(tracking_events.c.shipment_id.in_(list(ships)))):
                ships[r.shipment_id]["events"].append(dict(r._mapping))
            for oid in part:
                fh.write(("," if count else "") + json.dumps(docs[oid], ensure_ascii=False, indent=2))
                count += 1
        fh.write("]}\n")
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({"seconds": seconds, "orders": count}))
