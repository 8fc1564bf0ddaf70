"""Open the encrypted cache: where its key comes from (OS keyring, else a passphrase).

    open_store(home, credentials)
      ├─ passphrase file beside the DB (``ordertrack.db.kdf.json``)?  -> passphrase mode
      ├─ keyring entry ``cache:db-key`` (random 256-bit key, created on first use)  -> raw key
      └─ keyring unavailable -> passphrase from the argument, ORDERTRACK_PASSPHRASE or the prompt
                                hook (a terminal prompt on a TTY); none -> CredentialsUnavailableError

A passphrase becomes a raw key with scrypt and a random salt; the salt and the scrypt parameters
are stored in the non-secret ``.kdf.json`` file. The key itself is never written to disk and
there is never a plaintext keyring. A plaintext cache from an older version is encrypted in place
(``sqlcipher_export``) the first time it is opened here.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from services.credentials import CredentialStore, CredentialsUnavailableError
from services.domain import StorageError
from services.storage import Store
from services.storage.engine import KEY_BYTES, file_kind
from services.storage.store import WRONG_KEY, encrypt_in_place

from .paths import db_path

DB_KEY_ENTRY = "cache:db-key"
"""Keyring entry (under the app's service) holding the cache key as 64 hex characters."""

PASSPHRASE_ENV = "ORDERTRACK_PASSPHRASE"
"""Environment variable with the cache passphrase (used when no keyring is available)."""

KDF_SUFFIX = ".kdf.json"
"""Suffix of the non-secret file beside the DB that holds the passphrase salt and scrypt parameters."""

MIN_PASSPHRASE = 8
"""Shortest passphrase accepted when a new passphrase-protected cache is created."""

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
"""scrypt cost for new passphrase files (32 MiB, about 0.1 s)."""

PassphrasePrompt = Callable[[bool], str | None]
"""Asks the user for the passphrase (argument: True when a new one is being chosen); None = declined."""


def terminal_prompt(creating: bool) -> str | None:
    """Ask for the passphrase on the terminal (None unless stdin and stderr are both a terminal)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):  # captured output: nobody would see the question
        return None
    print(
        "No secure keyring is available to keep the key of the local cache; "
        "a passphrase protects it instead.",
        file=sys.stderr,
    )
    first = getpass.getpass("Choose a cache passphrase: " if creating else "Cache passphrase: ")
    if creating and getpass.getpass("Repeat the passphrase: ") != first:
        raise CredentialsUnavailableError("the two passphrases differ; nothing was changed")
    return first


_prompt: PassphrasePrompt | None = terminal_prompt


def set_passphrase_prompt(prompt: PassphrasePrompt | None) -> None:
    """Replace how the user is asked for a passphrase (the GUI installs its dialog; None: never ask)."""
    global _prompt
    _prompt = prompt


def kdf_path(db: Path) -> Path:
    """Return the passphrase-parameters file of the cache at ``db``."""
    return db.with_name(db.name + KDF_SUFFIX)


def uses_passphrase(home: Path) -> bool:
    """Tell whether the cache in ``home`` is protected by a passphrase (not by the keyring)."""
    return kdf_path(db_path(home)).exists()


def passphrase_mode(home: Path) -> str | None:
    """After the keyring failed: "enter" (the cache has a passphrase), "choose" (a new or plaintext
    cache a new passphrase will protect) or None (the key is in the unavailable keyring: no passphrase
    can open it)."""
    db = db_path(home)
    if kdf_path(db).exists():
        return "enter"
    return None if file_kind(db) == "encrypted" else "choose"


def derive_key(passphrase: str, params: dict[str, int | str]) -> bytes:
    """Derive the 32-byte cache key from a passphrase with scrypt and the stored salt."""
    n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=bytes.fromhex(str(params["salt"])),
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 1024 * 1024,
        dklen=KEY_BYTES,
    )


def _new_kdf_params(path: Path) -> dict[str, int | str]:
    """Write fresh scrypt parameters with a random salt beside the DB (atomically) and return them."""
    params: dict[str, int | str] = {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": secrets.token_bytes(16).hex(),
    }
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(params, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return params


def _read_kdf_params(path: Path) -> dict[str, int | str]:
    """Read the scrypt parameters stored beside the DB."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kdf") != "scrypt":
            raise ValueError(data.get("kdf"))
        return {k: data[k] for k in ("kdf", "n", "r", "p", "salt")}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise StorageError(f"the passphrase settings of the cache ({path}) are unreadable: {err}") from err


def _ask(passphrase: str | None, creating: bool, why: str) -> str:
    """Return the passphrase from the argument, the environment or the prompt hook, or raise."""
    value = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    if value is None and _prompt is not None:
        value = _prompt(creating)
    if not value:
        raise CredentialsUnavailableError(
            f"{why}. Supply a passphrase to protect the local cache instead: set {PASSPHRASE_ENV} "
            "or enter it when asked"
        )
    if creating and len(value) < MIN_PASSPHRASE:
        raise CredentialsUnavailableError(f"the cache passphrase must have at least {MIN_PASSPHRASE} characters")
    return value


def _keyring_key(credentials: CredentialStore, db: Path) -> bytes:
    """Return the cache key from the keyring, creating it on first use (CredentialsUnavailableError)."""
    stored = credentials.get(DB_KEY_ENTRY)
    if stored:
        try:
            key = bytes.fromhex(stored)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise StorageError(f"the cache key in the keyring (entry {DB_KEY_ENTRY!r}) is malformed")
        return key
    if file_kind(db) == "encrypted":  # a key existed once: making a new one cannot open this file
        raise StorageError(
            f"{WRONG_KEY}: the keyring holds no key for {db}. "
            "Move the file away and sync again to rebuild the cache."
        )
    key = secrets.token_bytes(KEY_BYTES)
    credentials.set(DB_KEY_ENTRY, key.hex())
    return key


def resolve_key(home: Path, credentials: CredentialStore, passphrase: str | None = None) -> bytes:
    """Return the raw key of the cache in ``home`` (see the module docstring for the order)."""
    db = db_path(home)
    kdf = kdf_path(db)
    if kdf.exists():
        return derive_key(_ask(passphrase, False, "This cache is protected by a passphrase"), _read_kdf_params(kdf))
    try:
        return _keyring_key(credentials, db)
    except CredentialsUnavailableError as err:
        if file_kind(db) == "encrypted":
            raise CredentialsUnavailableError(
                f"the local cache is encrypted with a key kept in the OS keyring, which is unavailable ({err}); "
                "unlock or start the keyring and retry"
            ) from err
        chosen = _ask(passphrase, True, str(err))
        return derive_key(chosen, _new_kdf_params(kdf))


def open_store(home: Path, credentials: CredentialStore, passphrase: str | None = None) -> Store:
    """Open (create, encrypt, migrate) the cache in ``home`` with its key from the keyring or a passphrase."""
    db = db_path(home)
    key = resolve_key(home, credentials, passphrase)
    if file_kind(db) == "plaintext":
        encrypt_in_place(db, key)  # a cache from before encryption: converted without loss
    try:
        return Store.open(db, key)
    except StorageError as err:
        if uses_passphrase(home) and WRONG_KEY in str(err):
            raise StorageError(f"{WRONG_KEY}: check the passphrase ({db})") from err
        raise
