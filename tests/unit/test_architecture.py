"""Architecture and code-quality gates run by the suite: layering, ruff, mypy strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*cmd: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_import_linter_contracts_hold() -> None:
    """The layering of DESIGN.md holds (import-linter contracts in pyproject.toml)."""
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_services_never_loads_flet() -> None:
    """The engine imports without the UI toolkit."""
    code = (
        "import sys, services.domain, services.storage, services.sync, services.demo, services.credentials, "
        "services.notify, services.export;"
        "sys.exit(1 if any(m == 'flet' or m.startswith('flet.') for m in sys.modules) else 0)"
    )
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr


def test_ruff_is_clean() -> None:
    """ruff reports nothing on the code and the tests."""
    result = _run(str(BIN / "ruff"), "check", "app", "services", "views", "tests", "main.py")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(900)
def test_mypy_strict_is_clean() -> None:
    """mypy --strict (configured in pyproject.toml) passes on app/ services/ views/."""
    result = _run(str(BIN / "mypy"), timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_plaintext_keyring_installed() -> None:
    """keyrings.alt (a silent plaintext keyring) is not in the environment."""
    result = _run(sys.executable, "-m", "pip", "show", "keyrings.alt")
    assert result.returncode != 0, "keyrings.alt is installed: it would silently store secrets in plaintext"
