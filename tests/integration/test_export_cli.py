"""`ordertrack export`: the same filters as `orders`, three formats, and an atomic write."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.database import open_store
from services.demo import generate
from services.domain import Order
from tests.support.cli import ROOT, cli_env, run_cli
from tests.support.keys import NoKeyring

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PASSPHRASE = "export-test-passphrase"


def seed_home(home: Path, count: int) -> tuple[Order, ...]:
    """Fill an encrypted cache in ``home`` with ``count`` demo orders."""
    orders = generate(11, count, NOW).orders
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store, store.transaction() as uow:
        uow.upsert_orders(orders, source="demo", received_at=NOW, live=False)
    return orders


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m app ARGS`` on ``home`` with the cache passphrase in the environment."""
    return run_cli(home, *args, passphrase=PASSPHRASE)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[Order, ...]]:
    """A home with 80 demo orders."""
    home = tmp_path_factory.mktemp("export") / "home"
    home.mkdir()
    return home, seed_home(home, 80)


Seeded = tuple[Path, tuple[Order, ...]]


def test_json_export_equals_orders_with_the_same_filters(seeded: Seeded, tmp_path: Path) -> None:
    """`export --format json` writes exactly what `orders --format json` prints for the same filters."""
    home, _ = seeded
    filters = ["--status", "delivered,cancelled", "--channel", "web", "--from", "2026-01-01"]
    listed = cli(home, "orders", "--format", "json", *filters)
    assert listed.returncode == 0, listed.stderr
    out = tmp_path / "orders.json"
    done = cli(home, "export", "--format", "json", *filters, "-o", str(out))
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported == json.loads(listed.stdout)
    assert 0 < len(exported["orders"]) < 80
    assert all(o["channel"] == "web" and o["status"] in ("delivered", "cancelled") for o in exported["orders"])
    assert f"Exported {len(exported['orders'])} orders" in done.stdout


def test_csv_and_pdf_exports(seeded: tuple[Path, tuple[Order, ...]], tmp_path: Path) -> None:
    """CSV rows are the filtered orders' lines; the PDF names the filter and every filtered order."""
    home, orders = seeded
    wanted = [o for o in orders if o.channel.value == "marketplace"]
    csv_out = tmp_path / "lines.csv"
    assert cli(home, "export", "--format", "csv", "--channel", "marketplace", "-o", str(csv_out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == sum(len(o.items) for o in wanted)
    assert {r["order_number"] for r in rows} == {o.order_number for o in wanted}
    pdf_out = tmp_path / "history.pdf"
    run = cli(home, "export", "--format", "pdf", "--channel", "marketplace", "--customer", "Ελένη", "-o", str(pdf_out))
    assert run.returncode == 0, run.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf_out), "-"], capture_output=True, text=True).stdout
    assert "Order history — Ελένη" in text and "Filter: channel marketplace" in text
    assert all(o.order_number in text for o in wanted)


def test_a_bad_target_is_one_line_and_writes_nothing(seeded: tuple[Path, tuple[Order, ...]], tmp_path: Path) -> None:
    """A missing folder or a folder as target: one line on stderr, exit 1, no file."""
    home, _ = seeded
    for target in (tmp_path / "missing" / "x.pdf", tmp_path):
        run = cli(home, "export", "--format", "pdf", "-o", str(target))
        assert run.returncode == 1 and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []


def _interrupt_mid_write(target: Path, env: dict[str, str]) -> subprocess.Popen[str] | None:
    """Start a PDF export to ``target``, freeze it while its temp file exists, then send Ctrl-C.

    Returns the interrupted process, or None when the export finished before it could be frozen
    mid-write (the caller tries again).
    """
    out_dir = target.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "export", "--format", "pdf", "--force", "-o", str(target)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".part") for p in out_dir.iterdir()):
            break
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(signal.SIGSTOP)  # frozen: the check below cannot race the writer
        mid_write = any(p.name.endswith(".part") for p in out_dir.iterdir())
        mid_write = mid_write and target.read_bytes() == b"previous export"
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGCONT)
        if mid_write:
            return proc
    proc.communicate(timeout=60)
    target.write_bytes(b"previous export")
    return None


def test_an_interrupted_export_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    """Ctrl-C while the PDF is being built: exit 130, the previous file is unchanged, no temp file remains."""
    home = tmp_path / "home"
    home.mkdir()
    seed_home(home, 800)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "history.pdf"
    target.write_bytes(b"previous export")
    env = cli_env(home, passphrase=PASSPHRASE)
    proc = None
    for _ in range(5):
        proc = _interrupt_mid_write(target, env)
        if proc is not None:
            break
    assert proc is not None, "the export never stayed mid-write long enough to be interrupted"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip() == "ordertrack: export cancelled; nothing was written"
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in out_dir.iterdir()] == ["history.pdf"]
