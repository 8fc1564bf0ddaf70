"""Date-only estimates keep their calendar day in every time zone: the timeline, the exports, the screen.

Each check runs in a subprocess with ``TZ`` set west (America/Los_Angeles) and east
(Asia/Tokyo) of UTC. The cache holds an order whose parcel A was expected 5-6 Dec (dates only),
then moved to 8 Dec, and whose parcel B had a timed estimate that the carrier withdrew on 3 Dec.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.database import open_store
from services.domain import (
    Channel,
    DeliveryWindow,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from services.storage.reads import load_by_numbers
from tests.support.cli import ROOT, cli_env, run_cli
from tests.support.keys import NoKeyring

from .test_export_cli import PASSPHRASE

ZONES = ("America/Los_Angeles", "Asia/Tokyo")
A, B = "1Z999AA10123456784", "1Z999AA10123456785"


def _days(first: int, last: int) -> DeliveryWindow:
    return DeliveryWindow(
        start=datetime(2026, 12, first, tzinfo=UTC),
        end=datetime(2026, 12, last, 23, 59, 59, tzinfo=UTC),
        date_only=True,
    )


def _order(eta_a: DeliveryWindow, eta_b: DeliveryWindow | None) -> Order:
    scan = TrackingEvent(datetime(2026, 12, 1, 9, tzinfo=UTC), ShipmentStatus.IN_TRANSIT, "Departed facility")
    ships = (
        Shipment(A, "ups", "UPS", status=ShipmentStatus.IN_TRANSIT, estimated_delivery=eta_a, events=(scan,)),
        Shipment(B, "ups", "UPS", status=ShipmentStatus.IN_TRANSIT, estimated_delivery=eta_b, events=(scan,)),
    )
    return Order(
        order_number="T-1",
        source="demo",
        channel=Channel.WEB,
        placed_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=Decimal("10.00"),
        tax_total=Decimal("0"),
        shipments=ships,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the ETA history above (first 1 Dec, moved 2 Dec, B withdrawn 3 Dec 10:00 UTC)."""
    home = tmp_path_factory.mktemp("dates") / "home"
    home.mkdir()
    timed = DeliveryWindow(datetime(2026, 12, 4, 16, tzinfo=UTC), datetime(2026, 12, 4, 20, tzinfo=UTC))
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store:
        with store.transaction() as uow:
            uow.upsert_orders(
                [_order(_days(5, 6), timed)],
                source="demo",
                received_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
                live=False,
            )
        with store.transaction() as uow:
            uow.upsert_orders(
                [_order(_days(8, 8), timed)], source="demo", received_at=datetime(2026, 12, 2, 8, tzinfo=UTC), live=True
            )
        with store.transaction() as uow:
            # what the writer is handed when the carrier drops B's estimate (as in the ETA history tests)
            cached = load_by_numbers(uow.connection, ["T-1"])
            before = cached["T-1"].order
            withdrawn = replace(
                before, shipments=(before.shipments[0], replace(before.shipments[1], estimated_delivery=None))
            )
            uow._write(
                cached,
                {"T-1": withdrawn},
                source="demo",
                received_at=datetime(2026, 12, 3, 10, tzinfo=UTC),
                live=True,
                sync=True,
            )
    return home


def pdf_text(path: Path) -> str:
    """Return the text of a PDF (pdftotext from poppler-utils)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _run(home: Path, zone: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(home, *args, passphrase=PASSPHRASE, TZ=zone)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("zone", ZONES)
def test_timeline_keeps_the_day_and_says_how_estimates_changed(home: Path, zone: str) -> None:
    """`ordertrack timeline` prints 8 Dec as 2026-12-08 and tells the move and the withdrawal."""
    table = _run(home, zone, "timeline", "T-1").stdout
    assert f"Parcel {A} (ups): expected 2026-12-08 (calendar day, any time zone) · Moved from 5–6 Dec to 8 Dec" in table
    assert f"Parcel {B} (ups): no estimate · Estimate withdrawn by the carrier on 3 Dec" in table
    data = json.loads(_run(home, zone, "timeline", "T-1", "--format", "json").stdout)
    a, b = data["estimates"]
    assert a["estimated_delivery"] == {
        "start": "2026-12-08T00:00:00Z",
        "end": "2026-12-08T23:59:59Z",
        "date_only": True,
    }
    assert a["note"].startswith("Moved from 5–6 Dec to 8 Dec")
    assert [h["estimated_delivery"]["start"][:10] for h in a["history"]] == ["2026-12-05", "2026-12-08"]
    assert b["estimated_delivery"] is None and b["history"][-1]["withdrawn"] is True
    assert b["note"].startswith("Estimate withdrawn by the carrier on 3 Dec")


@pytest.mark.parametrize("zone", ZONES)
def test_pdf_and_csv_keep_the_day(home: Path, zone: str, tmp_path: Path) -> None:
    """The PDF (read back with pdftotext) and the CSV name 2026-12-08, never the 7th or the 9th."""
    pdf, table = tmp_path / "o.pdf", tmp_path / "o.csv"
    _run(home, zone, "export", "--format", "pdf", "-o", str(pdf))
    text = pdf_text(pdf)
    assert f"Expected {A}: 2026-12-08 (calendar day)" in " ".join(text.split())
    assert "2026-12-07" not in text and "2026-12-09" not in text
    _run(home, zone, "export", "--format", "csv", "-o", str(table))
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert rows[0]["estimated_delivery"] == "2026-12-08 -"


SCREEN = """
import json
from datetime import UTC, datetime
from services.domain import DeliveryWindow, EtaChange, eta_note
from views import formatting as fmt
day = DeliveryWindow(datetime(2026, 12, 8, tzinfo=UTC), datetime(2026, 12, 8, 23, 59, 59, tzinfo=UTC), date_only=True)
old = DeliveryWindow(datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC), date_only=True)
history = [EtaChange(old.start, old.end, datetime(2026, 12, 1, 8, tzinfo=UTC), "demo", True),
           EtaChange(day.start, day.end, datetime(2026, 12, 2, 8, tzinfo=UTC), "demo", True)]
delivered = datetime(2026, 12, 9, 1, tzinfo=UTC)
late = fmt.arrival(delivered, day.start, day.end, days=day.days, tz=None)
print(json.dumps({"eta": fmt.eta(day, None), "note": eta_note(history, None), "late": late}))
"""


@pytest.mark.parametrize(
    ("zone", "late"), [("America/Los_Angeles", "arrived on time"), ("Asia/Tokyo", "arrived late by 1 day")]
)
def test_screen_formatting_keeps_the_day_in_the_local_zone(zone: str, late: str) -> None:
    """The Order card's formatter (local zone = TZ) shows Tue 8 Dec; a delivery is judged by its local day."""
    env = cli_env(Path("."), passphrase=PASSPHRASE, TZ=zone)
    done = subprocess.run(
        [sys.executable, "-c", SCREEN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["eta"] == "Tue 8 Dec"
    assert out["note"].startswith("Moved from 5–6 Dec to 8 Dec")
    assert out["late"] == late  # 9 Dec 01:00 UTC is still 8 Dec in Los Angeles, already 9 Dec in Tokyo
