"""Send pacing per number: even spacing from real send times, per number, slow-down."""

import asyncio
from itertools import pairwise

from pytake.sending.rate_limiter import PACING_MARGIN, LocalRateLimiter


class FakeTime:
    """A monotonic clock whose sleeps advance it (plus any lateness we inject)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lateness = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.lateness


async def _send_times(
    limiter: LocalRateLimiter, time: FakeTime, key: str, rate: float, n: int
) -> list[float]:
    times = []
    for _ in range(n):
        await limiter.acquire(key, rate)
        times.append(time.now)
    return times


def _limiter() -> tuple[LocalRateLimiter, FakeTime]:
    time = FakeTime()
    return LocalRateLimiter(time.monotonic, time.sleep), time


async def test_sends_are_spaced_evenly_under_the_rate_when_many_wait() -> None:
    limiter, time = _limiter()
    times = await _send_times(limiter, time, "n1", 20, 41)
    interval = 1 / (20 * PACING_MARGIN)
    assert all(abs(b - a - interval) < 1e-9 for a, b in pairwise(times))
    assert sum(1 for t in times if t < times[0] + 1.0) <= 20


async def test_a_late_wake_pushes_the_next_send_back_when_the_loop_is_busy() -> None:
    limiter, time = _limiter()
    time.lateness = 0.2
    times = await _send_times(limiter, time, "n1", 10, 5)
    assert all(b - a >= 1 / (10 * PACING_MARGIN) for a, b in pairwise(times))


async def test_numbers_are_paced_independently_when_both_send() -> None:
    limiter, time = _limiter()
    await _send_times(limiter, time, "n1", 10, 10)
    before = time.now
    await limiter.acquire("n2", 10)
    assert time.now == before


async def test_idle_time_is_not_saved_up_into_a_burst_when_sending_resumes() -> None:
    limiter, time = _limiter()
    await _send_times(limiter, time, "n1", 10, 3)
    time.now += 60
    times = await _send_times(limiter, time, "n1", 10, 3)
    assert times[0] == 100.0 + 2 / (10 * PACING_MARGIN) + 60
    assert times[1] - times[0] > 0.1


async def test_pace_halves_then_recovers_when_the_api_throttles() -> None:
    limiter, time = _limiter()
    await limiter.slow_down("n1")
    first, second = await _send_times(limiter, time, "n1", 10, 2)
    assert abs(second - first - 2 / (10 * PACING_MARGIN)) < 0.01
    time.now += 30
    third, fourth = await _send_times(limiter, time, "n1", 10, 2)
    assert abs(fourth - third - 1 / (10 * PACING_MARGIN)) < 1e-9


async def test_waiters_are_served_in_turn_when_they_come_together() -> None:
    limiter, _ = _limiter()
    order: list[int] = []

    async def send(index: int) -> None:
        await limiter.acquire("n1", 50)
        order.append(index)

    await asyncio.gather(*(send(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]
