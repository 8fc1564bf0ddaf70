"""The build configuration as flet_cli 1.0.5 reads it: identity, permissions, deep link, icon, splash."""

from __future__ import annotations

import tomllib

import pytest
import yaml
from PIL import Image

from tests.packaging.flet_build import ROOT, build_command, offline_manifest, template_data

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("target", ["apk", "aab", "ipa"])
def test_phone_identity_comes_from_pyproject(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """Ensure bundle id, version and build number reach the build from pyproject.toml alone."""
    with offline_manifest(monkeypatch):
        command = build_command(target)
    data = template_data(command)
    assert data["bundle_id"] == "com.ordertrack.app"
    assert data["product_name"] == "Order Tracking"
    assert data["options"]["python_version"] == "3.13"
    args: list[str] = []
    command.add_flutter_command_args(args)
    version = PYPROJECT["project"]["version"]
    build_number = PYPROJECT["tool"]["flet"]["build_number"]
    assert isinstance(build_number, int) and build_number >= 1
    assert args[args.index("--build-name") + 1] == version
    assert args[args.index("--build-number") + 1] == str(build_number)


def test_android_manifest_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ensure the APK asks for internet, notifications and biometrics and opens ordertrack://order/..."""
    with offline_manifest(monkeypatch):
        data = template_data(build_command("apk"))
    permissions = data["options"]["android_permissions"]
    for name in ("INTERNET", "POST_NOTIFICATIONS", "USE_BIOMETRIC"):
        assert permissions.get(f"android.permission.{name}") is True, name
    assert data["options"]["deep_linking"] == {"scheme": "ordertrack", "host": "order"}


def test_ios_info_plist_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ensure the IPA explains Face ID in its own words and opens ordertrack://order/..."""
    with offline_manifest(monkeypatch):
        data = template_data(build_command("ipa"))
    face_id = data["options"]["info_plist"]["NSFaceIDUsageDescription"]
    assert "Order Tracking" in face_id and "Face ID" in face_id
    assert data["options"]["deep_linking"] == {"scheme": "ordertrack", "host": "order"}


def test_web_build_serves_its_own_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ensure `flet build web` would not load the client from a CDN."""
    with offline_manifest(monkeypatch):
        command = build_command("web")
    assert command.resolve_no_cdn() is True


@pytest.mark.parametrize("name", ["icon.png", "splash.png"])
def test_icon_and_splash_art(name: str) -> None:
    """Ensure the icon and splash flet build picks up from assets/ are 1024x1024 drawings with see-through corners."""
    with Image.open(ROOT / "assets" / name) as image:
        assert image.format == "PNG"
        assert image.size == (1024, 1024)
        rgba = image.convert("RGBA")
    colours = rgba.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 8, "a drawing, not a flat square"
    # flet build frames a transparent icon itself and fills behind it with icon_background.
    assert all(rgba.getpixel(corner)[3] == 0 for corner in [(0, 0), (1023, 0), (0, 1023), (1023, 1023)])
    assert rgba.getpixel((512, 512))[3] == 255


def test_icon_background_is_the_brand_colour() -> None:
    """Ensure iOS and Android put the icon on the brand blue, not the default white."""
    assert PYPROJECT["tool"]["flet"]["icon_background"] == "#0E5A8A"


def test_ci_workflow_builds_apk_and_linux() -> None:
    """Ensure the maintainers' CI workflow runs the two builds and the patch step the APK needs."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8"))
    scripts = "\n".join(
        step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]
    )
    assert "flet build apk" in scripts
    assert "flet build linux" in scripts
    assert "flet-notifications-patch" in scripts
    assert "make mobile-check" in scripts


def test_build_readme_names_every_target() -> None:
    """Ensure build/README.md gives a command for every target."""
    text = (ROOT / "build" / "README.md").read_text(encoding="utf-8")
    for target in ("apk", "aab", "ipa", "macos", "windows", "linux", "web"):
        assert f"flet build {target}" in text, target
