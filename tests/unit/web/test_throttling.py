"""The failure throttle's policy and its in-process store, on a clock the test moves."""

from datetime import UTC, datetime, timedelta

import pytest

from pytake.core.errors import TooManyAttemptsError
from pytake.web.throttling import LIMIT, WINDOW_SECONDS, LocalFailureStore, Throttle

pytestmark = pytest.mark.unit


class StepClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def throttle(clock: StepClock) -> Throttle:
    return Throttle(LocalFailureStore(), clock)


async def fail(throttle: Throttle, clock: StepClock, address: str, times: int, gap: float) -> None:
    for _ in range(times):
        await throttle.failed(address)
        clock.advance(gap)


async def test_the_address_may_try_again_until_its_twentieth_failure_within_the_window(
    throttle: Throttle, clock: StepClock
) -> None:
    await fail(throttle, clock, "192.0.2.1", LIMIT - 1, gap=1)
    assert await throttle.retry_after("192.0.2.1") is None
    await fail(throttle, clock, "192.0.2.1", 1, gap=0)
    with pytest.raises(TooManyAttemptsError) as refused:
        await throttle.check("192.0.2.1")
    # The first failure was 19 s ago: it leaves the window in 41 s.
    assert refused.value.retry_after_seconds == WINDOW_SECONDS - (LIMIT - 1)
    assert await throttle.retry_after("192.0.2.2") is None


async def test_the_window_rolls_so_the_throttle_lifts_when_the_oldest_failure_ages_out(
    throttle: Throttle, clock: StepClock
) -> None:
    await fail(throttle, clock, "192.0.2.1", LIMIT, gap=2)
    first_failure_age = 2 * LIMIT
    clock.advance(WINDOW_SECONDS - first_failure_age - 0.5)
    assert await throttle.retry_after("192.0.2.1") == 1
    clock.advance(0.5)
    assert await throttle.retry_after("192.0.2.1") is None
    await fail(throttle, clock, "192.0.2.1", 1, gap=0)
    assert await throttle.retry_after("192.0.2.1") == 2


async def test_failures_spread_wider_than_the_window_never_throttle(
    throttle: Throttle, clock: StepClock
) -> None:
    await fail(throttle, clock, "192.0.2.1", 5 * LIMIT, gap=WINDOW_SECONDS / LIMIT + 0.01)
    assert await throttle.retry_after("192.0.2.1") is None


async def test_the_store_forgets_the_address_that_failed_longest_ago_when_full(
    clock: StepClock,
) -> None:
    store = LocalFailureStore(limit=2, max_addresses=3)
    throttle = Throttle(store, clock)
    for address in ("a", "b", "c", "a", "a", "d"):
        await throttle.failed(address)
    assert store.address_count() == 3
    assert await throttle.retry_after("a") is not None
    await throttle.failed("b")
    assert await throttle.retry_after("b") is None
