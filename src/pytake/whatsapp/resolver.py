"""A DNS resolver that refuses host names resolving to this machine or a private network.

An allowlisted host name could be pointed (or rebound) at 127.0.0.1 or 10.x later on; the
client resolves through this at connect time, so a send never carries a token there. An
address meant to be reached is allowlisted as the address itself: aiohttp connects to an IP
literal without asking any resolver. `localhost` is a loopback name by definition, so it is
let through.
"""

import ipaddress
import socket
from typing import Final

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

LOCAL_NAMES: Final = frozenset({"localhost"})
# RFC 6052's well-known NAT64 prefix carries an IPv4 address in its last 32 bits.
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddressError(OSError):
    """A host name resolved to an address no Cloud API request may go to."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"{host} resolves to {address}, {reason}")
        self.host, self.address, self.reason = host, address, reason


def non_public_reason(address: Address) -> str | None:
    """Why `address` is not a public unicast address (as "a loopback address"), else None."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    checks = (
        (address.is_unspecified, "the unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (
            isinstance(address, ipaddress.IPv6Address) and address.is_site_local,
            "a site-local address",
        ),
        (not address.is_global, "not a public address"),
    )
    return next((reason for unsafe, reason in checks if unsafe), None)


class PublicAddressResolver(AbstractResolver):
    """Resolves like `base`; refuses (UnsafeAddressError) a name with any non-public address."""

    def __init__(self, base: AbstractResolver | None = None) -> None:
        self._base = base if base is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._base.resolve(host, port, family)
        if _is_local_name(host) or _is_ip_literal(host):
            return results
        for result in results:
            try:
                reason = non_public_reason(ipaddress.ip_address(result["host"]))
            except ValueError:
                reason = "not an IP address"
            if reason is not None:
                raise UnsafeAddressError(host, result["host"], reason)
        return results

    async def close(self) -> None:
        await self._base.close()


def _is_local_name(host: str) -> bool:
    return host.lower().rstrip(".") in LOCAL_NAMES


def _is_ip_literal(host: str) -> bool:
    # aiohttp does not resolve these; were one to reach here, it was allowlisted verbatim.
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
