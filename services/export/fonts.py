"""The TTF fonts embedded in PDFs: DejaVu Sans (Latin, Greek, Cyrillic) and Droid Sans Fallback (CJK).

reportlab has no per-glyph fallback, so text is split into runs: CJK runs are set in the CJK font.
The TTFs ship in ``assets/fonts`` (with their licences); the Debian font packages are the fallback.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .common import ExportError

REGULAR = "OTSans"
BOLD = "OTSans-Bold"
CJK = "OTCJK"

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
_SYSTEM = {
    "DejaVuSans.ttf": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "DejaVuSans-Bold.ttf": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    "DroidSansFallbackFull.ttf": Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
}

CJK_RE = re.compile(r"([\u2e80-\u2fff\u3000-\u30ff\u3100-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+)")
"""Runs of CJK ideographs, kana, hangul and full-width forms (DejaVu has none of them)."""

_lock = threading.Lock()
_registered = False


def font_file(name: str) -> Path:
    """Return the path of a bundled font file (assets first, then the system package)."""
    for candidate in (ASSETS / name, _SYSTEM[name]):
        if candidate.is_file():
            return candidate
    raise ExportError(f"the PDF font {name} is missing (expected in {ASSETS})")


def register_fonts() -> None:
    """Register the embedded fonts with reportlab once per process."""
    global _registered
    with _lock:
        if _registered:
            return
        pdfmetrics.registerFont(TTFont(REGULAR, str(font_file("DejaVuSans.ttf"))))
        pdfmetrics.registerFont(TTFont(BOLD, str(font_file("DejaVuSans-Bold.ttf"))))
        pdfmetrics.registerFont(TTFont(CJK, str(font_file("DroidSansFallbackFull.ttf"))))
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        addMapping(CJK, 0, 0, CJK)
        addMapping(CJK, 1, 0, CJK)
        addMapping(CJK, 0, 1, CJK)
        addMapping(CJK, 1, 1, CJK)
        _registered = True


def has_cjk(text: str) -> bool:
    """Tell whether ``text`` needs the CJK font somewhere."""
    return CJK_RE.search(text) is not None


def markup(text: str) -> str:
    """Escape ``text`` for Paragraph markup and set its CJK runs in the CJK font."""
    parts = CJK_RE.split(text)
    return "".join(
        f'<font name="{CJK}">{escape(part)}</font>' if i % 2 else escape(part) for i, part in enumerate(parts) if part
    )
