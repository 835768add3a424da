"""The shared pacing in Redis keeps the in-process limiter's rules, across limiter instances."""

import asyncio
from itertools import pairwise

import pytest
from redis.asyncio import Redis

from pytake.distributed.rate_limiter import RedisRateLimiter
from pytake.sending.ports import RateLimiterUnavailableError
from pytake.sending.rate_limiter import PACING_MARGIN
from support.redis import RedisServer

pytestmark = pytest.mark.integration


class FakeTime:
    """A clock shared by every limiter of a test; sleeps advance it (plus injected lateness)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lateness = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.lateness


def _limiter(client: Redis, time: FakeTime, prefix: str) -> RedisRateLimiter:
    return RedisRateLimiter(client, prefix=prefix, now=time.monotonic, sleep=time.sleep)


async def _send_times(
    limiter: RedisRateLimiter, time: FakeTime, rate: float, n: int
) -> list[float]:
    times = []
    for _ in range(n):
        await limiter.acquire("n1", rate)
        times.append(time.now)
    return times


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


async def test_sends_are_spaced_evenly_under_the_rate_when_many_wait(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    times = await _send_times(_limiter(redis_client, time, key_prefix), time, 20, 41)
    assert all(_close(b - a, 1 / (20 * PACING_MARGIN)) for a, b in pairwise(times))
    assert sum(1 for t in times if t < times[0] + 1.0) <= 20


async def test_two_processes_together_keep_one_pace_when_they_share_a_number(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    first, second = (_limiter(redis_client, time, key_prefix) for _ in range(2))
    times = []
    for index in range(40):
        await (first if index % 2 else second).acquire("n1", 10)
        times.append(time.now)
    assert all(b - a >= 1 / (10 * PACING_MARGIN) - 1e-6 for a, b in pairwise(times))
    assert sum(1 for t in times if t < times[0] + 1.0) <= 10


async def test_a_late_wake_pushes_the_next_send_back_when_the_loop_is_busy(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    time.lateness = 0.2
    times = await _send_times(_limiter(redis_client, time, key_prefix), time, 10, 5)
    assert all(b - a >= 1 / (10 * PACING_MARGIN) - 1e-6 for a, b in pairwise(times))


async def test_numbers_are_paced_independently_when_both_send(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    limiter = _limiter(redis_client, time, key_prefix)
    await _send_times(limiter, time, 10, 10)
    before = time.now
    await limiter.acquire("n2", 10)
    assert time.now == before


async def test_idle_time_is_not_saved_up_into_a_burst_when_sending_resumes(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    limiter = _limiter(redis_client, time, key_prefix)
    await _send_times(limiter, time, 10, 3)
    time.now += 60
    first, second = await _send_times(limiter, time, 10, 2)
    assert _close(second - first, 1 / (10 * PACING_MARGIN))


async def test_pace_halves_then_recovers_when_the_api_throttles(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    limiter = _limiter(redis_client, time, key_prefix)
    await limiter.slow_down("n1")
    first, second = await _send_times(limiter, time, 10, 2)
    assert abs(second - first - 2 / (10 * PACING_MARGIN)) < 0.01
    time.now += 30
    third, fourth = await _send_times(limiter, time, 10, 2)
    assert _close(fourth - third, 1 / (10 * PACING_MARGIN))


async def test_a_slow_down_seen_by_one_process_slows_the_others_when_they_share_a_number(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    first, second = (_limiter(redis_client, time, key_prefix) for _ in range(2))
    await first.slow_down("n1")
    start = time.now
    await second.acquire("n1", 10)
    await second.acquire("n1", 10)
    assert time.now - start >= 2 / (10 * PACING_MARGIN) - 0.01


async def test_waiters_are_served_in_turn_when_they_come_together(
    redis_client: Redis, key_prefix: str
) -> None:
    time = FakeTime()
    limiter = _limiter(redis_client, time, key_prefix)
    order: list[int] = []

    async def send(index: int) -> None:
        await limiter.acquire("n1", 50)
        order.append(index)

    await asyncio.gather(*(send(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]


class _WaitedError(Exception):
    pass


async def test_next_send_waits_its_interval_by_redis_clock_when_no_clock_is_given(
    redis_client: Redis, key_prefix: str
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)
        raise _WaitedError

    limiter = RedisRateLimiter(redis_client, prefix=key_prefix, sleep=record)
    await limiter.acquire("n1", 1)
    with pytest.raises(_WaitedError):
        await limiter.acquire("n1", 1)
    assert 0.5 < waits[0] <= 1 / PACING_MARGIN


async def test_acquire_raises_unavailable_when_redis_is_down(
    stoppable_redis: RedisServer, key_prefix: str
) -> None:
    client = Redis.from_url(stoppable_redis.url)
    try:
        limiter = RedisRateLimiter(client, prefix=key_prefix)
        await limiter.acquire("n1", 10)
        stoppable_redis.stop()
        with pytest.raises(RateLimiterUnavailableError, match="unreachable"):
            await limiter.acquire("n1", 10)
    finally:
        await client.aclose()
