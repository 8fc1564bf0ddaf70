"""`export -o` aimed at the data folder (directly or through a symlink) or at an existing file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.commands.common import CliError
from app.commands.export import check_target
from tests.support.cli import run_cli

PASSPHRASE = "export-target-passphrase"


def test_paths_inside_the_data_folder_are_refused_even_through_symlinks(tmp_path: Path) -> None:
    """The cache file, a new file in the folder, the folder itself, and links into it are all refused."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "ordertrack.db").write_bytes(b"cache")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "link-to-home").symlink_to(home, target_is_directory=True)
    (outside / "link-to-db.pdf").symlink_to(home / "ordertrack.db")
    (tmp_path / "home-link").symlink_to(home, target_is_directory=True)
    hostile = [
        home / "ordertrack.db",
        home / "ordertrack.db.kdf.json",
        home / "export.pdf",
        home,
        home / "sub" / ".." / "settings.json",
        outside / "link-to-home" / "x.pdf",
        outside / "link-to-db.pdf",
    ]
    for target in hostile:
        for force in (False, True):
            with pytest.raises(CliError, match="inside the data folder"):
                check_target(target, home, force=force)
    with pytest.raises(CliError, match="inside the data folder"):  # the data folder named through a link
        check_target(home / "x.pdf", tmp_path / "home-link", force=True)
    assert (home / "ordertrack.db").read_bytes() == b"cache"


def test_an_existing_file_needs_force(tmp_path: Path) -> None:
    """An existing target is refused without --force and accepted with it; a new file needs nothing."""
    home = tmp_path / "home"
    home.mkdir()
    old = tmp_path / "old.pdf"
    old.write_bytes(b"previous export")
    with pytest.raises(CliError, match="already exists; add --force"):
        check_target(old, home, force=False)
    assert check_target(old, home, force=True) == old
    assert check_target(tmp_path / "new.pdf", home, force=False) == tmp_path / "new.pdf"


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m app ARGS`` on ``home``."""
    return run_cli(home, *args, passphrase=PASSPHRASE)


def test_the_cli_refuses_the_cache_file_and_an_existing_file_in_one_line(tmp_path: Path) -> None:
    """`export -o <home>/ordertrack.db` and `-o existing.csv`: exit 1, one line, nothing replaced."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "ordertrack.db").write_bytes(b"not touched")
    run = cli(home, "export", "--format", "csv", "--force", "-o", str(home / "ordertrack.db"))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"ordertrack: refusing to write {home / 'ordertrack.db'} inside the data folder ({home.resolve()}); "
        "choose another folder"
    ]
    assert (home / "ordertrack.db").read_bytes() == b"not touched"
    existing = tmp_path / "orders.csv"
    existing.write_text("old")
    run = cli(home, "export", "--format", "csv", "-o", str(existing))
    assert run.returncode == 1
    assert run.stderr.strip() == f"ordertrack: {existing} already exists; add --force to replace it"
    assert existing.read_text() == "old"
