"""Export cached orders to a file: the one entry point for the CLI and the GUI.

    export_orders(store, flt, "pdf", path, progress=cb, cancel=event)   # run it on a worker thread

The file appears atomically (temp file in the same folder, then ``os.replace``); a failure or a
cancellation leaves no partial file behind and raises (ExportCancelled on cancellation).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from services.domain import OrderFilter, utc_now
from services.storage import Store
from services.storage.archive import export_snapshot

from .common import ExportError, ProgressCallback, TotalsRow, atomic_write, describe_filter
from .csv_export import write_csv
from .json_export import write_json
from .pdf import write_pdf

FORMATS = ("pdf", "csv", "json")
"""The export formats, as named on the command line."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str
    orders: int
    rows: int
    pages: int
    totals: tuple[TotalsRow, ...]


def export_orders(
    store: Store,
    flt: OrderFilter,
    fmt: str,
    path: Path,
    *,
    archived: bool | None = None,
    customer: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Export the orders matching ``flt`` (``archived``: History only / live only / all) to ``path``."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (one of: {', '.join(FORMATS)})")
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise ExportError(f"the folder {path.parent} does not exist")
    counts: dict[str, int] = {"orders": 0, "rows": 0, "pages": 0}
    totals: list[tuple[TotalsRow, ...]] = [()]

    def write(out: IO[bytes]) -> None:
        # one read snapshot for every pass; orders are loaded a page at a time (flat memory)
        with export_snapshot(store, flt, archived) as snapshot:
            total = len(snapshot)
            if fmt == "csv":  # CSV needs no timelines
                rows = snapshot.orders(with_events=False)
                counts["rows"] = write_csv(rows, out, total=total, progress=progress, cancel=cancel)
                counts["orders"] = total
            elif fmt == "json":
                counts["orders"] = write_json(snapshot.orders(), out, total=total, progress=progress, cancel=cancel)
            else:
                result = write_pdf(
                    snapshot.orders(),
                    out,
                    total=total,
                    customer=customer,
                    filter_text=describe_filter(flt) + (" (History only)" if archived else ""),
                    generated_at=now or utc_now(),
                    progress=progress,
                    cancel=cancel,
                    summary=snapshot.orders(with_events=False),
                )
                counts["orders"], counts["pages"] = result.orders, result.pages
                totals[0] = result.totals

    try:
        atomic_write(path, write)
    except OSError as err:
        raise ExportError(f"cannot write {path}: {err.strerror or err}") from err
    return ExportResult(path, fmt, counts["orders"], counts["rows"], counts["pages"], totals[0])
