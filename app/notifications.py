"""Wiring of notifications: the dispatcher as a change listener, channels from preferences + keyring."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from services.credentials import CredentialsUnavailableError
from services.notify import SMTP_PASSWORD_KEY, Channels, Dispatcher, EmailChannel, NativeChannel, load_prefs
from services.notify.preferences import Preferences
from services.storage import NotifyRepository

if TYPE_CHECKING:
    from .container import AppContainer

log = logging.getLogger(__name__)


class _LiveChannels(Channels):
    """Channels rebuilt from the current preferences each time they are used (prefs change at runtime)."""

    def __init__(self, container: AppContainer, prefs: Preferences) -> None:
        super().__init__(native=NativeChannel())
        self._container = container
        self.refresh(prefs)

    def refresh(self, prefs: Preferences) -> None:
        """Rebuild the e-mail channel from ``prefs`` (its password is read from the keyring when sending)."""
        self.email = EmailChannel(prefs.smtp, self._password) if prefs.email else None

    def _password(self) -> str | None:
        try:
            return self._container.credentials.get(SMTP_PASSWORD_KEY)
        except CredentialsUnavailableError as err:
            log.warning("SMTP password unavailable: %s", err.message)
            return None


def dispatcher_of(container: AppContainer) -> Dispatcher | None:
    """Return the notification dispatcher installed on ``container``, if any."""
    return next((d for d in container.change_listeners if isinstance(d, Dispatcher)), None)


def install(container: AppContainer) -> AppContainer:
    """Register the notification dispatcher as a change listener of every engine the container builds."""
    if dispatcher_of(container) is not None:
        return container
    channels = _LiveChannels(container, Preferences())
    repo = NotifyRepository(container.store)

    def current() -> Preferences:
        prefs = load_prefs(repo)
        channels.refresh(prefs)
        return prefs

    container.change_listeners.append(Dispatcher(container.store, channels, prefs=current))
    return container
