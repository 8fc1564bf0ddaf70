"""A 200 KB vendor field in the PDF export: cells are cut with an ellipsis; a layout failure is one export error."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import main
from app.database import open_store, set_passphrase_prompt, terminal_prompt
from services.demo import generate
from services.domain import Order, OrderFilter
from services.export import ExportError, export_orders, write_pdf
from services.export import pdf as pdf_module
from tests.support.keys import NoKeyring

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
HUGE = ("Very long vendor text " * 10_000)[:200_000]
"""A 200 KB field, as a hostile or broken source could send it."""
PASSPHRASE = "pdf-security-passphrase"


def hostile_orders() -> list[Order]:
    """Ten demo orders; one has a 200 KB item title, event message, merchant, customer and address."""
    orders = list(generate(11, 10, NOW).orders)
    at = next(i for i, o in enumerate(orders) if o.shipments and o.shipments[0].events)
    first = orders[at]
    assert first.customer is not None and first.shipping_address is not None and first.items
    ship = first.shipments[0]
    events = (replace(ship.events[0], description=HUGE, location=HUGE), *ship.events[1:])
    orders[at] = replace(
        first,
        merchant=HUGE,
        customer=replace(first.customer, name=HUGE),
        shipping_address=replace(first.shipping_address, line1=HUGE),
        items=(replace(first.items[0], name=HUGE, sku=HUGE), *first.items[1:]),
        shipments=(replace(ship, events=events), *first.shipments[1:]),
    )
    return orders


def pdf_text(path: Path) -> str:
    """Return the text of a PDF (skip when poppler is not installed)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_200_kb_field_is_cut_with_an_ellipsis_and_the_export_succeeds(tmp_path: Path) -> None:
    """The PDF is written, every order is in it, and the long fields end in an ellipsis."""
    orders = hostile_orders()
    path = tmp_path / "history.pdf"
    with path.open("wb") as fh:
        result = write_pdf(orders, fh, total=len(orders), customer=None, filter_text="all orders", generated_at=NOW)
    assert result.orders == len(orders) and result.pages < 12
    text = pdf_text(path)
    assert all(o.order_number in text for o in orders)
    assert "Very long vendor text" in text and "…" in text
    assert len(text) < 100_000  # the 200 KB fields were not printed whole


def test_a_200_kb_customer_name_for_the_title_is_cut(tmp_path: Path) -> None:
    """The title and filter line cut a huge customer name and filter text too."""
    path = tmp_path / "history.pdf"
    orders = hostile_orders()
    with path.open("wb") as fh:
        result = write_pdf(orders, fh, total=len(orders), customer=HUGE, filter_text=HUGE, generated_at=NOW)
    assert result.pages < 12
    assert "Order history — Very long vendor text" in pdf_text(path)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An encrypted cache (passphrase) holding the hostile orders; ORDERTRACK_HOME points at it."""
    set_passphrase_prompt(None)
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store, store.transaction() as uow:
        uow.upsert_orders(hostile_orders(), source="demo", received_at=NOW, live=False)
    monkeypatch.setenv("ORDERTRACK_HOME", str(home))
    monkeypatch.setenv("ORDERTRACK_PASSPHRASE", PASSPHRASE)
    yield home
    set_passphrase_prompt(terminal_prompt)


def test_a_layout_failure_is_one_export_error_and_the_old_file_stays(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the cell cap reportlab cannot lay the page out: ExportError, one line, old file untouched."""
    monkeypatch.setattr(pdf_module, "CELL_CHARS", 10**7)  # the cap off: the 200 KB fields reach reportlab
    out = tmp_path / "out"
    out.mkdir()
    target = out / "history.pdf"
    target.write_bytes(b"previous export")
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store, pytest.raises(ExportError) as caught:
        export_orders(store, OrderFilter(), "pdf", target, now=NOW)
    assert "\n" not in str(caught.value) and "layout" in str(caught.value)
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in out.iterdir()] == ["history.pdf"]


def test_the_cli_prints_one_line_and_exits_non_zero_on_a_layout_failure(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ordertrack export --format pdf` with a layout failure: exit 1, one plain line on stderr, no traceback."""
    monkeypatch.setattr(pdf_module, "CELL_CHARS", 10**7)
    target = tmp_path / "history.pdf"
    target.write_bytes(b"previous export")
    code = main(["export", "--format", "pdf", "--force", "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("ordertrack: Export failed: the PDF layout failed")
    assert target.read_bytes() == b"previous export"


def test_the_cli_exports_the_200_kb_fields(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With the cap in place the same cache exports through the CLI."""
    target = tmp_path / "history.pdf"
    assert main(["export", "--format", "pdf", "-o", str(target)]) == 0, capsys.readouterr().err
    assert "Very long vendor text" in pdf_text(target)
