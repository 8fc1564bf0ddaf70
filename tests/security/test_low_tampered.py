"""Tampered kdf.json / settings.json and extreme command-line values: one line, no traceback, no runaway memory."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from app.database import kdf_path, open_store
from app.paths import db_path
from app.settings import Settings
from services.domain import StorageError
from tests.support.cli import run_cli
from tests.support.keys import NoKeyring

PASSPHRASE = "tamper-test-passphrase"
SALT = "00" * 16


pytestmark = pytest.mark.usefixtures("no_terminal_prompt")


def params(**changes: object) -> str:
    """Today's parameters with ``changes``, as JSON text."""
    return json.dumps({"kdf": "scrypt", "n": 2**17, "r": 8, "p": 1, "salt": SALT} | changes)


TAMPERED_KDF = {
    "garbage": "\x00\xff not json at all",
    "a list": "[1, 2, 3]",
    "empty object": "{}",
    "another kdf": params(kdf="pbkdf2"),
    "n as text": params(n="131072"),
    "n as a boolean": params(n=True),
    "n as a float": params(n=1e308),
    "n = 2^40 (a terabyte of memory)": params(n=2**40),
    "n = 2^20 with r = 8 (1 GiB)": params(n=2**20),
    "n not a power of two": params(n=131071),
    "n tiny": params(n=2),
    "r huge": params(r=10**9),
    "p huge": params(p=10**6),
    "a 5000-digit n": '{"kdf": "scrypt", "n": ' + "9" * 5000 + ', "r": 8, "p": 1, "salt": "' + SALT + '"}',
    "salt not hex": params(salt="zz" * 16),
    "salt of 10 MB": params(salt="00" * 5_000_000),
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("content", TAMPERED_KDF.values(), ids=list(TAMPERED_KDF))
def test_a_tampered_kdf_file_is_one_storage_error(tmp_path: Path, content: str) -> None:
    """Every tampered parameters file: StorageError in one line naming the file, which is left as it was."""
    home = tmp_path / "home"
    home.mkdir()
    kdf = kdf_path(db_path(home))
    kdf.write_text(content, encoding="utf-8", errors="surrogateescape")
    with pytest.raises(StorageError) as caught:
        open_store(home, NoKeyring(), passphrase=PASSPHRASE)
    message = str(caught.value)
    assert "\n" not in message and str(kdf) in message and len(message) < 600
    assert kdf.read_text(encoding="utf-8", errors="surrogateescape") == content


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m app ARGS`` on ``home`` with the passphrase in the environment."""
    return run_cli(home, *args, passphrase=PASSPHRASE)


def test_the_cli_reports_an_absurd_scrypt_cost_in_one_line(tmp_path: Path) -> None:
    """N=2^40 in kdf.json: the CLI exits 1 with one line at once instead of trying to allocate a terabyte."""
    home = tmp_path / "home"
    home.mkdir()
    kdf_path(db_path(home)).write_text(params(n=2**40))
    run = cli(home, "orders", "--format", "json")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("ordertrack: Local cache problem: the passphrase settings of the cache")


TAMPERED_SETTINGS = {
    "demo": {"orders": 10**12, "seed": "abc", "anchor": "99999-01-01T00:00:00Z"},
    "sync_interval_seconds": 1e308,
    "history_after_days": 10**20,
    "theme": ["dark"],
}


def test_tampered_settings_fall_back_to_defaults_with_one_warning_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong types, huge numbers and a year-99999 anchor: defaults, one warning line per value, no exception."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text(json.dumps(TAMPERED_SETTINGS))
    with caplog.at_level(logging.WARNING, logger="app.settings"):
        settings = Settings.load(home)
    assert settings == Settings()
    assert len(caplog.records) == 6 and all("\n" not in r.getMessage() for r in caplog.records)
    assert all(len(r.getMessage()) < 200 for r in caplog.records)


@pytest.mark.parametrize(
    "content",
    ["\x00garbage", "[]", "[" * 100_000 + "]" * 100_000, '{"history_after_days": ' + "9" * 5000 + "}"],
    ids=["garbage", "a list", "deeply nested", "a 5000-digit number"],
)
def test_an_unreadable_settings_file_gives_the_defaults(tmp_path: Path, content: str) -> None:
    """Garbage, a list, deep nesting or a 5000-digit number: the defaults, no exception."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text(content)
    assert Settings.load(home) == Settings()


def test_the_cli_runs_on_tampered_settings(tmp_path: Path) -> None:
    """`archive move` with the tampered settings: it runs with the defaults; stderr has warnings, no traceback."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text(json.dumps(TAMPERED_SETTINGS))
    run = cli(home, "archive", "move")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "finished and unchanged for 30 days" in run.stdout
    assert all(line.startswith("WARNING app.settings: settings.json: ") for line in run.stderr.strip().splitlines())


EXTREME_ARGS = [
    ["demo-server", "--port", "0", "--orders", str(10**12)],
    ["demo-server", "--port", "99999"],
    ["demo-server", "--port", "0", "--seed", str(10**40)],
    ["run", "--web", "--port", "99999999"],
    ["archive", "move", "--after-days", str(10**20)],
    ["archive", "move", "--after-days", "100000000"],
    ["archive", "list", "--limit", str(10**21)],
    ["orders", "--limit", str(10**21)],
    ["orders", "--limit", "0"],
    ["notifications", "--limit", str(10**24)],
    ["sync", "--follow", "--interval", "1e308"],
    ["sync", "--follow", "--interval", "nan"],
    ["sync", "--follow", "--interval", "inf"],
    ["sync", "--follow", "--interval", "-5"],
    ["stats", "--since", "99999-01-01"],
    ["stats", "--since", "9999-12-31"],
    ["stats", "--since", "0001-01-01"],
    ["orders", "--from", "0001-01-01T00:00:00+01:00"],
    ["orders", "--to", "9999-12-31T23:00:00-05:00"],
    ["export", "--format", "csv", "--from", "1-01-01", "-o", "x.csv"],
    ["prefs", "set", "stale_days", str(10**20)],
    ["prefs", "set", "smtp.port", str(10**30)],
]


@pytest.mark.parametrize("argv", EXTREME_ARGS, ids=[" ".join(a)[:60] for a in EXTREME_ARGS])
def test_extreme_arguments_are_one_line_usage_errors(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each extreme value: exit 2 with one line on stderr, before anything runs."""
    monkeypatch.setenv("ORDERTRACK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ORDERTRACK_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    [line] = err.strip().splitlines()
    assert line.startswith("ordertrack: ") and len(line) < 300


@pytest.mark.parametrize("value", ["inf", "nan", "1e308", "-1"])
def test_extreme_sync_environment_values_are_one_line_errors(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ORDERTRACK_SYNC_INTERVAL=inf / nan / 1e308: exit 2 with one line, the follow loop never starts."""
    monkeypatch.setenv("ORDERTRACK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ORDERTRACK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("ORDERTRACK_SYNC_INTERVAL", value)
    code = main(["sync", "--follow"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("ordertrack: ORDERTRACK_SYNC_INTERVAL must be a number above 0")
