"""Can the phone install our dependencies? A dry run of `flet build apk|ipa`'s pip step.

What `flet build` does for Android and iOS (flet_cli 1.0.5 `package_python_app`, serious_python's
`package` command):
  requirements = project.dependencies + [tool.flet.<android|ios>].dependencies   (flet_cli's functions)
  pip install --only-binary :all: --target site-packages <requirements>
      run by the bundled Python line, with a sitecustomize that makes platform.system() say
      "Android"/"iOS" (so PEP 508 platform_system markers select per platform) and gives pip the
      device's wheel tag; Flet's mobile wheel index is added next to PyPI.
This script does the same as a dry run (`--dry-run --report`) for android_24_arm64_v8a and
ios_13_0_arm64_iphoneos, passing the tags explicitly with --platform / --python-version. Flet's
mobile index is unreachable here, so build/flet-mobile-index.txt stands in for it (see that file).

It prints, per platform, every package the phone gets and the wheel it comes from, and fails naming
each package no wheel exists for. Run it with the Python line the build bundles (`make mobile-check`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flet_cli.utils.project_dependencies import get_project_dependencies
from flet_cli.utils.pyproject_toml import load_pyproject_toml
from flet_cli.utils.python_versions import resolve_python_version
from packaging.requirements import Requirement
from packaging.tags import android_platforms, ios_platforms, sys_tags
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
INDEX_LIST = ROOT / "build" / "flet-mobile-index.txt"
# The python-build manifest flet_cli reads to know which Python lines a build can bundle
# (it downloads it; a checked-in copy lets this run offline, see build/README.md).
MANIFEST = ROOT / "build" / "python-build-manifest.json"
MAX_ROUNDS = 25


@dataclass(frozen=True)
class Target:
    """One device the build installs wheels for."""

    name: str  # the wheel platform tag, as in the pip step
    system: str  # what platform.system() says during the build's pip install
    config_platform: str  # the [tool.flet.<config_platform>] table flet build reads
    platforms: tuple[str, ...]  # every wheel platform tag pip accepts there, best first
    sysconfig_platform: str  # sysconfig.get_platform() during the build's pip install


TARGETS = {
    "android_24_arm64_v8a": Target(
        name="android_24_arm64_v8a",
        system="Android",
        config_platform="android",
        platforms=tuple(android_platforms(24, "arm64_v8a")),
        sysconfig_platform="android-24-arm64_v8a",
    ),
    "ios_13_0_arm64_iphoneos": Target(
        name="ios_13_0_arm64_iphoneos",
        system="iOS",
        config_platform="ios",
        platforms=tuple(ios_platforms((13, 0), "arm64_iphoneos")),
        sysconfig_platform="ios-13.0-arm64-iphoneos",
    ),
}

# Written into the pip process's PYTHONPATH: the phone's answers to the questions pip asks while it
# evaluates markers (the answers flet build's pip step gets). The wheel tags are given explicitly with
# --platform, so the interpreter's own build configuration (sys.implementation) stays untouched.
_SITECUSTOMIZE = """\
import collections, platform, sysconfig
_system, _plat = {system!r}, {plat!r}
platform.system = lambda: _system
sysconfig.get_platform = lambda: _plat
if _system == "Android":
    _Ver = collections.namedtuple("_Ver", "release api_level manufacturer model device is_emulator")
    platform.android_ver = lambda *a, **k: _Ver("", int(_plat.split("-")[1]), "", "", "", False)
if _system == "iOS":
    _Ver = collections.namedtuple("_Ver", "system release model is_simulator")
    platform.ios_ver = lambda *a, **k: _Ver("iOS", _plat.split("-")[1], "iPhone", False)
