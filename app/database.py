"""Open the encrypted cache: where its key comes from (OS keyring, else a passphrase).

    open_store(home, credentials)
      ├─ passphrase file beside the DB (``ordertrack.db.kdf.json``)?  -> passphrase mode
      ├─ keyring entry ``cache:db-key`` (random 256-bit key, created on first use)  -> raw key
      └─ keyring unavailable -> passphrase from the argument, ORDERTRACK_PASSPHRASE or the prompt
                                hook (a terminal prompt on a TTY); none -> CredentialsUnavailableError

A passphrase becomes a raw key with scrypt and a random salt; the salt and the scrypt parameters
are stored in the non-secret ``.kdf.json`` file. Parameters weaker than today's (SCRYPT_N) are
upgraded at the next unlock: a new salt and key, written first to ``.kdf.json.next``, then the
file is re-keyed (``PRAGMA rekey``) and the new parameters replace the old atomically; an unlock
interrupted half-way finishes with whichever of the two files opens the cache. The parameters
read from disk are bounded (a tampered file cannot make scrypt allocate gigabytes). The key itself
is never written to disk and there is never a plaintext keyring. A plaintext cache from an older
version is encrypted in place (``sqlcipher_export``) the first time it is opened here.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from services.credentials import CredentialStore, CredentialsUnavailableError
from services.domain import StorageError
from services.storage import Store
from services.storage.engine import KEY_BYTES, file_kind
from services.storage.store import WRONG_KEY, encrypt_in_place, key_opens, rekey_in_place

from .paths import db_path

DB_KEY_ENTRY = "cache:db-key"
"""Keyring entry (under the app's service) holding the cache key as 64 hex characters."""

PASSPHRASE_ENV = "ORDERTRACK_PASSPHRASE"
"""Environment variable with the cache passphrase (used when no keyring is available)."""

KDF_SUFFIX = ".kdf.json"
"""Suffix of the non-secret file beside the DB that holds the passphrase salt and scrypt parameters."""

MIN_PASSPHRASE = 8
"""Shortest passphrase accepted when a new passphrase-protected cache is created."""

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
"""scrypt cost for new passphrase files (128 MiB, about 0.3 s; OWASP's current minimum is N=2^17, r=8, p=1)."""

MIN_SCRYPT_N = 2**14
"""Weakest N a stored file may name (older files had 2^15; anything lower was never written)."""

MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
"""Most memory a stored parameter set may make scrypt use (128·r·N bytes): a tampered file is refused."""

MAX_SCRYPT_WORK = 2**22
"""Most N·r·p a stored parameter set may ask for (4× today's cost)."""

MAX_KDF_FILE = 64 * 1024
"""A parameters file is a few dozen bytes; a bigger one is not read."""

PENDING_SUFFIX = ".next"
"""Suffix of the new parameters while the cache is being re-keyed to them."""

log = logging.getLogger(__name__)

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


def _write_kdf_params(path: Path, params: dict[str, int | str]) -> None:
    """Write scrypt parameters to ``path`` atomically (temp file, fsync, rename), owner-only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(params, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fresh_params() -> dict[str, int | str]:
    """Return today's scrypt parameters with a new random salt."""
    return {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": secrets.token_bytes(16).hex()}


def _new_kdf_params(path: Path) -> dict[str, int | str]:
    """Write fresh scrypt parameters with a random salt beside the DB (atomically) and return them."""
    params = _fresh_params()
    _write_kdf_params(path, params)
    return params


def _whole(data: dict[str, object], name: str) -> int:
    """Return ``data[name]`` as a whole number (JSON booleans, floats and text are refused)."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} is not a whole number")
    return value


def check_kdf_params(data: object) -> dict[str, int | str]:
    """Return the scrypt parameters in ``data`` if they are sane and bounded, else raise ValueError."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("kdf") != "scrypt":
        raise ValueError("kdf is not scrypt")
    n, r, p = _whole(data, "n"), _whole(data, "r"), _whole(data, "p")
    if n < MIN_SCRYPT_N or n & (n - 1):
        raise ValueError(f"n must be a power of two of at least {MIN_SCRYPT_N}")
    if not (1 <= r <= 64 and 1 <= p <= 16):
        raise ValueError("r or p is out of range")
    if 128 * r * n > MAX_SCRYPT_MEMORY or n * r * p > MAX_SCRYPT_WORK:
        raise ValueError(f"the parameters would need more than {MAX_SCRYPT_MEMORY // 2**20} MiB or 4x today's work")
    salt = data.get("salt")
    if not isinstance(salt, str) or not 32 <= len(salt) <= 128:
        raise ValueError("salt is not 16 to 64 bytes of hex")
    bytes.fromhex(salt)  # ValueError when not hex
    return {"kdf": "scrypt", "n": n, "r": r, "p": p, "salt": salt}


def _read_kdf_params(path: Path) -> dict[str, int | str]:
    """Read the scrypt parameters stored beside the DB (StorageError, one line, when unusable)."""
    try:
        if path.stat().st_size > MAX_KDF_FILE:
            raise ValueError("the file is far too big")
        return check_kdf_params(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, RecursionError) as err:
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise StorageError(
            f"the passphrase settings of the cache ({path}) are unreadable or damaged: {reason}. "
            "Restore the file from a backup, or move the cache away and sync again"
        ) from err


def _outdated(params: dict[str, int | str]) -> bool:
    """Tell whether stored parameters are weaker than today's."""
    return int(params["n"]) < SCRYPT_N or int(params["r"]) < SCRYPT_R


def _pending_path(kdf: Path) -> Path:
    return kdf.with_name(kdf.name + PENDING_SUFFIX)


def _finish_pending(db: Path, kdf: Path, passphrase: str, key: bytes) -> bytes:
    """Settle an upgrade a crash interrupted: keep whichever parameters open the cache; return its key."""
    pending = _pending_path(kdf)
    if not pending.exists() or file_kind(db) != "encrypted" or key_opens(db, key):
        pending.unlink(missing_ok=True)  # never applied (or nothing to apply it to): the old file stands
        return key
    try:
        params = _read_kdf_params(pending)
    except StorageError:
        pending.unlink(missing_ok=True)
        return key
    new_key = derive_key(passphrase, params)
    if key_opens(db, new_key):  # the re-key went through before the crash: its parameters are the real ones
        os.replace(pending, kdf)
        _sync_folder(kdf.parent)
        log.info("finished the interrupted upgrade of the cache passphrase parameters")
        return new_key
    return key  # neither opens: a wrong passphrase (reported by the caller); keep both files


def _upgrade(db: Path, kdf: Path, passphrase: str, key: bytes) -> bytes:
    """Re-key the cache to today's scrypt parameters; return the key that opens it afterwards.

    The new parameters are written beside the old ones first, so an interruption at any point
    leaves a pair of files that opens the cache (see :func:`_finish_pending`). Wrong passphrase:
    StorageError with WRONG_KEY. Any other failure keeps the old parameters (tried again next time).
    """
    pending = _pending_path(kdf)
    params = _fresh_params()
    new_key = derive_key(passphrase, params)
    _write_kdf_params(pending, params)
    try:
        rekey_in_place(db, key, new_key)
    except StorageError as err:
        if key_opens(db, new_key):  # re-keyed, but the check afterwards failed: the new key is the one
            os.replace(pending, kdf)
            _sync_folder(kdf.parent)
            return new_key
        pending.unlink(missing_ok=True)
        if WRONG_KEY in str(err):
            raise
        log.warning("the cache passphrase parameters stay as they are for now: %s", err)
        return key
    os.replace(pending, kdf)
    _sync_folder(kdf.parent)
    log.info("upgraded the cache passphrase parameters to scrypt N=%d", SCRYPT_N)
    return new_key


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


def _unlock(db: Path, kdf: Path, passphrase: str | None) -> bytes:
    """Return the key of a passphrase-protected cache, upgrading weak scrypt parameters on the way."""
    params = _read_kdf_params(kdf)
    secret = _ask(passphrase, False, "This cache is protected by a passphrase")
    key = _finish_pending(db, kdf, secret, derive_key(secret, params))
    params = _read_kdf_params(kdf)
    if _outdated(params) and file_kind(db) == "encrypted":
        try:
            key = _upgrade(db, kdf, secret, key)
        except StorageError as err:
            if WRONG_KEY in str(err):
                raise StorageError(f"{WRONG_KEY}: check the passphrase ({db})") from err
            raise
    return key


def resolve_key(home: Path, credentials: CredentialStore, passphrase: str | None = None) -> bytes:
    """Return the raw key of the cache in ``home`` (see the module docstring for the order)."""
    db = db_path(home)
    kdf = kdf_path(db)
    if kdf.exists():
        return _unlock(db, kdf, passphrase)
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
