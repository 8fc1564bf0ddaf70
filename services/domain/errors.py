"""Typed errors, translated at every boundary (``raise XError(...) from err``).

    AppError                    user-facing ``title`` + message
    ├── ValidationError         a payload or value does not fit the domain
    ├── ConfigError             settings / sources misconfigured
    ├── StorageError            the local cache cannot be opened or written
    └── SourceError             an outside system failed
        ├── AuthError           401/403: wrong or missing credentials
        ├── RateLimitedError    429: carries ``retry_after`` seconds
        ├── SourceUnavailableError  network fault, timeout, 5xx
        └── PayloadError        the response is not what the contract says
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every error the app shows to a person."""

    title = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(AppError):
    """A payload or value does not fit the domain model."""

    title = "Invalid data"


class ConfigError(AppError):
    """The configuration (settings, sources) is wrong or incomplete."""

    title = "Configuration problem"


class StorageError(AppError):
    """The local cache cannot be opened, read or written."""

    title = "Local cache problem"


class SourceError(AppError):
    """An outside system (backend, carrier API) failed."""

    title = "Source problem"


class AuthError(SourceError):
    """The source rejected our credentials."""

    title = "Sign-in rejected"


class RateLimitedError(SourceError):
    """The source asked us to slow down."""

    title = "Rate limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceUnavailableError(SourceError):
    """The source could not be reached or failed on its side."""

    title = "Source unavailable"


class PayloadError(SourceError):
    """The source answered with something that is not what its contract says."""

    title = "Unexpected answer"
