"""The order-history PDF (reportlab platypus), fonts embedded so every script prints.

    page 1        title (customer), the filter used, generated-at, totals per year and currency
    orders table  one row per order; cut into one-page chunks, each with its own header row, so the
                  header is on every page and layout stays linear (one long table splits quadratically)
    details       one table per order: heading, customer and address, items, unified timeline
    footer        "Page N of M" and the generation time; M is a form drawn once at the end

Bounded memory, whatever the number of orders: the orders are read in passes (totals first, then
the orders table, then the details; a re-iterable source such as the export snapshot of
``services.storage.archive`` reads them again page by page, only a one-shot iterator is kept in
memory), tables are made a few at a time while the layout consumes them (``_Lazy``: reportlab keeps
a style object per table cell), and each finished page is compressed at once (``_make_canvas``), so
what stays in memory per page is its share of the final file.

Plain strings are used for cells (fast); a Paragraph only where CJK needs the second font or
text must wrap. The build is CPU-bound: run it off the UI loop.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from services.domain import Order, eta_iso, format_utc, money, unified_timeline

from .common import ExportCancelled, ExportError, ProgressCallback, Reporter, Totals, TotalsRow
from .fonts import BOLD, CJK, REGULAR, has_cjk, markup, register_fonts

MARGIN = 15 * mm
FOOTER = 12 * mm
WIDTH = A4[0] - 2 * MARGIN
FRAME_HEIGHT = A4[1] - MARGIN - (MARGIN + FOOTER) - 12  # SimpleDocTemplate's frame padding (6 pt each side)
ROW_H = 12.0
HEAD_H = 14.0
ROWS_PER_PAGE = int((FRAME_HEIGHT - HEAD_H - 1) // ROW_H)
"""Orders-table rows per page: each chunk fills exactly one page, so no header appears mid-page."""

ORDERS_HEADER = ["Order", "Placed (UTC)", "Channel", "Status", "Merchant", "Total", "Tax"]
ORDERS_WIDTHS = [26 * mm, 28 * mm, 20 * mm, 26 * mm, 44 * mm, 22 * mm, 14 * mm]
ITEM_WIDTHS = [32 * mm, 92 * mm, 12 * mm, 24 * mm, 20 * mm]
TIMELINE_WIDTHS = [25 * mm, 15 * mm, 28 * mm, 78 * mm, 34 * mm]
PAD = 12.0
"""Left + right cell padding (reportlab's default 6 pt each side)."""
CELL_CHARS = 300
"""Longest text of one table cell: longer vendor text is cut with an ellipsis before it is measured."""
WRAP_CHARS = 1000
"""Longest text of a wrapped cell or title line (about a dozen lines): a page always holds it."""

log = logging.getLogger(__name__)

_TEXT = ParagraphStyle("text", fontName=REGULAR, fontSize=8, leading=10)
_CELL = ParagraphStyle("cell", fontName=REGULAR, fontSize=7, leading=8.5)
_TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=6)
_H2 = ParagraphStyle("h2", fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)
_GRID = colors.HexColor("#b0b7c3")
_HEAD_BG = colors.HexColor("#dde3ec")
_SUB_BG = colors.HexColor("#f0f3f7")
_FOOTER_GREY = colors.HexColor("#555555")

_ITEMS_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), REGULAR, 7),
        ("SPAN", (0, 0), (-1, 0)),
        ("SPAN", (0, 1), (-1, 1)),
        ("FONT", (0, 0), (-1, 0), BOLD, 8),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("FONT", (0, 2), (-1, 2), BOLD, 7),
        ("BACKGROUND", (0, 2), (-1, 2), _SUB_BG),
        ("ALIGN", (2, 2), (-1, -1), "RIGHT"),
        ("BOX", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
)
_TIMELINE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), REGULAR, 7),
        ("FONT", (0, 0), (-1, 0), BOLD, 7),
        ("BACKGROUND", (0, 0), (-1, 0), _SUB_BG),
        ("BOX", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
)
_ORDERS_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), REGULAR, 7),
        ("FONT", (0, 0), (-1, 0), BOLD, 7),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, _GRID),
        ("ALIGN", (5, 0), (6, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
)


@dataclass(frozen=True, slots=True)
class PdfResult:
    """What was written: orders, pages and the totals printed on page 1."""

    orders: int
    pages: int
    totals: tuple[TotalsRow, ...]


def _clip(text: str, limit: int) -> str:
    """Collapse white space and cut ``text`` to at most ``limit`` characters, ending with an ellipsis."""
    if len(text) > limit * 4:  # never split a 200 KB field on its white space: only its start is kept
        text = text[: limit * 4]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit(text: str, width: float, size: float = 7, font: str = REGULAR) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``width`` points (measured only when it might not fit)."""
    text = _clip(text, CELL_CHARS)
    room = width - PAD
    if len(text) * size * 0.62 <= room:  # no DejaVu glyph in ordinary text is wider on average
        return text
    font = CJK if has_cjk(text) else font
    if stringWidth(text, font, size) <= room:
        return text
    text = text.removesuffix("…")
    while text and stringWidth(text + "…", font, size) > room:
        text = text[: max(len(text) - max(len(text) // 10, 1), 0)]
    return text + "…"


def _cell(text: str, width: float) -> str | Paragraph:
    """Return a plain cell fitted to ``width``, or a Paragraph when it has CJK (which needs the second font)."""
    text = _fit(text, width)
    return Paragraph(markup(text), _CELL) if has_cjk(text) else text


def _when(value: datetime) -> str:
    """Format a time as ``YYYY-MM-DD HH:MM`` (UTC)."""
    return format_utc(value)[:16].replace("T", " ")


TOTAL_FORM = "pageTotal"
"""The form XObject that prints M of "Page N of M": referenced by every page, drawn once at the end."""


def _compact(page: Any) -> None:
    """Compress a finished page's content stream now, so only its share of the file stays in memory."""
    stream = page.stream
    if not isinstance(stream, str) or page.Contents:
        return
    content = PDFStream(content=zlib.compress(stream.encode("utf-8")))
    content.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])  # applied here, not again at save
    page.Contents = content
    page.stream = None


