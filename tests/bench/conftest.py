"""Shared helpers for the benchmarks: a results table printed at the end of `make bench`.

Absolute budgets flip with the machine, so each figure is measured beside a floor: the same job
done the plainest way (a trivial Flet app, the csv module, unstyled reportlab...) in the same run.
The budget is the ratio figure / floor (``record_ratio``). Peak memory of a job is measured in a
fresh process through a small launcher (``run_measured``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS: list[tuple[str, str, str, str, str]] = []


def record(name: str, budget: str, measured: str, ok: bool, floor: str = "") -> None:
    """Add one row to the benchmark table (``floor``: what the figure is compared with)."""
    RESULTS.append((name, budget, measured, floor, "ok" if ok else "OVER BUDGET"))
    print(f"BENCH {name}: {measured} (budget {budget}{'; floor ' + floor if floor else ''})", flush=True)


def fmt_value(value: float, unit: str) -> str:
    """Format a measured value in its unit (``s`` or ``ms`` or ``MB``...)."""
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    return f"{value:.0f} {unit}"


def record_ratio(
    name: str,
    value: float,
    floor: float,
    max_ratio: float,
    *,
    unit: str = "s",
    floor_name: str = "floor",
    note: str = "",
) -> float:
    """Record ``value`` against ``floor`` (both in ``unit``); the budget is ``value / floor <= max_ratio``.

    Returns the ratio. A floor of zero (too fast to time) counts as the smallest positive value.
    """
    ratio = value / max(floor, 1e-9)
    measured = f"x{ratio:.2f}: {fmt_value(value, unit)}" + (f" ({note})" if note else "")
    record(name, f"<= x{max_ratio:g}", measured, ratio <= max_ratio, f"{floor_name} {fmt_value(floor, unit)}")
    return ratio


LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
child = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE)
seconds = time.perf_counter() - started
sys.stdout.buffer.write(child.stdout)
with open(sys.argv[1], "w") as out:
    out.write(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {seconds}")
sys.exit(child.returncode)
"""
"""Runs its arguments as a child and writes the child's peak resident size (KB) and wall time to a file.

A child forked by pytest itself would carry pytest's own high-water mark (Linux keeps it across exec),
so the measured process is the child of this small launcher instead.
"""


@dataclass(frozen=True)
class Measured:
    """What ``run_measured`` saw: the job's stdout, its peak resident size and its wall time."""

    stdout: str
    peak_mb: float
    seconds: float


def run_measured(code: str, tmp: Path, *, env: dict[str, str] | None = None, timeout: float = 900) -> Measured:
    """Run ``python -c code`` (project on the path) in a fresh process; return its output, peak RSS and time."""
    peak = tmp / f"peak-{len(list(tmp.glob('peak-*')))}.txt"
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(peak), sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(env or os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    kb, seconds = peak.read_text().split()
    return Measured(done.stdout, int(kb) / 1024, float(seconds))


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_10k() -> Iterator[str]:
    """A demo backend with 10,000 orders in its own process (as a remote server would be)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "demo-server", "--port", str(port), "--orders", "10000", "--seed", "5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_demo/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the table of every benchmark figure."""
    if not RESULTS:
        return
    tr = terminalreporter
    tr.write_sep("=", "benchmarks")
    width = max(len(r[0]) for r in RESULTS)
    tr.write_line(f"{'benchmark':<{width}}  {'budget':<14}  {'measured':<46}  {'floor':<30}  verdict")
    for name, budget, measured, floor, verdict in RESULTS:
        tr.write_line(f"{name:<{width}}  {budget:<14}  {measured:<46}  {floor or '-':<30}  {verdict}")
