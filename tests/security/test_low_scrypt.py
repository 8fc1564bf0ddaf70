"""Passphrase caches made with the old scrypt cost (N=2^15) are re-keyed to N=2^17 at the next unlock, losslessly."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

import app.database as database
from app.database import derive_key, kdf_path, open_store
from app.paths import db_path
from services.demo import generate
from services.domain import OrderFilter, StorageError, order_to_json
from services.storage.store import WRONG_KEY, key_opens, rekey_in_place
from tests.support.keys import NoKeyring

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
OLD_N = 2**15
"""What caches were protected with before (32 MiB)."""


pytestmark = pytest.mark.usefixtures("no_terminal_prompt")


def old_cache(home: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Create a real passphrase cache with the old scrypt cost and 30 orders; return their JSON."""
    with monkeypatch.context() as m:
        m.setattr(database, "SCRYPT_N", OLD_N)
        with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store:
            with store.transaction() as uow:
                uow.upsert_orders(generate(5, 30, NOW).orders, source="demo", received_at=NOW, live=False)
            rows = [order_to_json(o) for o in store.orders.list_orders(OrderFilter())]
    params = json.loads(kdf_path(db_path(home)).read_text())
    assert params["n"] == OLD_N and len(rows) == 30
    return rows


def orders_json(home: Path) -> list[dict[str, object]]:
    """Unlock the cache with the passphrase and return every order as JSON."""
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE) as store:
        return [order_to_json(o) for o in store.orders.list_orders(OrderFilter())]


def test_an_old_cache_is_rekeyed_at_the_next_unlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next unlock writes N=2^17 with a new salt, re-keys the file, and every order is still there."""
    home = tmp_path / "home"
    home.mkdir()
    before = old_cache(home, monkeypatch)
    db, kdf = db_path(home), kdf_path(db_path(home))
    old_params = json.loads(kdf.read_text())
    old_key = derive_key(PASSPHRASE, old_params)

    assert orders_json(home) == before
    new_params = json.loads(kdf.read_text())
    assert (new_params["n"], new_params["r"], new_params["p"]) == (2**17, 8, 1)
    assert new_params["salt"] != old_params["salt"]
    assert not key_opens(db, old_key) and key_opens(db, derive_key(PASSPHRASE, new_params))
    assert stat.S_IMODE(kdf.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir() if "kdf" in p.name) == [kdf.name]  # no .next, no .tmp left
    assert PASSPHRASE not in kdf.read_text()
    assert orders_json(home) == before  # and the upgraded cache opens again, unchanged


def test_a_wrong_passphrase_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong passphrase on an old cache: one clear error, the old parameters and the file stay as they were."""
    home = tmp_path / "home"
    home.mkdir()
    before = old_cache(home, monkeypatch)
    kdf = kdf_path(db_path(home))
    old_text, old_bytes = kdf.read_text(), db_path(home).read_bytes()
    with pytest.raises(StorageError, match=WRONG_KEY):
        open_store(home, NoKeyring(), passphrase="not the passphrase")
    assert kdf.read_text() == old_text and db_path(home).read_bytes() == old_bytes
    assert sorted(p.name for p in home.iterdir() if "kdf" in p.name) == [kdf.name]
    assert orders_json(home) == before


def test_an_upgrade_interrupted_after_the_rekey_finishes_at_the_next_unlock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crash between the re-key and the rename: the new parameters beside the old ones open the cache."""
    home = tmp_path / "home"
    home.mkdir()
    before = old_cache(home, monkeypatch)
    db, kdf = db_path(home), kdf_path(db_path(home))
    old_key = derive_key(PASSPHRASE, json.loads(kdf.read_text()))
    pending = kdf.with_name(kdf.name + ".next")
    fresh = {"kdf": "scrypt", "n": 2**17, "r": 8, "p": 1, "salt": "ab" * 16}
    pending.write_text(json.dumps(fresh))
    rekey_in_place(db, old_key, derive_key(PASSPHRASE, fresh))  # ... and the process died here

    assert orders_json(home) == before
    assert json.loads(kdf.read_text()) == fresh and not pending.exists()


def test_an_upgrade_interrupted_before_the_rekey_is_done_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Crash after writing the new parameters but before the re-key: the old ones still open; upgrade again."""
    home = tmp_path / "home"
    home.mkdir()
    before = old_cache(home, monkeypatch)
    kdf = kdf_path(db_path(home))
    pending = kdf.with_name(kdf.name + ".next")
    pending.write_text(json.dumps({"kdf": "scrypt", "n": 2**17, "r": 8, "p": 1, "salt": "cd" * 16}))

    assert orders_json(home) == before
    params = json.loads(kdf.read_text())
    assert params["n"] == 2**17 and params["salt"] != "cd" * 16 and not pending.exists()


def test_new_caches_start_with_the_current_cost(tmp_path: Path) -> None:
    """A newly chosen passphrase gets N=2^17, r=8, p=1 straight away."""
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home, NoKeyring(), passphrase=PASSPHRASE):
        pass
    params = json.loads(kdf_path(db_path(home)).read_text())
    assert (params["n"], params["r"], params["p"]) == (2**17, 8, 1)
