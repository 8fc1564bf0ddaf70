"""Fixtures for integration tests: a real demo backend on a free loopback port, real SQLite files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from services.demo import DemoServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    """A running demo backend with 60 orders and a bearer token."""
    server = DemoServer(orders=60, seed=11, token="t0k-3xample")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty ORDERTRACK_HOME."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def run_cli(home: Path, *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m app ARGS`` with ORDERTRACK_HOME=home."""
    env = dict(os.environ, ORDERTRACK_HOME=str(home), PYTHONPATH=str(ROOT))
    if type(keyring.get_keyring()).__module__ != "keyring.backends.SecretService":
        # No Secret Service (plain `pytest` on a developer machine): the encrypted cache needs a passphrase.
        env.setdefault("ORDERTRACK_PASSPHRASE", "integration-test-passphrase")
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
