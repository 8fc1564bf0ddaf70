"""The one door to secrets: the OS keyring (Secret Service, Keychain, Credential Locker).

Nothing secret is ever written to the database, settings files, logs or exports. There is
no plaintext fallback: when no secure keyring is available, callers get a
:class:`CredentialsUnavailableError` and must ask the user instead.
"""

from __future__ import annotations

from typing import Protocol

import keyring
import keyring.errors

from services.domain import AppError

SERVICE = "ordertrack"
"""Keyring service name under which every secret of the app is stored."""

_INSECURE_BACKEND_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")


class CredentialsUnavailableError(AppError):
    """No secure keyring is available (or it is locked)."""

    title = "No secure keyring"


class CredentialStore(Protocol):
    """Where secrets live: get/set/delete by key."""

    def get(self, key: str) -> str | None:
        """Return the secret stored under ``key``, or None."""
        ...

    def set(self, key: str, secret: str) -> None:
        """Store ``secret`` under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Delete the secret under ``key`` (no error if absent)."""
        ...


def source_token_key(source_name: str) -> str:
    """Return the keyring entry name of a source's API token."""
    return f"source:{source_name}:token"


class KeyringCredentialStore:
    """Secrets in the OS keyring; refuses insecure (plaintext or null) backends."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _backend(self) -> keyring.backend.KeyringBackend:
        backend = keyring.get_keyring()
        module = type(backend).__module__
        chained = getattr(backend, "backends", None)
        if chained is not None:
            secure = [b for b in chained if not type(b).__module__.startswith(_INSECURE_BACKEND_MODULES)]
            if not secure:
                raise CredentialsUnavailableError("no secure keyring backend is available on this system")
            return backend
        if module.startswith(_INSECURE_BACKEND_MODULES):
            raise CredentialsUnavailableError(
                "no secure keyring is available (start a Secret Service such as gnome-keyring, "
                "or use the OS keychain)"
            )
        return backend

    def get(self, key: str) -> str | None:
        """Return the secret stored under ``key``, or None."""
        try:
            return self._backend().get_password(self.service, key)
        except keyring.errors.KeyringError as err:
            raise CredentialsUnavailableError(f"the keyring could not be read: {type(err).__name__}") from err

    def set(self, key: str, secret: str) -> None:
        """Store ``secret`` under ``key``."""
        try:
            self._backend().set_password(self.service, key, secret)
        except keyring.errors.KeyringError as err:
            raise CredentialsUnavailableError(f"the keyring could not be written: {type(err).__name__}") from err

    def delete(self, key: str) -> None:
        """Delete the secret under ``key`` (no error if absent)."""
        try:
            self._backend().delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as err:
            raise CredentialsUnavailableError(f"the keyring could not be written: {type(err).__name__}") from err


class MemoryCredentialStore:
    """Secrets held in memory only (tests and the embedded demo, whose token is throw-away)."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        """Return the secret stored under ``key``, or None."""
        return self._secrets.get(key)

    def set(self, key: str, secret: str) -> None:
        """Store ``secret`` under ``key``."""
        self._secrets[key] = secret

    def delete(self, key: str) -> None:
        """Delete the secret under ``key`` (no error if absent)."""
        self._secrets.pop(key, None)
