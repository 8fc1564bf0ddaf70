"""What "this computer" means for a host name, one rule for every check that asks.

Loopback is the name ``localhost`` or an address that parses as a loopback IP (an IPv4-mapped IPv6
loopback included), never a name that merely starts with ``127.`` (``127.attacker.example`` is a DNS
name anyone can point anywhere). Used by the source-URL policy, the tracking-link policy, the demo
server's Host/Origin checks and the app's web guard.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_literal(host: str) -> IPAddress | None:
    """Return the address ``host`` spells (brackets and an IPv6 zone allowed), None for a name."""
    text = host.strip().removeprefix("[").removesuffix("]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_loopback_address(address: IPAddress) -> bool:
    """Tell whether ``address`` is loopback (an IPv4-mapped IPv6 loopback included)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_loopback_host(host: str) -> bool:
    """Tell whether ``host`` (a bare name or address, IPv6 with or without brackets) is this computer."""
    if host.strip().lower() == "localhost":
        return True
    address = ip_literal(host)
    return address is not None and is_loopback_address(address)


def split_authority(value: str) -> tuple[str, int | None] | None:
    """Split a ``Host`` header / URL authority into (host, port); None when malformed or with userinfo."""
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or "@" in value:
        return None
    return parts.hostname, port
