"""Notifications: readable rules (pure), customer preferences, the exactly-once dispatcher, channels.

dispatcher = Dispatcher(store, Channels(native=NativeChannel(), email=EmailChannel(smtp, password)))
engine = SyncEngine(store, sources, listeners=[dispatcher])   # alerts follow every committed sync
"""

from .channels import DeliveryError, EmailChannel, Message, NativeChannel, NativeUnavailableError
from .dispatcher import Channels, Dispatcher, load_prefs, save_prefs
from .preferences import SMTP_PASSWORD_KEY, Preferences, apply_setting
from .rules import RULES, Candidate, Milestone, Rule, alert_reason, fired_reason
from .timeline import alert_entries

__all__ = [
    "RULES",
    "SMTP_PASSWORD_KEY",
    "Candidate",
    "Channels",
    "DeliveryError",
    "Dispatcher",
    "EmailChannel",
    "Message",
    "Milestone",
    "NativeChannel",
    "NativeUnavailableError",
    "Preferences",
    "Rule",
    "alert_entries",
    "alert_reason",
    "apply_setting",
    "fired_reason",
    "load_prefs",
    "save_prefs",
]
