"""Where the app keeps its data: ``ORDERTRACK_HOME`` or the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ordertrack"
APP_AUTHOR = "OrderTracking"
DB_FILENAME = "ordertrack.db"
SETTINGS_FILENAME = "settings.json"


def data_dir() -> Path:
    """Return (and create, owner-only) the data folder."""
    env = os.environ.get("ORDERTRACK_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def db_path(home: Path | None = None) -> Path:
    """Return the cache database file path."""
    return (home or data_dir()) / DB_FILENAME


def settings_path(home: Path | None = None) -> Path:
    """Return the settings file path (non-secret preferences only)."""
    return (home or data_dir()) / SETTINGS_FILENAME
