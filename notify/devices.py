"""What "the same device" means for sign-in mails: browser family and system, and network.

A device is the pair (user-agent family, client network): the browser and system
without versions, so an update is not a new device, and the /24 (IPv4) or /48
(IPv6) network, so a new address from the same provider's block is not either.
Only a keyed hash of the pair is stored: HMAC-SHA256 keyed from SECRET_KEY
(Django's salted_hmac, with a salt of its own, as audit/typed_names.py does). A
new SECRET_KEY makes every device new once.
"""

from __future__ import annotations

import ipaddress
import re

from django.utils.crypto import salted_hmac

SALT = "coffer/notify/sign-in-device/v1"

# Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
# Android also says Linux, iOS also says Mac OS X.
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"),
            ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"))
_PROGRAM = re.compile(r"([A-Za-z][A-Za-z0-9._-]{0,39})/")


def device_label(user_agent: str) -> str:
    """A short, versionless name for the client: "Firefox on Linux", "python-requests"."""
    user_agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system
    program = _PROGRAM.match(user_agent)
    return program.group(1) if program else "an unknown program"


def network_of(address: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network holding `address`, or "unknown"."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def device_hmac(*, label: str, network: str) -> str:
    return salted_hmac(SALT, f"{label}\n{network}", algorithm="sha256").hexdigest()
