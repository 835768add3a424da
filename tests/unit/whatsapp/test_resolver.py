"""The resolver the client connects through: host names answered with a non-public address
are refused, whatever else they resolve to; `localhost` and IP literals are left alone."""

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from pytake.whatsapp.resolver import PublicAddressResolver, UnsafeAddressError, non_public_reason

pytestmark = pytest.mark.unit


class Answers(AbstractResolver):
    """DNS that answers every name with these addresses."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.closed = False

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0}
            for a in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("0.0.0.0", "the unspecified address"),  # noqa: S104 (an address, not a bind)
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "not a public address"),
        ("::1", "a loopback address"),
        ("::", "the unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:169.254.169.254", "a link-local address"),
        ("64:ff9b::a00:1", "a private address"),
    ],
)
def test_an_address_that_is_not_public_is_named_as_what_it_is(address: str, reason: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["157.240.22.19", "2a03:2880:f10c:83:face:b00c:0:25de"])
def test_a_public_address_has_no_reason_against_it(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is None


async def test_a_name_resolving_to_a_private_address_is_refused_naming_host_and_address() -> None:
    resolver = PublicAddressResolver(Answers("157.240.22.19", "10.0.0.7"))

    with pytest.raises(UnsafeAddressError) as refused:
        await resolver.resolve("graph.example", 443)

    assert str(refused.value) == "graph.example resolves to 10.0.0.7, a private address"
    assert isinstance(refused.value, OSError)


async def test_a_name_resolving_to_public_addresses_is_answered_as_the_base_answered() -> None:
    resolver = PublicAddressResolver(Answers("157.240.22.19"))

    (result,) = await resolver.resolve("graph.facebook.com", 443)

    assert (result["host"], result["port"]) == ("157.240.22.19", 443)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "127.0.0.1", "::1"])
async def test_localhost_and_ip_literals_are_not_checked(host: str) -> None:
    resolver = PublicAddressResolver(Answers("127.0.0.1"))

    assert [r["host"] for r in await resolver.resolve(host, 80)] == ["127.0.0.1"]


async def test_a_name_under_localhost_is_checked_like_any_other() -> None:
    resolver = PublicAddressResolver(Answers("127.0.0.1"))

    with pytest.raises(UnsafeAddressError, match="a loopback address"):
        await resolver.resolve("evil.localhost.example", 80)


async def test_closing_closes_the_base_resolver() -> None:
    base = Answers()
    await PublicAddressResolver(base).close()
    assert base.closed
