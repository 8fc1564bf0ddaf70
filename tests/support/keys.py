"""Credential stand-ins for tests that must not depend on the machine's keyring."""

from __future__ import annotations

from services.credentials import CredentialsUnavailableError


class NoKeyring:
    """A credential store whose keyring is unavailable (as KeyringCredentialStore reports it).

    The cache is then protected by a passphrase, which works on any machine.
    """

    def get(self, key: str) -> str | None:
        """Fail like a missing Secret Service."""
        raise CredentialsUnavailableError("no secure keyring is available")

    def set(self, key: str, secret: str) -> None:
        """Fail like a missing Secret Service."""
        raise CredentialsUnavailableError("no secure keyring is available")

    def delete(self, key: str) -> None:
        """Fail like a missing Secret Service."""
        raise CredentialsUnavailableError("no secure keyring is available")
