"""Encryption at rest: SQLCipher with a raw key from the keyring (or a passphrase), real files, real keyring."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from alembic.script import ScriptDirectory

from app.database import DB_KEY_ENTRY, kdf_path, open_store, set_passphrase_prompt
from app.paths import db_path
from services.credentials import CredentialsUnavailableError, KeyringCredentialStore, MemoryCredentialStore
from services.demo import generate
from services.domain import Order, OrderFilter, StorageError, order_to_json
from services.storage import Store
from services.storage.archive import verify
from services.storage.migrate import alembic_config
from services.storage.store import WRONG_KEY, encrypt_in_place
from tests.support.cli import ROOT, run_cli
from tests.support.keys import NoKeyring

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("no_terminal_prompt")


@pytest.fixture(scope="module")
def orders() -> tuple[Order, ...]:
    """40 demo orders."""
    return generate(11, 40, NOW).orders


def _fill(store: Store, orders: tuple[Order, ...]) -> None:
    with store.transaction() as uow:
        uow.upsert_orders(orders, source="demo", received_at=NOW, live=False)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_the_file_holds_no_plaintext_and_needs_its_key(tmp_path: Path, orders: tuple[Order, ...]) -> None:
    """No order number, name or e-mail is readable in the DB, WAL or side files; no key / a wrong key fail clearly."""
    key = secrets.token_bytes(32)
    path = tmp_path / "cache.db"
    with Store.open(path, key) as store:
        _fill(store, orders)
        assert store.encrypted and store.orders.count(OrderFilter()) == len(orders)
        blob = _all_bytes(tmp_path)  # WAL still present while open
    blob += _all_bytes(tmp_path)
    for order in orders:
        assert order.order_number.encode() not in blob
    assert b"SQLite format 3" not in blob and "Müller".encode() not in blob and b"@example.com" not in blob
    assert key not in blob and key.hex().encode() not in blob

    for wrong in (None, secrets.token_bytes(32)):
        with pytest.raises(StorageError, match=WRONG_KEY):
            Store.open(path, wrong)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"), sqlite3.connect(path) as raw:
        raw.execute("SELECT count(*) FROM sqlite_master").fetchall()
    with Store.open(path, key) as again:
        assert [order_to_json(o) for o in again.orders.list_orders(OrderFilter())] == [
            order_to_json(o) for o in sorted(orders, key=lambda o: (o.placed_at, o.order_number), reverse=True)
        ]


def test_migrations_run_on_the_encrypted_file(tmp_path: Path) -> None:
    """Store.open migrates an encrypted file to alembic head through SQLCipher (WAL and FKs on)."""
    key = secrets.token_bytes(32)
    with Store.open(tmp_path / "c.db", key) as store, store._read() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config(tmp_path / "c.db")).get_current_head()


def test_a_plaintext_cache_is_encrypted_in_place_without_loss(tmp_path: Path, orders: tuple[Order, ...]) -> None:
    """open_store converts an old unencrypted cache: every row of every table survives; plaintext is gone."""
    home = tmp_path / "home"
    home.mkdir()
    with Store.open(db_path(home)) as plain:
        _fill(plain, orders)
        before = [order_to_json(o) for o in plain.orders.list_orders(OrderFilter())]
    with sqlite3.connect(db_path(home)) as raw:
        counts = {
            t: raw.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for (t,) in raw.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        }
    creds = MemoryCredentialStore()
    with open_store(home, creds) as store:
        assert store.encrypted
        assert [order_to_json(o) for o in store.orders.list_orders(OrderFilter())] == before
        report = verify(store)
        assert report.problems == () and report.orders == len(orders)
    blob = _all_bytes(home)
    assert b"SQLite format 3" not in blob and orders[0].order_number.encode() not in blob
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith("ordertrack.db-")) == ["ordertrack.db"]
    key = bytes.fromhex(creds.get(DB_KEY_ENTRY) or "")
    with pytest.raises(StorageError, match="nothing to encrypt"):
        encrypt_in_place(db_path(home), key)
    import sqlcipher3  # type: ignore[import-untyped]

    conn = sqlcipher3.connect(str(db_path(home)))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    after = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in counts}
    conn.close()
    assert after == counts and counts["orders"] == len(orders) and counts["tracking_events"] > 100


def test_without_a_keyring_a_passphrase_protects_the_cache(tmp_path: Path, orders: tuple[Order, ...]) -> None:
    """No keyring: a clear CredentialsUnavailableError asking for a passphrase; with one, a scrypt key + salt file."""
    home = tmp_path / "home"
    home.mkdir()
    with pytest.raises(CredentialsUnavailableError, match="passphrase") as info:
        open_store(home, NoKeyring())
    assert "ORDERTRACK_PASSPHRASE" in str(info.value)
    with open_store(home, NoKeyring(), passphrase="correct horse battery") as store:
        _fill(store, orders)
    salt_file = kdf_path(db_path(home))
    assert salt_file.exists() and b"correct horse" not in _all_bytes(home)
    # the passphrase file decides from now on, even when a keyring shows up
    with open_store(home, MemoryCredentialStore(), passphrase="correct horse battery") as again:
        assert again.orders.count(OrderFilter()) == len(orders)
    with pytest.raises(StorageError, match="key is wrong or missing: check the passphrase"):
        open_store(home, NoKeyring(), passphrase="wrong horse battery")
    with pytest.raises(CredentialsUnavailableError, match="protected by a passphrase"):
        open_store(home, MemoryCredentialStore())
    asked: list[bool] = []

    def prompt(creating: bool) -> str:
        asked.append(creating)
        return "correct horse battery"

    set_passphrase_prompt(prompt)
    with open_store(home, NoKeyring()) as prompted:
        assert prompted.orders.count(OrderFilter()) == len(orders)
    assert asked == [False]


def test_a_lost_keyring_key_is_reported_not_replaced(tmp_path: Path) -> None:
    """An encrypted cache whose keyring entry vanished fails clearly and no new key is stored."""
    home = tmp_path / "home"
    home.mkdir()
    open_store(home, MemoryCredentialStore()).close()
    empty = MemoryCredentialStore()
    with pytest.raises(StorageError, match=WRONG_KEY):
        open_store(home, empty)
    assert empty.get(DB_KEY_ENTRY) is None
    with pytest.raises(CredentialsUnavailableError, match="kept in the OS keyring"):
        open_store(home, NoKeyring(), passphrase="whatever-passphrase")


def test_cli_without_keyring_asks_for_a_passphrase(home: Path) -> None:
    """The CLI with no keyring backend says so in one line (exit 1); ORDERTRACK_PASSPHRASE then works."""
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "ORDERTRACK_PASSPHRASE")}
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", ORDERTRACK_HOME=str(home), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "app", "orders", "--format", "json"]
    refused = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "No secure keyring" in refused.stderr and "ORDERTRACK_PASSPHRASE" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    env["ORDERTRACK_PASSPHRASE"] = "a-long-passphrase"
    ok = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert ok.returncode == 0, ok.stderr
    assert kdf_path(db_path(home)).exists()
    verify_run = subprocess.run(
        [sys.executable, "-m", "app", "archive", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify_run.returncode == 0 and "encrypted with SQLCipher" in verify_run.stdout


@pytest.fixture
def real_keyring() -> Iterator[KeyringCredentialStore]:
    """A throw-away service in the real Secret Service keyring (skips without one)."""
    backend = keyring.get_keyring()
    if type(backend).__module__ != "keyring.backends.SecretService":
        pytest.skip(f"no Secret Service (got {backend!r}); run under scripts/run-tests.sh")
    store = KeyringCredentialStore(service=f"ordertrack-test-{uuid.uuid4().hex[:8]}")
    yield store
    store.delete(DB_KEY_ENTRY)


def test_the_key_lives_in_the_real_keyring_only(tmp_path: Path, real_keyring: KeyringCredentialStore) -> None:
    """First use creates a random 256-bit key in the keyring; it reopens the cache; it is nowhere on disk."""
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home, real_keyring) as store:
        _fill(store, generate(3, 10, NOW).orders)
    stored = keyring.get_password(real_keyring.service, DB_KEY_ENTRY)
    assert stored is not None and len(bytes.fromhex(stored)) == 32
    assert not kdf_path(db_path(home)).exists()
    assert stored.encode() not in _all_bytes(home) and bytes.fromhex(stored) not in _all_bytes(home)
    with open_store(home, KeyringCredentialStore(service=real_keyring.service)) as again:
        assert again.orders.count(OrderFilter()) == 10


def test_cli_uses_the_keyring_and_verify_reports_damage(home: Path) -> None:
    """Under a real keyring the CLI encrypts the cache; `archive verify` exits 1 with plain words on damage."""
    if type(keyring.get_keyring()).__module__ != "keyring.backends.SecretService":
        pytest.skip("no Secret Service; run under scripts/run-tests.sh")
    assert run_cli(home, "orders").returncode == 0
    ok = run_cli(home, "archive", "verify")
    assert ok.returncode == 0 and "encrypted with SQLCipher" in ok.stdout, ok.stderr
    path = db_path(home)
    size = path.stat().st_size
    assert size >= 8 * 4096
    with path.open("r+b") as fh:  # flip bytes inside the last page: its HMAC no longer matches
        fh.seek(size - 2000)
        fh.write(os.urandom(64))
    bad = run_cli(home, "archive", "verify")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "problem" in bad.stdout and "authenticity" in bad.stdout, bad.stdout + bad.stderr


def test_the_app_window_unlocks_a_passphrase_cache(tmp_path: Path, orders: tuple[Order, ...]) -> None:
    """What the unlock screen asks for, and its answers: a wrong passphrase in plain words, the right one opens."""
    from app.database import passphrase_mode
    from app.unlock import UnlockGate

    home = tmp_path / "home"
    home.mkdir()
    with open_store(home, NoKeyring(), passphrase="a-long-passphrase") as store:
        _fill(store, orders)
    assert passphrase_mode(home) == "enter"
    gate = UnlockGate(home, choosing=False, interval=3600)
    try:
        assert gate.open("not the passphrase") == "That passphrase does not open the cache. Try again."
        assert gate.runtime is None and gate.container is None
        assert gate.open("a-long-passphrase") is None
        assert gate.container is not None and gate.runtime is not None
        assert gate.container.store.orders.count(OrderFilter()) == len(orders)
        assert gate.open("anything") is None  # already open: a second tab does not open it again
    finally:
        gate.close()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert passphrase_mode(fresh) == "choose"  # a new cache: a new passphrase will protect it
    keyed = tmp_path / "keyed"
    keyed.mkdir()
    open_store(keyed, MemoryCredentialStore()).close()
    assert passphrase_mode(keyed) is None  # its key is in a keyring: no passphrase can open it