def _make_canvas(generated: str, pages: list[int]) -> type[canvas.Canvas]:
    """Return a canvas class that prints "Page N of M" and the generation time on every page.

    Each page is finished and compressed when the layout leaves it; M is a form defined at ``save``
    (PDF lets a page use a form defined later), so no page waits for the total.
    """
    total_x = A4[0] - MARGIN - stringWidth("0" * 6, REGULAR, 7)

    class NumberedCanvas(canvas.Canvas):  # type: ignore[misc]  # reportlab is untyped
        """Prints the footer on each page and compresses the page as soon as it is shown."""

        def showPage(self) -> None:
            self.saveState()
            self.setFont(REGULAR, 7)
            self.setFillColor(_FOOTER_GREY)
            self.drawString(MARGIN, 10 * mm, f"Generated {generated}")
            self.drawRightString(total_x, 10 * mm, f"Page {self._pageNumber} of ")
            self.doForm(TOTAL_FORM)
            self.restoreState()
            super().showPage()
            _compact(self._doc.Pages.pages[-1])

        def save(self) -> None:
            if self._code:  # a page the layout did not close
                self.showPage()
            total = len(self._doc.Pages.pages)
            pages.append(total)
            self.beginForm(TOTAL_FORM)
            self.setFont(REGULAR, 7)
            self.setFillColor(_FOOTER_GREY)
            self.drawString(total_x, 10 * mm, str(total))
            self.endForm()
            super().save()

    return NumberedCanvas


def _orders_chunks(orders: Iterable[Order]) -> Iterator[list[Table]]:
    """Yield the orders table as one-page tables, each starting with the header row."""
    part: list[list[Any]] = []
    for order in orders:
        part.append(
            [
                _cell(order.order_number, ORDERS_WIDTHS[0]),
                _when(order.placed_at),
                order.channel.value,
                order.status.value,
                _cell(order.merchant, ORDERS_WIDTHS[4]),
                _fit(f"{money(order.total, order.currency)} {order.currency}", ORDERS_WIDTHS[5]),
                _fit(money(order.tax_total, order.currency), ORDERS_WIDTHS[6]),
            ]
        )
        if len(part) == ROWS_PER_PAGE:
            yield [_orders_table(part)]
            part = []
    if part:
        yield [_orders_table(part)]


def _orders_table(part: list[list[Any]]) -> Table:
    """One page of the orders table (header row first)."""
    return Table(
        [ORDERS_HEADER, *part],
        colWidths=ORDERS_WIDTHS,
        rowHeights=[HEAD_H] + [ROW_H] * len(part),
        repeatRows=1,
        style=_ORDERS_STYLE,
    )


