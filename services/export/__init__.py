"""Exports of the order history: PDF (with a tax summary), CSV (one row per line) and JSON.

The writers take orders and a binary stream; ``export_orders`` reads the cache and writes a file
atomically. Long exports report progress through a callback and stop when a threading.Event is set.
"""

from .common import (
    ExportCancelled,
    ExportError,
    ExportProgress,
    ProgressCallback,
    Totals,
    TotalsRow,
    atomic_write,
    describe_filter,
)
from .csv_export import neutralize, write_csv
from .json_export import write_json
from .pdf import PdfResult, customer_label, write_pdf
from .runner import FORMATS, ExportResult, export_orders

__all__ = [
    "FORMATS",
    "ExportCancelled",
    "ExportError",
    "ExportProgress",
    "ExportResult",
    "PdfResult",
    "ProgressCallback",
    "Totals",
    "TotalsRow",
    "atomic_write",
    "customer_label",
    "describe_filter",
    "export_orders",
    "neutralize",
    "write_csv",
    "write_json",
    "write_pdf",
]
