"""Shared helpers for the benchmarks: a results table printed at the end of `make bench`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS: list[tuple[str, str, str, str]] = []


def record(name: str, budget: str, measured: str, ok: bool) -> None:
    """Add one row to the benchmark table."""
    RESULTS.append((name, budget, measured, "ok" if ok else "OVER BUDGET"))
    print(f"BENCH {name}: {measured} (budget {budget})", flush=True)


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
    tr.write_line(f"{'benchmark':<{width}}  {'budget':<14}  {'measured':<40}  verdict")
    for name, budget, measured, verdict in RESULTS:
        tr.write_line(f"{name:<{width}}  {budget:<14}  {measured:<40}  {verdict}")
