"""The retry table of ENGINE.md §1 and the decision taken after each kind of failure."""

import random

import pytest

from pytake.sending.ports import ErrorClass, SendError
from pytake.sending.retry_policy import (
    RetryPolicy,
    Verdict,
    calculate_retry_delay,
    can_retry,
    decide_after_failure,
    total_retry_wait,
)

DEFAULT = RetryPolicy()
FAST = RetryPolicy(max_attempts=5, base_delay=10, max_delay=300)
SLOW = RetryPolicy(max_attempts=10, base_delay=300, max_delay=7200)


@pytest.mark.parametrize(
    ("policy", "delays", "total"),
    [
        (DEFAULT, [60, 120, 240], 420),
        (FAST, [10, 20, 40, 80, 160], 310),
        (SLOW, [300, 600, 1200, 2400, 4800, 7200, 7200, 7200, 7200, 7200], 45_300),
    ],
    ids=["default-60-3600-x3", "10-300-x5", "300-7200-x10"],
)
def test_delays_and_total_wait_follow_the_table_when_policy_is_given(
    policy: RetryPolicy, delays: list[int], total: int
) -> None:
    assert [calculate_retry_delay(k, policy) for k in range(policy.max_attempts)] == delays
    assert total_retry_wait(policy) == total


def test_default_delays_double_then_cap_at_3600_from_attempt_7_when_retries_go_on() -> None:
    before_attempt = {k + 1: calculate_retry_delay(k, DEFAULT) for k in range(9)}
    assert before_attempt == {
        1: 60,
        2: 120,
        3: 240,
        4: 480,
        5: 960,
        6: 1920,
        7: 3600,
        8: 3600,
        9: 3600,
    }


def test_retry_budget_allows_max_attempts_retries_when_counting_from_zero() -> None:
    assert [can_retry(used, DEFAULT) for used in range(5)] == [True, True, True, False, False]


def _error(error_class: ErrorClass, retry_after: float | None = None) -> SendError:
    return SendError(error_class, "boom", code=1, retry_after_seconds=retry_after)


def test_transient_failure_retries_after_backoff_when_budget_remains() -> None:
    decision = decide_after_failure(_error(ErrorClass.TRANSIENT), retries_used=1, policy=DEFAULT)
    assert (decision.verdict, decision.due_in_seconds) == (Verdict.RETRY, 120)


def test_transient_failure_fails_when_budget_is_spent() -> None:
    decision = decide_after_failure(_error(ErrorClass.TRANSIENT), retries_used=3, policy=DEFAULT)
    assert decision.verdict == Verdict.FAIL


def test_permanent_failure_fails_at_once_when_budget_remains() -> None:
    decision = decide_after_failure(_error(ErrorClass.PERMANENT), retries_used=0, policy=DEFAULT)
    assert decision.verdict == Verdict.FAIL


def test_halting_failure_halts_when_it_comes() -> None:
    decision = decide_after_failure(_error(ErrorClass.HALTING), retries_used=3, policy=DEFAULT)
    assert decision.verdict == Verdict.HALT


def test_throttled_failure_reschedules_after_named_wait_when_api_names_one() -> None:
    decision = decide_after_failure(
        _error(ErrorClass.THROTTLED, retry_after=16), retries_used=3, policy=DEFAULT
    )
    assert (decision.verdict, decision.due_in_seconds) == (Verdict.RESCHEDULE, 16)


def test_throttled_failure_waits_at_least_a_second_when_api_names_no_wait() -> None:
    decision = decide_after_failure(_error(ErrorClass.THROTTLED), retries_used=0, policy=DEFAULT)
    assert (decision.verdict, decision.due_in_seconds) == (Verdict.RESCHEDULE, 1.0)


def test_unknown_code_retries_twice_then_fails_when_it_keeps_coming() -> None:
    verdicts = [
        decide_after_failure(_error(ErrorClass.UNKNOWN), retries_used=k, policy=DEFAULT).verdict
        for k in range(3)
    ]
    assert verdicts == [Verdict.RETRY, Verdict.RETRY, Verdict.FAIL]


def test_retry_waits_for_named_wait_when_it_exceeds_the_backoff() -> None:
    decision = decide_after_failure(
        _error(ErrorClass.TRANSIENT, retry_after=3600), retries_used=0, policy=DEFAULT
    )
    assert decision.due_in_seconds == 3600


def test_full_jitter_spreads_delays_within_the_backoff_when_enabled() -> None:
    policy = RetryPolicy(jitter="full")
    rng = random.Random(7)
    delays = {
        decide_after_failure(
            _error(ErrorClass.TRANSIENT), retries_used=2, policy=policy, rng=rng
        ).due_in_seconds
        for _ in range(50)
    }
    assert all(0 <= delay <= 240 for delay in delays)
    assert len(delays) > 40
