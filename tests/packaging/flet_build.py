"""flet_cli 1.0.5 itself, pointed at this project: what `flet build` would compute, without Flutter.

`flet build` downloads python-build's manifest to know which Python lines it can bundle; the copy in
build/ (see build/README.md) stands in for it so this runs offline.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flet_cli.commands.build import Command
from flet_cli.utils import python_versions
from flet_cli.utils.pyproject_toml import load_pyproject_toml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "build" / "python-build-manifest.json"


@contextmanager
def offline_manifest(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make flet_cli read the checked-in python-build manifest instead of downloading it."""
    monkeypatch.setenv(python_versions.MANIFEST_PATH_ENV, str(MANIFEST))
    python_versions._load_data.cache_clear()
    try:
        yield
    finally:
        python_versions._load_data.cache_clear()


def build_command(target: str, project: Path = ROOT) -> Command:
    """Return flet_cli's build command for `target` with its template data computed for `project`."""
    parser = argparse.ArgumentParser()
    command = Command(parser)
    command.options = parser.parse_args([target, str(project)])
    command.target_platform = target
    command.package_platform = command.platforms[target]["package_platform"]
    command.config_platform = command.platforms[target]["config_platform"]
    command.python_app_path = project
    command.get_pyproject = load_pyproject_toml(project)
    command.python_release = python_versions.resolve_python_version(None, command.get_pyproject)
    # Only asserted to be set here; the Flutter project itself is never created.
    command.build_dir = project / "build"
    command.flutter_dir = project / "build" / "flutter"
    command.setup_template_data()
    return command


def template_data(command: Command) -> dict[str, Any]:
    """The values flet build renders into AndroidManifest.xml, Info.plist and pubspec.yaml."""
    data = command.template_data
    assert isinstance(data, dict)
    return data
