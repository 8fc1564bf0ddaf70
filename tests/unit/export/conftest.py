"""Fixtures for the export tests: deterministic demo orders (with non-Latin names) and poppler helpers."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.demo import generate
from services.domain import Order

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
NON_LATIN = ("Müller", "Łódź", "Ελένη", "Иван", "東京")


@pytest.fixture(scope="session")
def demo_orders() -> tuple[Order, ...]:
    """80 demo orders (seed 11): several channels, currencies, years, and the names in NON_LATIN."""
    return generate(11, 80, NOW).orders


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool and return its stdout (skip when poppler is not installed)."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_text(path: Path) -> str:
    """Return the text of a PDF (pdftotext -layout), pages separated by form feeds."""
    return poppler("pdftotext", "-layout", str(path), "-")


def pdf_pages(path: Path) -> int:
    """Return the page count pdfinfo reports."""
    for line in poppler("pdfinfo", str(path)).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo printed no page count")
