"""`make mobile-check`: the phone build's pip step, dry-run against PyPI and the stand-in index list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.mobile_check import TARGETS, check_target, flet_requirements, read_index_list
from tests.packaging.flet_build import ROOT

LINE = "3.13"


def test_index_list_names_its_source() -> None:
    """Ensure the stand-in list says where its versions come from and lists only phone platforms."""
    text = (ROOT / "build" / "flet-mobile-index.txt").read_text(encoding="utf-8")
    assert "Source:" in text and "mobile-forge" in text
    entries = read_index_list()
    assert {e.name for e in entries} >= {"msgpack", "pillow"}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_phone_installs_everything(target: str) -> None:
    """Ensure every package of the phone's list has a wheel for the device, binaries named by source."""
    phone = TARGETS[target]
    installs, missing = check_target(phone, LINE, flet_requirements(ROOT, phone.config_platform), read_index_list(),
                                     say=lambda _: None)
    assert missing == []
    by_name = {i.name.lower(): i for i in installs}
    assert "sqlcipher3" not in by_name and "keyring" not in by_name and "flet-desktop" not in by_name
    assert by_name["msgpack"].source == "Flet mobile index (stand-in list)"
    assert by_name["flet"].wheel == "flet-1.0.5-py3-none-any.whl"
    for item in installs:
        assert item.wheel.endswith("-none-any.whl") or phone.name in item.wheel, item


def test_desktop_only_package_is_named() -> None:
    """Ensure a package without a phone wheel fails the check by name (here: sqlcipher3 without its marker)."""
    phone = TARGETS["android_24_arm64_v8a"]
    requirements = [*flet_requirements(ROOT, "android"), "sqlcipher3==0.6.4"]
    _, missing = check_target(phone, LINE, requirements, read_index_list(), say=lambda _: None)
    assert missing == ["sqlcipher3"]


def test_missing_index_entry_is_named(tmp_path: Path) -> None:
    """Ensure a binary dependency the index list lacks is reported, along with any other."""
    phone = TARGETS["ios_13_0_arm64_iphoneos"]
    index = [e for e in read_index_list() if e.name != "msgpack"]
    requirements = [*flet_requirements(ROOT, "ios"), "sqlcipher3==0.6.4"]
    _, missing = check_target(phone, LINE, requirements, index, say=lambda _: None)
    assert sorted(missing) == ["msgpack", "sqlcipher3"]


def test_script_exits_non_zero_naming_the_package(tmp_path: Path) -> None:
    """Ensure `make mobile-check` fails with the package's name when the stand-in list lacks it."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" != LINE:
        pytest.skip(f"the script runs on the bundled line, Python {LINE}")
    empty = tmp_path / "index.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "mobile_check.py"), "--target", "android_24_arm64_v8a",
         "--index-list", str(empty)],
        capture_output=True, text=True, check=False, timeout=240,
    )
    assert result.returncode == 1
    named = result.stderr.split("android_24_arm64_v8a build cannot install: ", 1)[1].split(" (", 1)[0]
    assert sorted(named.split(", ")) == ["msgpack", "pillow"]

