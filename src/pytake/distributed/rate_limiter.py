"""Per-number send pacing shared by every process through Redis (ENGINE.md §4, distributed).

The same rules as the in-process limiter, kept in one Redis hash per number and changed only
by Lua scripts, so they are atomic across processes and machines: a send is granted only once
`1 / rate` has passed since the previous grant, by Redis's own clock; a throttled number is
slowed down at once and recovers gradually. Each process lets one waiter per number ask at a
time, so the others queue locally instead of polling Redis.
"""

import asyncio
from collections.abc import Awaitable, Callable

from redis import RedisError
from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from pytake.sending.ports import RateLimiterUnavailableError
from pytake.sending.rate_limiter import (
    PACING_MARGIN,
    RECOVERY_PER_SECOND,
    SLOWDOWN_FACTOR,
    SLOWEST_SHARE,
)

# Idle state is useless after this: the pace is back at full share and no slot is ahead.
STATE_TTL_MS = 120_000

# Times are whole microseconds, written with %.0f: Lua's own number-to-string conversion keeps
# 14 digits, which would round a Unix time to 0.1 ms and let grants creep closer together.
_NOW = """
local now = tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
"""

# Grants a send now (returns "0") or says how many microseconds until one may go. ARGV: rate,
# margin, recovery per second, TTL in ms, and an optional "now" in µs (tests move time).
_ACQUIRE = (
    _NOW
    + """
local state = redis.call('HMGET', KEYS[1], 'next_slot', 'share', 'throttled_at')
local next_slot = tonumber(state[1]) or 0
if next_slot > now then
  return string.format('%.0f', next_slot - now)
end
local recovered = (now - (tonumber(state[3]) or 0)) / 1000000 * tonumber(ARGV[3])
local share = math.min(1, (tonumber(state[2]) or 1) + recovered)
local interval = math.ceil(1000000 / (tonumber(ARGV[1]) * tonumber(ARGV[2]) * share))
redis.call('HSET', KEYS[1], 'next_slot', string.format('%.0f', now + interval))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return '0'
"""
)

# ARGV: slow-down factor, slowest share, recovery per second, TTL in ms, optional "now" in µs.
_SLOW_DOWN = (
    _NOW
    + """
local state = redis.call('HMGET', KEYS[1], 'share', 'throttled_at')
local recovered = (now - (tonumber(state[2]) or 0)) / 1000000 * tonumber(ARGV[3])
local share = math.min(1, (tonumber(state[1]) or 1) + recovered)
share = math.max(tonumber(ARGV[2]), share * tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'share', tostring(share), 'throttled_at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return '0'
"""
)
_MICROSECONDS = 1_000_000


class RedisRateLimiter:
    """Token buckets keyed by WhatsApp number, for every campaign of every process."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "pytake:number",
        now: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`now` replaces Redis's clock (tests); `sleep` is how a waiter waits."""
        self._client, self._prefix, self._now, self._sleep = client, prefix, now, sleep
        self._acquire = client.register_script(_ACQUIRE)
        self._slow_down = client.register_script(_SLOW_DOWN)
        self._turns: dict[str, asyncio.Lock] = {}

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}:pace"

    def _clock(self) -> list[str]:
        return [str(round(self._now() * _MICROSECONDS))] if self._now is not None else []

    async def acquire(self, key: str, rate_per_second: float) -> None:
        """Returns when `key` may send its next message (this process's waiters in turn)."""
        async with self._turns.setdefault(key, asyncio.Lock()):
            while True:
                wait = await self._call(
                    self._acquire,
                    key,
                    [rate_per_second, PACING_MARGIN, RECOVERY_PER_SECOND, STATE_TTL_MS],
                )
                if wait <= 0:
                    return
                await self._sleep(wait / _MICROSECONDS)

    async def slow_down(self, key: str) -> None:
        """The API said this number sends too fast: halve its pace for a while."""
        await self._call(
            self._slow_down,
            key,
            [SLOWDOWN_FACTOR, SLOWEST_SHARE, RECOVERY_PER_SECOND, STATE_TTL_MS],
        )

    async def _call(self, script: AsyncScript, key: str, args: list[float | int]) -> float:
        try:
            answer = await script(keys=[self._key(key)], args=[*args, *self._clock()])
        except (RedisError, OSError) as exc:
            raise RateLimiterUnavailableError(
                f"the shared rate limiter (Redis) is unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        return float(answer)
