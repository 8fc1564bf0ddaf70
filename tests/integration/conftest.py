"""Fixtures for integration tests: a real demo backend on a free loopback port, real SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.demo import DemoServer


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
