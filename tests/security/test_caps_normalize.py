"""`ordertrack normalize` reads at most 16 MiB from standard input or a file (an endless stream included)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import ROOT, cli_env

LIMIT = 16 * 1024 * 1024


def normalize(home: Path, file: str, stdin: object) -> subprocess.CompletedProcess[str]:
    """Run `ordertrack normalize --source ordertrack FILE` with ``stdin`` as its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "app", "normalize", "--source", "ordertrack", file],
        cwd=ROOT,
        env=cli_env(home),
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused(result: subprocess.CompletedProcess[str], name: str) -> None:
    """Exit 2 with one line naming the cap, nothing printed, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"ordertrack: cannot read {name}: larger than 16 MiB"], result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_standard_input_is_cut_at_the_cap(tmp_path: Path) -> None:
    """`normalize -` fed from /dev/zero (never ends): one line, exit 2, instead of reading for ever."""
    with open("/dev/zero", "rb") as endless:
        result = normalize(tmp_path, "-", endless)
    assert_refused(result, "standard input")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_cut_at_the_cap(tmp_path: Path) -> None:
    """A device that reports size 0 but never ends: the read itself is bounded."""
    assert_refused(normalize(tmp_path, "/dev/zero", subprocess.DEVNULL), "/dev/zero")


def test_a_payload_just_over_the_cap_is_refused_and_one_under_is_read(tmp_path: Path) -> None:
    """17 MiB on standard input is refused; a small valid payload on standard input still normalizes."""
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.write(b'{"orders": [' + b" " * (LIMIT + 1024) + b"]}")
    with big.open("rb") as stdin:
        assert_refused(normalize(tmp_path, "-", stdin), "standard input")
    small = tmp_path / "small.json"
    small.write_text('{"orders": []}', encoding="utf-8")
    with small.open("rb") as stdin:
        ok = normalize(tmp_path, "-", stdin)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().replace(" ", "").replace("\n", "") == '{"orders":[]}'
