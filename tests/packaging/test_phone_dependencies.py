"""The dependency list per platform, computed the way `flet build` computes it (flet_cli's own functions)."""

from __future__ import annotations

import re

import pytest
from flet_cli.utils.project_dependencies import get_project_dependencies
from flet_cli.utils.pyproject_toml import load_pyproject_toml
from flet_cli.utils.python_versions import resolve_python_version
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts.mobile_check import flet_requirements
from tests.packaging.flet_build import ROOT, offline_manifest

SHARED = {
    "flet", "httpx", "httpx-sse", "sqlalchemy", "alembic", "platformdirs", "tenacity", "reportlab",
    "tracking-numbers", "uvicorn", "starlette", "sse-starlette",
}
PHONE_ONLY = {"flet-secure-storage", "flet-local-auth", "flet-permission-handler", "flet-notifications"}
DESKTOP_ONLY = {"flet-web", "flet-desktop", "keyring", "plyer", "jeepney", "sqlcipher3", "rl-accel"}


def effective(requirements: list[str], system: str) -> dict[str, Requirement]:
    """Return the requirements pip installs where platform.system() says `system`."""
    environment = {**default_environment(), "platform_system": system}
    chosen = {}
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            chosen[canonicalize_name(requirement.name)] = requirement
    return chosen


def flet_cli_list(config_platform: str) -> list[str]:
    """What flet_cli's package_python_app hands to pip: project deps, then the platform table's."""
    get_pyproject = load_pyproject_toml(ROOT)
    requirements = get_project_dependencies(get_pyproject("project.dependencies")) or []
    requirements.extend(get_project_dependencies(get_pyproject(f"tool.flet.{config_platform}.dependencies")) or [])
    return requirements


@pytest.mark.parametrize(("config_platform", "system"), [("android", "Android"), ("ios", "iOS")])
def test_phone_list_is_shared_plus_phone_extensions(config_platform: str, system: str) -> None:
    """Ensure the phone installs the shared packages and its Flet extensions, and no desktop-only one."""
    requirements = flet_cli_list(config_platform)
    assert requirements == flet_requirements(ROOT, config_platform)
    names = set(effective(requirements, system))
    assert names == SHARED | PHONE_ONLY
    assert not names & DESKTOP_ONLY


@pytest.mark.parametrize("system", ["Linux", "Windows", "Darwin"])
def test_desktop_list_keeps_its_packages(system: str) -> None:
    """Ensure desktops (pip install -e ., flet build linux|windows|macos) still get every desktop package."""
    names = set(effective(flet_cli_list("linux"), system))
    assert names == SHARED | DESKTOP_ONLY
    assert not names & PHONE_ONLY


def test_every_dependency_is_pinned_without_native_extras() -> None:
    """Ensure each requirement is pinned exactly and none pulls an extra (uvicorn[standard] has no phone wheels)."""
    get_pyproject = load_pyproject_toml(ROOT)
    tables = ["project.dependencies", "tool.flet.android.dependencies", "tool.flet.ios.dependencies"]
    for table in tables:
        for text in get_pyproject(table):
            requirement = Requirement(text)
            assert re.fullmatch(r"==\d+(\.\d+)*", str(requirement.specifier)), f"{table}: {text} is not pinned"
            assert not requirement.extras, f"{table}: {text} pulls extras"


def test_flet_extensions_match_flet() -> None:
    """Ensure the Flet-made phone extensions carry Flet's own version (their Dart half must match the client)."""
    get_pyproject = load_pyproject_toml(ROOT)
    flet = next(Requirement(t) for t in get_pyproject("project.dependencies") if t.startswith("flet=="))
    for config_platform in ("android", "ios"):
        for text in get_pyproject(f"tool.flet.{config_platform}.dependencies"):
            requirement = Requirement(text)
            if requirement.name in {"flet-secure-storage", "flet-local-auth", "flet-permission-handler"}:
                assert requirement.specifier == flet.specifier, text


def test_build_bundles_python_313(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ensure flet_cli picks 3.13 from requires-python: the line `make test` runs the suite on."""
    with offline_manifest(monkeypatch):
        release = resolve_python_version(None, load_pyproject_toml(ROOT))
    assert release.short == "3.13"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^PHONE_PY_LINE := 3\.13$", makefile, re.MULTILINE)
    assert "Python 3.13" in (ROOT / "build" / "README.md").read_text(encoding="utf-8")