"""


@dataclass(frozen=True)
class IndexEntry:
    """One line of build/flet-mobile-index.txt."""

    name: str
    version: str
    platforms: frozenset[str]


@dataclass(frozen=True)
class Install:
    """One package pip would put on the phone."""

    name: str
    version: str
    wheel: str
    source: str


def read_index_list(path: Path = INDEX_LIST) -> list[IndexEntry]:
    """Parse the stand-in list: `name version platforms [comment]` per line, `#` comments."""
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 3:
            raise SystemExit(f"{path.name}:{number}: expected 'name version platforms', got {raw!r}")
        platforms = frozenset(p.strip() for p in parts[2].split(","))
        unknown = platforms - {"android", "ios"}
        if unknown:
            raise SystemExit(f"{path.name}:{number}: unknown platform {sorted(unknown)[0]!r}")
        entries.append(IndexEntry(str(canonicalize_name(parts[0])), parts[1], platforms))
    return entries


def flet_requirements(project_dir: Path, config_platform: str) -> list[str]:
    """Return the requirement list `flet build` hands to pip for a platform, computed by flet_cli itself."""
    get_pyproject = load_pyproject_toml(project_dir)
    requirements = get_project_dependencies(get_pyproject("project.dependencies")) or []
    platform_requirements = get_project_dependencies(get_pyproject(f"tool.flet.{config_platform}.dependencies"))
    if platform_requirements:
        requirements.extend(platform_requirements)
    return requirements


def bundled_python_line(project_dir: Path) -> str:
    """Return the Python line (e.g. "3.13") `flet build` would bundle for this project."""
    if MANIFEST.is_file():
        os.environ.setdefault("FLET_PYTHON_BUILD_MANIFEST", str(MANIFEST))
    return resolve_python_version(None, load_pyproject_toml(project_dir)).short


def _stand_in_wheel(folder: Path, name: str, version: str, python_tag: str, platform_tag: str) -> Path:
    """Write an empty wheel of that name, version and tag: enough for pip's resolver."""
    dist = f"{name.replace('-', '_')}-{version}"
    tag = f"{python_tag}-{python_tag}-{platform_tag}"
    path = folder / f"{dist}-{tag}.whl"
    info = f"{dist}.dist-info"
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: mobile_check\nRoot-Is-Purelib: false\nTag: {tag}\n",
    }
    record = "".join(f"{member},,\n" for member in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        archive.writestr(f"{info}/RECORD", record)
    return path


_NOT_FOUND = re.compile(r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([^\s(]+)")


def _pip(args: Sequence[str], shim: Path, report: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(shim), PYTHONNOUSERSITE="1", PIP_REQUIRE_VIRTUALENV="false")
    command = [
        sys.executable, "-m", "pip", "install", "--isolated", "--disable-pip-version-check", "--dry-run",
        "--quiet", "--report", str(report), *args,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def _installs(report: Path, stand_in_dir: Path) -> list[Install]:
    data = json.loads(report.read_text(encoding="utf-8"))
    result = []
    for item in data["install"]:
        url = item["download_info"]["url"]
        wheel = url.rsplit("/", 1)[-1]
        if url.startswith("file:") and Path(url.removeprefix("file://")).parent == stand_in_dir:
            source = "Flet mobile index (stand-in list)"
        else:
            source = "PyPI"
        result.append(Install(item["metadata"]["name"], item["metadata"]["version"], wheel, source))
    return sorted(result, key=lambda i: canonicalize_name(i.name))


def check_target(
    target: Target, line: str, requirements: Sequence[str], index: Sequence[IndexEntry],
    say: Callable[[str], None] = print,
) -> tuple[list[Install], list[str]]:
    """Dry-run the phone's pip step; return what it installs and the packages it could not find."""
    python_tag = "cp" + line.replace(".", "")
    with tempfile.TemporaryDirectory(prefix="mobile-check-") as tmp:
        work = Path(tmp)
        shim, wheels, target_dir = work / "shim", work / "wheels", work / "site-packages"
        for folder in (shim, wheels, target_dir):
            folder.mkdir()
        (shim / "sitecustomize.py").write_text(
            _SITECUSTOMIZE.format(system=target.system, plat=target.sysconfig_platform),
            encoding="utf-8",
        )
        for entry in index:
            if target.config_platform in entry.platforms:
                _stand_in_wheel(wheels, entry.name, entry.version, python_tag, target.name)

        # 1. Which packages (and versions) does the phone's marker set select? Resolved for the phone's
        #    and this host's tags, so a package without a phone wheel still shows up with its version.
        host_platforms = list(dict.fromkeys(tag.platform for tag in sys_tags()))
        wanted = _pip(["--target", str(target_dir), "--only-binary", ":all:", "--python-version", line,
                       "--implementation", "cp",
                       *[arg for tag in (*target.platforms, *host_platforms) for arg in ("--platform", tag)],
                       "--find-links", str(wheels), *requirements], shim, work / "wanted.json")
        if wanted.returncode != 0:
            raise SystemExit(f"{target.name}: pip could not resolve the requirements at all:\n{wanted.stderr}")
        versions = {canonicalize_name(i.name): i.version for i in _installs(work / "wanted.json", wheels)}

        # 2. The phone's own step: only wheels for its tags. Each package pip cannot find gets an empty
        #    wheel so the next round can look past it; every one of them is reported.
        missing: list[str] = []
        phone_args = ["--target", str(target_dir), "--only-binary", ":all:", "--python-version", line,
                      "--implementation", "cp",
                      *[arg for tag in target.platforms for arg in ("--platform", tag)],
                      "--find-links", str(wheels), *requirements]
        for _ in range(MAX_ROUNDS):
            result = _pip(phone_args, shim, work / "phone.json")
            if result.returncode == 0:
                break
            found = _NOT_FOUND.search(result.stderr)
            if not found:
                raise SystemExit(f"{target.name}: pip failed:\n{result.stderr}")
            name = str(canonicalize_name(Requirement(found.group(1)).name))
            if name in missing or name not in versions:
                raise SystemExit(f"{target.name}: pip failed on {name}:\n{result.stderr}")
            missing.append(name)
            say(f"  {target.name}: no wheel for {name}=={versions[name]}")
            _stand_in_wheel(wheels, name, versions[name], python_tag, target.name)
        else:
            raise SystemExit(f"{target.name}: gave up after {MAX_ROUNDS} rounds")
        installs = [i for i in _installs(work / "phone.json", wheels) if canonicalize_name(i.name) not in missing]
        return installs, missing


def main(argv: Sequence[str] | None = None) -> int:
    """Check every phone target; exit 1 naming the packages a phone could not install."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", choices=sorted(TARGETS), action="append", help="default: all")
    parser.add_argument("--index-list", type=Path, default=INDEX_LIST, help="the stand-in for Flet's mobile index")
    args = parser.parse_args(argv)
    line = bundled_python_line(ROOT)
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != line:
        print(f"mobile-check: flet build bundles Python {line}; run this with python{line}, not {running}",
              file=sys.stderr)
        return 2
    index = read_index_list(args.index_list)
    failed: dict[str, list[str]] = {}
    for name in args.target or sorted(TARGETS):
        target = TARGETS[name]
        requirements = flet_requirements(ROOT, target.config_platform)
        installs, missing = check_target(target, line, requirements, index)
        print(f"{target.name} (Python {line}): {len(installs)} packages")
        for item in installs:
            print(f"  {item.name:<26} {item.version:<10} {item.source:<34} {item.wheel}")
        if missing:
            failed[target.name] = missing
    if failed:
        for name, missing in failed.items():
            print(f"mobile-check: the {name} build cannot install: {', '.join(missing)} "
                  "(no wheel for the phone on PyPI or in build/flet-mobile-index.txt)", file=sys.stderr)
        return 1
    print("mobile-check: every phone dependency has a wheel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
