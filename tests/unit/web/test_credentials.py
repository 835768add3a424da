"""The watch over open sockets' credentials: one check a round, ended ones told at once."""

import asyncio
import uuid

import pytest

from pytake.web.credentials import Credential, CredentialWatch

pytestmark = pytest.mark.unit


class Registry:
    """Plays the database: the credentials that still hold, and the checks made."""

    def __init__(self) -> None:
        self.holding: set[Credential] = set()
        self.checks: list[frozenset[Credential]] = []
        self.broken = False

    async def __call__(self, credentials: frozenset[Credential]) -> set[Credential]:
        self.checks.append(credentials)
        if self.broken:
            raise ConnectionError("database went away")
        return credentials & self.holding


def key() -> Credential:
    return Credential("api_key", uuid.uuid4())


async def test_the_watchers_of_a_revoked_credential_are_told_at_the_next_round() -> None:
    registry = Registry()
    watch = CredentialWatch(registry, interval=0.05)
    revoked, kept = key(), Credential("web_session", uuid.uuid4())
    registry.holding = {revoked, kept}
    try:
        async with (
            watch.watching(revoked) as first,
            watch.watching(revoked) as second,
            watch.watching(kept) as other,
        ):
            await asyncio.sleep(0.12)
            assert [e.is_set() for e in (first, second, other)] == [False] * 3
            registry.holding.discard(revoked)
            await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), timeout=1)
            assert not other.is_set()
    finally:
        await watch.close()
    assert registry.checks[0] == {revoked, kept}


async def test_check_soon_checks_at_once_instead_of_at_the_next_round() -> None:
    registry = Registry()
    watch = CredentialWatch(registry, interval=60)
    credential = key()
    try:
        async with watch.watching(credential) as ended:
            await asyncio.sleep(0)
            watch.check_soon()
            await asyncio.wait_for(ended.wait(), timeout=1)
    finally:
        await watch.close()


async def test_a_failed_check_ends_no_socket_and_the_next_round_checks_again() -> None:
    registry = Registry()
    watch = CredentialWatch(registry, interval=0.02)
    credential = key()
    registry.holding, registry.broken = {credential}, True
    try:
        async with watch.watching(credential) as ended:
            await asyncio.sleep(0.1)
            assert len(registry.checks) >= 2
            assert not ended.is_set()
            registry.broken = False
            registry.holding = set()
            await asyncio.wait_for(ended.wait(), timeout=1)
    finally:
        await watch.close()


async def test_nothing_is_checked_when_no_socket_is_open() -> None:
    registry = Registry()
    watch = CredentialWatch(registry, interval=0.01)
    async with watch.watching(key()):
        for _ in range(200):  # until the watch has checked at least once, however loaded
            if registry.checks:
                break
            await asyncio.sleep(0.01)
    checks = len(registry.checks)
    await asyncio.sleep(0.05)
    await watch.close()
    assert checks >= 1
    assert len(registry.checks) == checks
