"""Preferences: the `prefs set` grammar, defaults a merchant would ship, and the stored JSON round trip."""

from __future__ import annotations

import pytest

from services.domain import ValidationError
from services.notify.preferences import Preferences, apply_setting, from_json, to_json


def test_defaults_route_important_milestones_to_email_once_enabled() -> None:
    """Out of the box: native + in-app; e-mail only after an address is set."""
    prefs = Preferences()
    assert prefs.channels_for("delivered") == ("native", "in_app")
    assert not prefs.rule_on("stale") and prefs.rule_on("delivered")
    prefs = apply_setting(prefs, "channels.email.address", "a@b.co")
    assert prefs.channels_for("delivered") == ("native", "email", "in_app")
    assert prefs.channels_for("out_for_delivery") == ("native", "in_app")


def test_settings_round_trip_through_json() -> None:
    """Every settable value survives the stored JSON form."""
    prefs = Preferences()
    for key, value in [
        ("channels.email.address", "kunde@example.org"),
        ("rules.stale", "on"),
        ("routes.shipped", "email,in_app"),
        ("quiet_hours", "22:00-07:00"),
        ("timezone", "Asia/Tokyo"),
        ("mute", "W-1"),
        ("mute", "W-2"),
        ("unmute", "W-1"),
        ("smtp.host", "mail.example.org"),
        ("smtp.port", "2525"),
        ("smtp.starttls", "off"),
        ("smtp.username", "me"),
        ("stale_days", "3"),
    ]:
        prefs = apply_setting(prefs, key, value)
    again = from_json(to_json(prefs))
    assert to_json(again) == to_json(prefs)
    assert again.muted == ("W-2",) and again.routes["shipped"] == ("email", "in_app")
    assert again.smtp.port == 2525 and not again.smtp.starttls and again.quiet_hours is not None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("channels.email", "on", "set channels.email.address first"),
        ("routes.delivered", "pigeon", "unknown channel 'pigeon'"),
        ("routes.teleported", "native", "unknown milestone"),
        ("quiet_hours", "22:00", "expected HH:MM-HH:MM"),
        ("quiet_hours", "07:00-07:00", "must differ"),
        ("smtp.port", "70000", "between 1 and 65535"),
        ("stale_days", "soon", "whole number"),
    ],
)
def test_bad_values_say_why(key: str, value: str, message: str) -> None:
    """Invalid input raises ValidationError with a reason a person can act on."""
    with pytest.raises(ValidationError, match=message):
        apply_setting(Preferences(), key, value)
