"""The order-history PDF, checked with poppler: text, page numbers, repeated headers, fonts, totals."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from services.domain import Order, money
from services.export import ExportCancelled, ExportProgress, atomic_write, write_pdf
from services.export.pdf import ROWS_PER_PAGE, PdfResult

from .conftest import NON_LATIN, NOW, pdf_pages, pdf_text, poppler

Built = tuple[Path, PdfResult, str]
Orders = tuple[Order, ...]
HEADER_RE = re.compile(r"^\s*Order\s+Placed \(UTC\)\s+Channel\s+Status\s+Merchant\s+Total\s+Tax\s*$", re.M)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, demo_orders: tuple[Order, ...]) -> tuple[Path, PdfResult, str]:
    """The PDF of the 80 demo orders, its result and its text."""
    path = tmp_path_factory.mktemp("pdf") / "history.pdf"
    with path.open("wb") as fh:
        result = write_pdf(
            demo_orders,
            fh,
            total=len(demo_orders),
            customer="Jürgen Müller",
            filter_text="all orders",
            generated_at=NOW,
        )
    return path, result, pdf_text(path)


def test_every_order_number_and_the_title_are_printed(built: Built, demo_orders: Orders) -> None:
    """Each order number appears at least twice (orders table + its detail section); title and filter too."""
    _, result, text = built
    assert result.orders == len(demo_orders)
    for order in demo_orders:
        assert text.count(order.order_number) >= 2, order.order_number
    assert "Order history — Jürgen Müller" in text
    assert "Filter: all orders" in text
    assert "Generated at 2026-11-27 12:00:00 UTC" in text


def test_page_numbers_count_every_page(built: tuple[Path, PdfResult, str]) -> None:
    """pdfinfo's page count equals M, and pages read 'Page 1 of M' ... 'Page M of M' in order."""
    path, result, text = built
    pages = pdf_pages(path)
    assert pages == result.pages > 3
    pages_text = text.split("\f")
    footers = [re.findall(r"Page (\d+) of (\d+)", page) for page in pages_text[:pages]]
    assert footers == [[(str(n), str(pages))] for n in range(1, pages + 1)]


def test_orders_table_header_is_on_every_orders_page(tmp_path: Path, demo_orders: tuple[Order, ...]) -> None:
    """With more orders than fit a page, each orders-table page starts with the header row, exactly once."""
    many = demo_orders * 3  # 240 rows: several pages of the orders table
    path = tmp_path / "many.pdf"
    with path.open("wb") as fh:
        write_pdf(many, fh, total=len(many), customer="x", filter_text="all orders", generated_at=NOW)
    pages = pdf_text(path).split("\f")
    table_pages = [p for p in pages if HEADER_RE.search(p)]
    expected = -(-len(many) // ROWS_PER_PAGE)
    assert len(table_pages) == expected >= 4
    assert all(len(HEADER_RE.findall(p)) == 1 for p in table_pages)
    listed = sum(len(re.findall(r"^\s*[A-Z]{1,2}-\d{6}\s+\d{4}-\d\d-\d\d \d\d:\d\d", p, re.M)) for p in table_pages)
    assert listed == len(many)


def test_totals_equal_the_sum_of_the_orders(built: Built, demo_orders: Orders) -> None:
    """The totals per year and currency (and per currency) equal sums computed here, and are printed."""
    _, result, text = built
    expected: dict[tuple[int, str], tuple[int, Decimal, Decimal]] = {}
    for o in demo_orders:
        n, t, x = expected.get((o.placed_at.year, o.currency), (0, Decimal(0), Decimal(0)))
        expected[(o.placed_at.year, o.currency)] = (n + 1, t + o.total, x + o.tax_total)
    got = {(r.year, r.currency): (r.orders, r.total, r.tax_total) for r in result.totals}
    assert got == expected
    assert len({c for _, c in expected}) >= 3 and len({y for y, _ in expected}) >= 2
    first_page = text.split("\f")[0]
    for (year, cur), (n, total, tax) in expected.items():
        assert re.search(rf"{year}\s+{cur}\s+{n}\s+{re.escape(money(total))}\s+{re.escape(money(tax))}", first_page)
    for cur in {c for _, c in expected}:
        n = sum(v[0] for (_, c), v in expected.items() if c == cur)
        total = sum((v[1] for (_, c), v in expected.items() if c == cur), Decimal(0))
        assert re.search(rf"All years\s+{cur}\s+{n}\s+{re.escape(money(total))}", first_page)


def test_fonts_are_embedded_subsets(built: tuple[Path, PdfResult, str]) -> None:
    """pdffonts lists only embedded subset TrueType fonts: DejaVu Sans (+Bold) and Droid Sans Fallback."""
    path, _, _ = built
    rows = [line.split() for line in poppler("pdffonts", str(path)).splitlines()[2:] if line.strip()]
    names = {row[0].split("+", 1)[-1] for row in rows}
    assert names == {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}
    for row in rows:
        emb, sub = row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row


def test_non_latin_text_is_extracted_intact(built: Built, demo_orders: Orders) -> None:
    """Latin-extended, Greek, Cyrillic and CJK names from the demo data come back out of the PDF as text."""
    _, _, text = built
    words = set()
    for o in demo_orders:
        if o.customer is not None:
            words.update(o.customer.name.split())
        if o.shipping_address is not None:
            words.update(o.shipping_address.one_line().split())
    for needle in NON_LATIN:
        assert any(needle in w for w in words), f"demo data lacks {needle}"
        assert needle in text, needle


def test_progress_is_reported_and_cancel_stops_the_build(tmp_path: Path, demo_orders: tuple[Order, ...]) -> None:
    """Progress goes 0..total for orders then the layout; setting the Event aborts and leaves no file."""
    seen: list[ExportProgress] = []
    target = tmp_path / "p.pdf"
    atomic_write(
        target,
        lambda fh: write_pdf(
            demo_orders, fh, total=80, customer="c", filter_text="f", generated_at=NOW, progress=seen.append
        ),
    )
    phases = [p.phase for p in seen]
    assert phases[0] == "orders" and phases[-1] == "layout"
    assert ExportProgress("orders", 80, 80) in seen
    assert seen[-1].done == seen[-1].total > 0

    cancel = threading.Event()

    def stop_in_layout(p: ExportProgress) -> None:
        if p.phase == "layout" and p.done > 0:
            cancel.set()

    cancelled = tmp_path / "c.pdf"
    with pytest.raises(ExportCancelled):
        atomic_write(
            cancelled,
            lambda fh: write_pdf(
                demo_orders,
                fh,
                total=80,
                customer="c",
                filter_text="f",
                generated_at=NOW,
                progress=stop_in_layout,
                cancel=cancel,
            ),
        )
    assert not cancelled.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.pdf"]


def test_an_empty_export_still_has_a_title_and_totals_page(tmp_path: Path) -> None:
    """No matching orders: one page that says so."""
    path = tmp_path / "empty.pdf"
    with path.open("wb") as fh:
        result = write_pdf([], fh, total=0, customer="Иван Петров", filter_text="status returned", generated_at=NOW)
    text = pdf_text(path)
    assert result.pages == pdf_pages(path) == 1
    assert "No orders match this filter." in text and "Иван Петров" in text and "Page 1 of 1" in text
