"""The next state of a message after one attempt, for each kind of result."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pytake.sending.outcomes import outcome_of
from pytake.sending.ports import ErrorClass, SendError, SendResult
from pytake.sending.retry_policy import RetryPolicy
from pytake.sending.values import ClaimedMessage

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(seconds=2)
POLICY = RetryPolicy(max_attempts=3, base_delay=60, max_delay=3600)


def _message(attempts: int = 0, retries: int = 0) -> ClaimedMessage:
    return ClaimedMessage(
        uuid.uuid4(), "Ana", "5511999990001", {}, attempts, retries, lease_token=uuid.uuid4()
    )


def _failed(error_class: ErrorClass, retry_after: float | None = None) -> SendResult:
    return SendResult(None, SendError(error_class, "boom", code=7, retry_after_seconds=retry_after))


def test_success_is_sent_with_its_wamid_when_api_accepts() -> None:
    outcome = outcome_of(
        _message(), SendResult("wamid.X", None, 12), policy=POLICY, attempted_at=T0, finished_at=T1
    )
    assert (outcome.status, outcome.success, outcome.wamid) == ("sent", True, "wamid.X")
    assert (outcome.attempt_number, outcome.attempted_at, outcome.duration_ms) == (0, T0, 12)


def test_transient_failure_spends_a_retry_due_after_backoff_from_failure_time() -> None:
    message = _message(attempts=1, retries=1)
    outcome = outcome_of(
        message, _failed(ErrorClass.TRANSIENT), policy=POLICY, attempted_at=T0, finished_at=T1
    )
    assert (outcome.status, outcome.retries_used) == ("retrying", 2)
    assert outcome.next_attempt_at == T1 + timedelta(seconds=120)
    assert (outcome.error_code, outcome.error_class, outcome.attempt_number) == (7, "transient", 1)


def test_throttled_failure_keeps_the_retry_budget_when_rescheduled() -> None:
    outcome = outcome_of(
        _message(attempts=2, retries=1),
        _failed(ErrorClass.THROTTLED, retry_after=4),
        policy=POLICY,
        attempted_at=T0,
        finished_at=T1,
    )
    assert (outcome.status, outcome.retries_used) == ("retrying", 1)
    assert outcome.next_attempt_at == T1 + timedelta(seconds=4)


def test_halting_failure_puts_the_message_back_untouched_when_the_number_is_refused() -> None:
    outcome = outcome_of(
        _message(retries=2), _failed(ErrorClass.HALTING), policy=POLICY, attempted_at=T0,
        finished_at=T1,
    )  # fmt: skip
    assert (outcome.status, outcome.retries_used, outcome.next_attempt_at) == ("pending", 2, T1)
    assert outcome.success is False


@pytest.mark.parametrize(
    ("error_class", "retries"),
    [(ErrorClass.PERMANENT, 0), (ErrorClass.TRANSIENT, 3), (ErrorClass.UNKNOWN, 2)],
)
def test_failure_ends_the_contact_when_retrying_cannot_help(
    error_class: ErrorClass, retries: int
) -> None:
    outcome = outcome_of(
        _message(retries=retries), _failed(error_class), policy=POLICY, attempted_at=T0,
        finished_at=T1,
    )  # fmt: skip
    assert (outcome.status, outcome.next_attempt_at) == ("failed", None)
