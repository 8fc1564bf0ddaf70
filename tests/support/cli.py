"""Running ``python -m app`` as a real subprocess on a private data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parents[2]
FALLBACK_PASSPHRASE = "integration-test-passphrase"
"""Used when the machine has no Secret Service (plain `pytest` on a developer machine)."""


def cli_env(home: Path, *, passphrase: str | None = None, **extra: str) -> dict[str, str]:
    """Return the app's environment on ``home``.

    With ``passphrase`` the cache is protected by it; without, by the keyring of the test session (or
    FALLBACK_PASSPHRASE where there is no Secret Service, since the encrypted cache needs one of them).
    """
    env = dict(os.environ, ORDERTRACK_HOME=str(home), PYTHONPATH=str(ROOT), **extra)
    if passphrase is not None:
        env["ORDERTRACK_PASSPHRASE"] = passphrase
    elif type(keyring.get_keyring()).__module__ != "keyring.backends.SecretService":
        env.setdefault("ORDERTRACK_PASSPHRASE", FALLBACK_PASSPHRASE)
    return env


def run_cli(
    home: Path,
    *args: str,
    stdin: str | None = None,
    timeout: float = 120,
    passphrase: str | None = None,
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m app ARGS`` with ORDERTRACK_HOME=home (see :func:`cli_env`) and return it finished."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=cli_env(home, passphrase=passphrase, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def follow(home: Path, *, stderr: int = subprocess.STDOUT, **extra: str) -> subprocess.Popen[str]:
    """Start ``python -m app sync --follow`` on ``home`` (text stdout piped; stderr as asked)."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", "sync", "--follow"],
        cwd=ROOT,
        env=cli_env(home, **extra),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
