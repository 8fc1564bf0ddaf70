"""JSON export in the DESIGN.md shape, ``{"orders": [...]}``, written order by order (no big string)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import IO

from services.domain import Order, order_to_json

from .common import ProgressCallback, Reporter


def write_json(
    orders: Iterable[Order],
    out: IO[bytes],
    *,
    total: int,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write ``{"orders": [...]}`` (UTF-8, indented) to ``out``; return the number of orders."""
    reporter = Reporter(total, progress, cancel)
    out.write(b'{\n  "orders": [')
    count = 0
    for order in reporter.orders(orders):
        body = json.dumps(order_to_json(order), ensure_ascii=False, indent=2).replace("\n", "\n    ")
        out.write((",\n    " if count else "\n    ").encode("utf-8") + body.encode("utf-8"))
        count += 1
    out.write(b"\n  ]\n}\n" if count else b"]\n}\n")
    return count
