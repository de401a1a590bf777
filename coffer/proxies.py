"""Which address a request came from, behind trusted reverse proxies.

One rule for everyone (the audit log, DRF's throttles, the web rate limits): a
proxy is trusted only if its address is in COFFER_TRUSTED_PROXIES. The client is
the right-most address in X-Forwarded-For that is not a trusted proxy, walking
left from the peer; a header from an untrusted peer is ignored, so a client
cannot name its own address. ClientAddressMiddleware writes the answer into
REMOTE_ADDR (the peer stays in COFFER_PEER_ADDR), and DRF runs with NUM_PROXIES=0.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse CIDRs (or single addresses); a typo fails start-up instead of trusting nothing, or everything."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=True))
        except ValueError:
            raise ImproperlyConfigured(f"COFFER_TRUSTED_PROXIES: {value!r} is not an address or a CIDR") from None
    return tuple(networks)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...]) -> str | None:
    """The client's address under the trusted-proxy rule (the module docstring)."""
    current = _address(peer or "")
    if current is None or not forwarded_for or not _is_trusted(current, networks):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            # A hop our own proxies would never write: stop at the last address we can vouch for.
            return str(current)
        current = address
        if not _is_trusted(current, networks):
            return str(current)
    return str(current)


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = trusted_networks(settings.COFFER_TRUSTED_PROXIES)

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR")
        request.META["COFFER_PEER_ADDR"] = peer
        request.META["REMOTE_ADDR"] = client_address(peer, request.META.get("HTTP_X_FORWARDED_FOR"), self.networks)
        return self.get_response(request)


def request_client_address(request) -> str | None:
    """The client address of a request, whether or not ClientAddressMiddleware saw it."""
    meta = request.META
    if "COFFER_PEER_ADDR" in meta:
        return meta.get("REMOTE_ADDR")
    networks = trusted_networks(settings.COFFER_TRUSTED_PROXIES)
    return client_address(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), networks)
