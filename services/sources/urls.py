"""The one policy for a source address, shared by the command line and the app's settings screen.

    validate_source_url(raw) ──> "https://host[:port][/path]"  (trailing "/" dropped)
                            └──> UrlPolicyError(rule, reason)  (a ConfigError; callers word it their way)

A source address is where credentials travel, so it must be https, except to this computer
(loopback): ``localhost`` or an address that parses as a loopback IP (127.0.0.0/8, ::1). A name that
merely starts with "127." (``127.attacker.example``) is a DNS name like any other. The address
carries no user name or password, no query, no fragment and no spaces: credentials go to the keyring.
"""

from __future__ import annotations

import httpx

from services.domain import ConfigError
from services.domain.hosts import is_loopback_host


class UrlPolicyError(ConfigError):
    """A source address the policy refuses.

    ``reason`` completes "the address ..."; ``rule`` names the rule broken, so a screen can word it its
    own way: ``form`` (not a full http(s) URL), ``characters`` (spaces, control characters, "?" or "#"),
    ``credentials`` (user or password in it), ``https`` (plain http to another computer).
    """

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"the source address {reason}")
        self.rule = rule
        self.reason = reason


def validate_source_url(raw: str) -> str:
    """Return a usable source address (no trailing "/") or raise ``UrlPolicyError`` saying why not."""
    url = raw.strip()
    if not url.lower().startswith(("http://", "https://")):
        raise UrlPolicyError("form", f"must start with http:// or https:// (got {url[:80]!r})")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UrlPolicyError("characters", "must not contain spaces or control characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as err:
        raise UrlPolicyError("form", f"is not a valid URL ({url[:80]!r})") from err
    if not parsed.host:
        raise UrlPolicyError("form", "has no host name")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UrlPolicyError("form", f"is not a valid URL (port {parsed.port})")
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise UrlPolicyError(
            "characters", "must not carry a query or fragment (“?” or “#”): credentials go in the token"
        )
    if parsed.userinfo or "@" in url.split("://", 1)[1].split("/", 1)[0]:
        raise UrlPolicyError(
            "credentials", "must not contain credentials (user name or password): they go in the token"
        )
    if parsed.scheme != "https" and not is_loopback_host(parsed.host):
        raise UrlPolicyError(
            "https", "must use https:// (plain http:// only to this computer: localhost, 127.0.0.1, ::1)"
        )
    scheme, rest = url.split("://", 1)
    return f"{scheme.lower()}://{rest}".rstrip("/")
