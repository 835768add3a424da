"""Turns one send result into the message's next state (pure, per ENGINE.md §1–§2)."""

from datetime import datetime

from pytake.campaigns.models import MessageStatus
from pytake.sending.ports import SendError, SendResult
from pytake.sending.retry_policy import RetryPolicy, Verdict, decide_after_failure, due_at
from pytake.sending.values import ClaimedMessage, Outcome


def outcome_of(
    message: ClaimedMessage,
    result: SendResult,
    *,
    policy: RetryPolicy,
    attempted_at: datetime,
    finished_at: datetime,
) -> Outcome:
    """The outcome of `message`'s attempt; retries are due from when the failure came back."""
    attempt = message.attempt_count
    if result.error is None:
        return Outcome(
            message_id=message.id,
            lease_token=message.lease_token,
            attempt_number=attempt,
            attempted_at=attempted_at,
            status=MessageStatus.SENT,
            retries_used=message.retries_used,
            success=True,
            wamid=result.wamid,
            duration_ms=result.duration_ms,
        )
    return failure_outcome(
        message,
        result.error,
        policy=policy,
        attempted_at=attempted_at,
        finished_at=finished_at,
        duration_ms=result.duration_ms,
    )


def failure_outcome(
    message: ClaimedMessage,
    error: SendError,
    *,
    policy: RetryPolicy,
    attempted_at: datetime,
    finished_at: datetime,
    duration_ms: int = 0,
) -> Outcome:
    decision = decide_after_failure(error, retries_used=message.retries_used, policy=policy)
    outcome = Outcome(
        message_id=message.id,
        lease_token=message.lease_token,
        attempt_number=message.attempt_count,
        attempted_at=attempted_at,
        status=MessageStatus.FAILED,
        retries_used=message.retries_used,
        success=False,
        error_message=error.message,
        error_code=error.code,
        error_class=error.error_class,
        duration_ms=duration_ms,
    )
    match decision.verdict:
        case Verdict.RETRY:
            outcome.status = MessageStatus.RETRYING
            outcome.retries_used += 1
            outcome.next_attempt_at = due_at(finished_at, decision)
        case Verdict.RESCHEDULE:
            outcome.status = MessageStatus.RETRYING
            outcome.next_attempt_at = due_at(finished_at, decision)
        case Verdict.HALT:
            outcome.status = MessageStatus.PENDING
            outcome.next_attempt_at = finished_at
    return outcome
