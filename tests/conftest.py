"""Fixtures any suite may ask for by name (none is autouse)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.database import set_passphrase_prompt, terminal_prompt
from services.storage import Store
from tests.integration import fake_notifyd


@pytest.fixture
def no_terminal_prompt() -> Iterator[None]:
    """Never ask on a terminal during the test."""
    set_passphrase_prompt(None)
    yield
    set_passphrase_prompt(terminal_prompt)


@pytest.fixture
def notifyd(tmp_path: Path) -> Iterator[Path]:
    """A recording org.freedesktop.Notifications daemon on the session bus; yields its log file."""
    log = tmp_path / "notify.jsonl"
    proc = fake_notifyd.start(log)
    yield log
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh cache file (unit/storage and unit/ui have their own)."""
    s = Store.open(tmp_path / "cache.db")
    yield s
    s.close()
