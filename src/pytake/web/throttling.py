"""Throttling of failed credentials per client address: bad API keys and failed sign-ins.

Up to `LIMIT` failures in a rolling `WINDOW_SECONDS` are answered normally; from then on, any
attempt from that address that would need a key checked is refused (429, `Retry-After`)
until the oldest of those failures leaves the window. Refused attempts are not counted, so a
client that keeps trying is let in again a minute after its last real failure.

Failures are counted in Redis when the deployment has one (every API process sees the same
counts), in this process otherwise; while Redis cannot be reached, each process counts alone.
"""

import asyncio
import logging
import math
import secrets
from collections import deque
from typing import TYPE_CHECKING, Protocol

from starlette.requests import HTTPConnection

from pytake.core.clock import Clock
from pytake.core.errors import TooManyAttemptsError

if TYPE_CHECKING:  # the Redis client comes with the celery extra, imported only when used
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

LIMIT = 20
WINDOW_SECONDS = 60.0
# Addresses remembered by the in-process store; the ones that failed longest ago go first.
MAX_ADDRESSES = 10_000
REDIS_KEY_PREFIX = "pytake:auth-failures:"
# After a Redis error the local count is used this long, so that an outage does not make
# every request wait for a connection timeout.
REDIS_RETRY_SECONDS = 5.0


class FailureStore(Protocol):
    async def record(self, address: str, at: float) -> None: ...

    async def lifted_at(self, address: str, now: float) -> float | None:
        """When the address falls back under the limit; None when it is under it now."""
        ...


class LocalFailureStore:
    """Per address, the times of its newest `limit` failures (older ones cannot matter)."""

    def __init__(
        self,
        *,
        limit: int = LIMIT,
        window: float = WINDOW_SECONDS,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self._limit, self._window, self._max_addresses = limit, window, max_addresses
        self._failures: dict[str, deque[float]] = {}

    async def record(self, address: str, at: float) -> None:
        # Re-inserted, so the dict's order is that of the latest failure of each address.
        times = self._failures.pop(address, None) or deque(maxlen=self._limit)
        times.append(at)
        self._failures[address] = times
        while len(self._failures) > self._max_addresses:
            del self._failures[next(iter(self._failures))]

    async def lifted_at(self, address: str, now: float) -> float | None:
        times = self._failures.get(address)
        if times is None or len(times) < self._limit or times[0] <= now - self._window:
            return None
        return times[0] + self._window

    def address_count(self) -> int:
        return len(self._failures)


class RedisFailureStore:
    """A sorted set per address, scored by time, trimmed to its newest `limit` failures."""

    def __init__(
        self,
        client: "Redis",
        *,
        limit: int = LIMIT,
        window: float = WINDOW_SECONDS,
        fallback: LocalFailureStore | None = None,
    ) -> None:
        from redis import RedisError

        self._errors = (RedisError, OSError)
        self._client, self._limit, self._window = client, limit, window
        self._fallback = fallback or LocalFailureStore(limit=limit, window=window)
        self._local_until = -math.inf

    async def record(self, address: str, at: float) -> None:
        if self._use_local():
            await self._fallback.record(address, at)
            return
        key = REDIS_KEY_PREFIX + address
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {f"{at!r}:{secrets.token_hex(4)}": at})
                pipe.zremrangebyrank(key, 0, -(self._limit + 1))
                pipe.expire(key, math.ceil(self._window) + 1)
                await pipe.execute()
        except self._errors as exc:
            self._note_failure(exc)
            await self._fallback.record(address, at)

    async def lifted_at(self, address: str, now: float) -> float | None:
        if self._use_local():
            return await self._fallback.lifted_at(address, now)
        try:
            # The limit-th newest failure: present only when there are at least `limit`.
            nth = await self._client.zrange(
                REDIS_KEY_PREFIX + address, -self._limit, -self._limit, withscores=True
            )
        except self._errors as exc:
            self._note_failure(exc)
            return await self._fallback.lifted_at(address, now)
        if not nth:
            return None
        oldest = float(nth[0][1])
        return None if oldest <= now - self._window else oldest + self._window

    def _use_local(self) -> bool:
        return asyncio.get_running_loop().time() < self._local_until

    def _note_failure(self, exc: BaseException) -> None:
        logger.warning(
            "failed credentials counted in this process for %gs (Redis: %s: %s)",
            REDIS_RETRY_SECONDS,
            type(exc).__name__,
            exc,
        )
        self._local_until = asyncio.get_running_loop().time() + REDIS_RETRY_SECONDS


class Throttle:
    """The policy over a store, on the runtime's clock."""

    def __init__(self, store: FailureStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def retry_after(self, address: str) -> int | None:
        """Seconds until the address may try a credential again; None when it may now."""
        now = self._clock.now().timestamp()
        lifted_at = await self._store.lifted_at(address, now)
        return None if lifted_at is None else max(1, math.ceil(lifted_at - now))

    async def check(self, address: str) -> None:
        """Raises TooManyAttemptsError while the address is over the limit."""
        seconds = await self.retry_after(address)
        if seconds is not None:
            raise TooManyAttemptsError(
                f"too many failed attempts from your address: retry in {seconds} s",
                retry_after_seconds=seconds,
            )

    async def failed(self, address: str) -> None:
        await self._store.record(address, self._clock.now().timestamp())


def client_address(connection: HTTPConnection) -> str:
    """The peer's address as the server reports it (a trusted proxy's client, see settings)."""
    return connection.client.host if connection.client is not None else "unknown"


def throttle_of(connection: HTTPConnection) -> Throttle:
    throttle: Throttle = connection.app.state.throttle
    return throttle