def _detail(order: Order) -> list[Table]:
    """Return the detail tables of one order: heading, customer and items; then its unified timeline."""
    head = _fit(
        f"{_clip(order.order_number, 60)} · {_when(order.placed_at)} · {order.status.value} · "
        f"{order.channel.value} · {money(order.total, order.currency)} {order.currency} "
        f"(tax {money(order.tax_total, order.currency)})",
        WIDTH,
        8,
        BOLD,
    )
    who = []
    if order.merchant:
        who.append(f"Merchant: {_clip(order.merchant, CELL_CHARS)}")
    if order.customer is not None and order.customer.name:
        who.append(f"Customer: {_clip(order.customer.name, CELL_CHARS)}")
    if order.shipping_address is not None and order.shipping_address.one_line():
        who.append(f"Ship to: {_clip(order.shipping_address.one_line(), CELL_CHARS)}")
    for s in order.shipments:  # a date-only estimate is its calendar day, in every time zone
        if s.estimated_delivery is not None:
            day = " (calendar day)" if s.estimated_delivery.date_only else ""
            who.append(f"Expected {_clip(s.tracking_number, 60)}: {eta_iso(s.estimated_delivery)}{day}")
    heading: str | Paragraph = Paragraph(f"<b>{markup(head)}</b>", _CELL) if has_cjk(head) else head
    rows: list[list[Any]] = [
        [heading, "", "", "", ""],
        [Paragraph(markup(" · ".join(who) or "—"), _CELL), "", "", "", ""],
        ["SKU", "Item", "Qty", "Unit price", "Tax"],
    ]
    for item in order.items:
        tax = money(item.tax, order.currency) if item.tax is not None else ""
        sku, name = _cell(item.sku, ITEM_WIDTHS[0]), _cell(item.name, ITEM_WIDTHS[1])
        qty = _fit(str(item.quantity), ITEM_WIDTHS[2])
        price = _fit(money(item.unit_price, order.currency), ITEM_WIDTHS[3])
        rows.append([sku, name, qty, price, _fit(tax, ITEM_WIDTHS[4])])
    items = Table(rows, colWidths=ITEM_WIDTHS, style=_ITEMS_STYLE)
    lines: list[list[Any]] = [["When (UTC)", "Kind", "Status", "Description", "Where"]]
    for entry in unified_timeline(order):
        what = entry.description + (f" [{entry.tracking_number}]" if entry.tracking_number else "")
        lines.append(
            [
                _when(entry.occurred_at),
                entry.kind.value,
                _fit(entry.status, TIMELINE_WIDTHS[2]),
                _cell(what, TIMELINE_WIDTHS[3]),
                _cell(entry.location or "", TIMELINE_WIDTHS[4]),
            ]
        )
    timeline = Table(lines, colWidths=TIMELINE_WIDTHS, repeatRows=1, style=_TIMELINE_STYLE, spaceAfter=6)
    return [items, timeline]


class _Lazy(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Stands for tables still to come; each split hands the layout the next few (bounded memory).

    ``batches`` yields lists of tables, made only when the layout asks for them. reportlab requires
    the first flowable of a split to fit where the split happened, so a table that does not fit is
    split itself, or kept for the next page (returning nothing moves on).
    """

    def __init__(self, batches: Iterator[list[Table]]) -> None:
        super().__init__()
        self._batches = batches
        self._ready: deque[Table] = deque()

    def _fill(self) -> bool:
        """Make the next batch when none is ready; return whether a table is ready."""
        while not self._ready:
            batch = next(self._batches, None)
            if batch is None:
                return False
            self._ready.extend(batch)
        return True

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Never fit while tables remain, so the layout asks split() for them."""
        if not self._fill():
            return (0, 0)
        return (avail_width, avail_height + 1)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """Return the next tables followed by this flowable (nothing when none fits here)."""
        if not self._fill():
            return []
        first = self._ready[0]
        _, height = first.wrap(avail_width, avail_height)
        if height <= avail_height:
            out: list[Flowable] = [*self._ready]
        else:
            parts = first.split(avail_width, avail_height)
            if not parts:
                return []  # next page
            self._ready.popleft()
            out = [*parts, *self._ready]
        self._ready.clear()
        # progress was made: forget an earlier "postponed to the next page" mark, which reportlab would
        # otherwise read as "did not fit on an empty page either" the next time nothing fits
        self.__dict__.pop("_postponed", None)
        return [*out, self]

    def draw(self) -> None:
        """Draw nothing (the tables it hands out draw themselves)."""


def _detail_batches(orders: Iterable[Order], reporter: Reporter, batch: int = 10) -> Iterator[list[Table]]:
    """Yield the detail tables of ``batch`` orders at a time, reporting phase ``layout`` progress."""
    done = 0
    tables: list[Table] = []
    for order in orders:
        tables += _detail(order)
        done += 1
        if done % batch == 0:
            reporter.step("layout", done)
            yield tables
            tables = []
    if tables:
        reporter.step("layout", done)
        yield tables


def _passes(orders: Iterable[Order], summary: Iterable[Order] | None) -> tuple[Iterable[Order], Iterable[Order]]:
    """Return (summary source, details source), both re-iterable; a one-shot iterator is kept in a list."""
    if iter(orders) is orders:  # an iterator: it can be read only once
        orders = list(orders)
    if summary is None or iter(summary) is summary:
        summary = orders
    return summary, orders


def customer_label(names: Counter[str]) -> str:
    """Name the customer of a set of orders for the title (the most frequent name when several)."""
    if not names:
        return "all customers"
    top, others = names.most_common(1)[0][0], len(names) - 1
    return top if not others else f"{top} and {others} other customer{'s' if others > 1 else ''}"


def _totals_table(totals: list[TotalsRow]) -> Table:
    """Return the totals table: one row per year and currency, then one per currency for all years."""
    rows: list[list[str]] = [["Year", "Currency", "Orders", "Total", "Tax"]]
    for t in totals:
        rows.append(
            [str(t.year), t.currency, str(t.orders), money(t.total, t.currency), money(t.tax_total, t.currency)]
        )
    per_currency: dict[str, list[Any]] = {}
    for t in totals:
        acc = per_currency.setdefault(t.currency, [0, 0, 0])
        acc[0] += t.orders
        acc[1] += t.total
        acc[2] += t.tax_total
    for cur, (n, total, tax) in sorted(per_currency.items()):
        rows.append(["All years", cur, str(n), money(total, cur), money(tax, cur)])
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, 8),
            ("FONT", (0, 0), (-1, 0), BOLD, 8),
            ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, _GRID),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, len(totals) + 1), (-1, -1), BOLD, 8),
        ]
    )
    return Table(rows, colWidths=[25 * mm, 22 * mm, 20 * mm, 35 * mm, 35 * mm], style=style, hAlign="LEFT")


