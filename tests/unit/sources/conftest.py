"""Fixtures for the source tests: a recording sleep and a fast retry policy."""

from __future__ import annotations

import pytest
from sources_helpers import Sleeper

from services.sources.http import RetryPolicy


@pytest.fixture
def sleeper() -> Sleeper:
    """A sleep replacement that records the waits."""
    return Sleeper()


@pytest.fixture
def fast_policy() -> RetryPolicy:
    """Three attempts, waits capped at 60 s (never slept for real in tests)."""
    return RetryPolicy(max_attempts=3, max_wait=60.0, backoff=0.01, backoff_max=0.05)
