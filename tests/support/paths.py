"""Where the shared test data lives (next to the repository: vendor payloads and public datasets)."""

from __future__ import annotations

from tests.support.cli import ROOT

VENDOR_FIXTURES = ROOT / ".." / "shared" / "fixtures" / "vendor"
"""Captured vendor payloads, one folder per vendor."""
TRACKING_NUMBER_DATASET = VENDOR_FIXTURES / "tracking_numbers" / "jkeen_test_numbers_vs_tracking-numbers-0.1.8.json"
"""The public tracking-number test set (valid and invalid numbers per courier)."""
