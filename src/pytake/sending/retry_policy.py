"""The retry policy of ENGINE.md §1: when the next attempt is due, and whether there is one.

Pure: no I/O, no clock. Attempts are numbered from 0; `retries_used` counts the failed
attempts that spent retry budget (throttling and halting never do).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pytake.sending.ports import ErrorClass, SendError

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BASE_DELAY = 60
DEFAULT_MAX_DELAY = 3600
# Unknown codes are retried while they have used fewer retries than this, then failed.
UNKNOWN_CODE_RETRY_LIMIT = 2
# A throttled send waits at least this long when the API names no wait.
THROTTLE_MIN_WAIT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay: int = DEFAULT_BASE_DELAY
    max_delay: int = DEFAULT_MAX_DELAY
    jitter: str = "none"


def calculate_retry_delay(attempt: int, policy: RetryPolicy) -> float:
    """Seconds between the failure of attempt `attempt` and the next attempt (no jitter)."""
    return float(min(policy.base_delay * 2**attempt, policy.max_delay))


def total_retry_wait(policy: RetryPolicy) -> float:
    """The worst total wait of one contact: every retry taken, each at its full delay."""
    return sum(calculate_retry_delay(k, policy) for k in range(policy.max_attempts))


def can_retry(retries_used: int, policy: RetryPolicy) -> bool:
    return retries_used < policy.max_attempts


class Verdict(StrEnum):
    RETRY = "retry"  # spend one retry, due after the backoff delay
    RESCHEDULE = "reschedule"  # throttled: due after the wait, budget untouched
    FAIL = "fail"  # ends the contact as failed
    HALT = "halt"  # back to the queue untouched; the campaign pauses


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    due_in_seconds: float = 0.0


def decide_after_failure(
    error: SendError,
    *,
    retries_used: int,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> Decision:
    """What happens to a contact whose attempt failed with `error`."""
    match error.error_class:
        case ErrorClass.HALTING:
            return Decision(Verdict.HALT)
        case ErrorClass.THROTTLED:
            wait = max(error.retry_after_seconds or 0.0, THROTTLE_MIN_WAIT_SECONDS)
            return Decision(Verdict.RESCHEDULE, wait)
        case ErrorClass.PERMANENT:
            return Decision(Verdict.FAIL)
        case ErrorClass.UNKNOWN if retries_used >= UNKNOWN_CODE_RETRY_LIMIT:
            return Decision(Verdict.FAIL)
    if not can_retry(retries_used, policy):
        return Decision(Verdict.FAIL)
    delay = calculate_retry_delay(retries_used, policy)
    if policy.jitter == "full":
        delay = (rng or random).uniform(0, delay)
    return Decision(Verdict.RETRY, max(delay, error.retry_after_seconds or 0.0))


def due_at(now: datetime, decision: Decision) -> datetime:
    return now + timedelta(seconds=decision.due_in_seconds)