def write_pdf(
    orders: Iterable[Order],
    out: IO[bytes],
    *,
    total: int,
    customer: str | None,
    filter_text: str,
    generated_at: datetime,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    summary: Iterable[Order] | None = None,
) -> PdfResult:
    """Write the order-history PDF of ``orders`` (``total`` of them, for progress) to ``out``.

    ``orders`` is read again for each pass when it can be (a sequence, or an object whose iteration
    starts over); ``summary``, when given, yields the same orders in the same order and may leave
    out their events: it feeds page 1 and the orders table. ``customer`` None: named from the
    orders. Progress: phase ``orders`` while totalling, then ``layout`` (orders laid out so far);
    ``cancel`` is honoured in both.
    """
    register_fonts()
    summary, orders = _passes(orders, summary)
    reporter = Reporter(total, progress, cancel)
    totals = Totals()
    names: Counter[str] = Counter()
    count = 0
    for order in reporter.orders(summary):
        totals.add(order)
        if order.customer is not None and order.customer.name:
            names[order.customer.name] += 1
        count += 1
    customer = _clip(customer if customer is not None else customer_label(names), 200)
    filter_text = _clip(filter_text, WRAP_CHARS)
    generated = format_utc(generated_at)[:19].replace("T", " ") + " UTC"
    rows = totals.rows()
    story: list[Any] = [
        Paragraph(markup(f"Order history — {customer}"), _TITLE),
        Paragraph(markup(f"Filter: {filter_text}"), _TEXT),
        Paragraph(f"Generated at {generated}", _TEXT),
        Paragraph(f"{count} orders", _TEXT),
        Spacer(1, 4 * mm),
        Paragraph("Totals per year and currency (order totals include tax)", _H2),
        _totals_table(rows),
    ]
    if count:
        layout = Reporter(count, progress, cancel, every=max(1, count // 100))  # about 1 % steps
        story += [
            PageBreak(),
            _Lazy(_orders_chunks(summary)),
            PageBreak(),
            Paragraph("Orders in detail", _H2),
            _Lazy(_detail_batches(orders, layout)),
        ]
    else:
        story.append(Paragraph("No orders match this filter.", _TEXT))
    pages: list[int] = []
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER,
        title=f"Order history — {customer}",
        author="Order Tracking",
        initialFontName=REGULAR,  # else the canvas references an unembedded Helvetica
        subject=filter_text,
    )

    def on_progress(kind: str, value: int) -> None:
        reporter.check()

    doc.setProgressCallBack(on_progress)
    reporter.step("layout", 0, count, force=True)
    try:
        doc.build(story, canvasmaker=_make_canvas(generated, pages))
    except (ExportCancelled, ExportError):
        raise
    except LayoutError as err:
        log.debug("PDF layout failed", exc_info=True)
        raise ExportError("the PDF layout failed: some text does not fit on a page; nothing was written") from err
    except Exception as err:  # reportlab's own failures (bad glyph data, table maths) end the same way
        log.debug("PDF build failed", exc_info=True)
        raise ExportError(f"the PDF could not be laid out ({type(err).__name__}); nothing was written") from err
    reporter.step("layout", count, count, force=True)
    return PdfResult(orders=count, pages=pages[0] if pages else 0, totals=tuple(rows))
