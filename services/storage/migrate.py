"""alembic, configured in code: the migration scripts ship inside this package (no alembic.ini).

Developers generate a new revision against a scratch database with::

    from alembic import command
    from services.storage.migrate import alembic_config
    command.revision(alembic_config(Path("/tmp/dev.db")), "add x", autogenerate=True)

then edit it by hand into something readable (see ``versions/0001_initial.py``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
"""The alembic script location: ``env.py``, ``script.py.mako`` and ``versions/``."""


def alembic_config(path: Path) -> Config:
    """Return an alembic Config that migrates the cache file at ``path``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["database_path"] = Path(path)
    return cfg


def upgrade(path: Path, revision: str = "head") -> None:
    """Migrate the cache file at ``path`` up to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(path), revision)


def downgrade(path: Path, revision: str) -> None:
    """Migrate the cache file at ``path`` down to ``revision`` (``"base"`` drops every table)."""
    command.downgrade(alembic_config(path), revision)
