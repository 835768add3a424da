"""Status receipts from Meta and the pure rules that turn them into message changes (ENGINE §5).

Receipts are monotonic (sent < delivered < read, `played` counts as read), idempotent, and may
arrive late, twice or out of order; a `failed` receipt reopens the send it names when its
error is worth a retry. No I/O here: the repository loads snapshots and writes the changes.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from pytake.campaigns.models import CampaignStatus
from pytake.campaigns.models import MessageStatus as M
from pytake.sending.ports import ErrorClass, SendError
from pytake.sending.retry_policy import (
    RetryPolicy,
    Verdict,
    can_retry,
    decide_after_failure,
    due_at,
)


class ReceiptStatus(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"
    FAILED = "failed"


class ReceiptResult(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # nothing new: the same status again, or a lower one arriving late
    UNKNOWN = "unknown"  # no message of ours has this wamid (or callback data)
    IGNORED = "ignored"  # a failure after delivery, or news about a send that already failed


SUCCESS_RANKS: Final = {M.SENT: 1, M.DELIVERED: 2, M.READ: 3}
_RECEIPT_RANKS: Final = {
    ReceiptStatus.SENT: 1,
    ReceiptStatus.DELIVERED: 2,
    ReceiptStatus.READ: 3,
    ReceiptStatus.PLAYED: 3,
}
_STATUS_OF_RANK: Final = {rank: status for status, rank in SUCCESS_RANKS.items()}
# Messages a receipt naming them by callback data may adopt: the send's answer was lost, so
# the engine thinks it is still pending, in flight, failed or waiting for a retry.
ADOPTABLE: Final = (M.PENDING, M.SENDING, M.RETRYING, M.FAILED, M.CANCELLED)
NO_DETAILS: Final = SendError(ErrorClass.UNKNOWN, "failed status without error details")


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One `statuses[]` item of a webhook, as the engine needs it."""

    wamid: str
    status: ReceiptStatus
    timestamp: datetime | None = None
    recipient_id: str = ""
    biz_opaque_callback_data: str | None = None
    errors: tuple[SendError, ...] = ()

    @property
    def callback_message_id(self) -> uuid.UUID | None:
        """The engine's message id echoed back (ENGINE §5), when the data is one."""
        try:
            return uuid.UUID(self.biz_opaque_callback_data or "")
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class MessageSnapshot:
    id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_status: str
    policy: RetryPolicy
    wamid: str | None
    status: str
    retries_used: int


@dataclass(frozen=True, slots=True)
class Failure:
    error: SendError
    status: str
    spends_retry: bool
    next_attempt_at: datetime | None


@dataclass(slots=True)
class MessageChange:
    """Where one message's receipts in a body lead; the repository writes it."""

    snapshot: MessageSnapshot
    wamid: str | None
    status: str
    adopted: bool = False
    reached: str | None = None  # the highest success status a receipt brought
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    failure: Failure | None = None


@dataclass(slots=True)
class ReceiptPlan:
    changes: dict[uuid.UUID, MessageChange] = field(default_factory=dict)
    results: Counter[ReceiptResult] = field(default_factory=Counter)
    late_failures: list[StatusEvent] = field(default_factory=list)

    @property
    def retried_campaign_ids(self) -> set[uuid.UUID]:
        return {
            c.snapshot.campaign_id
            for c in self.changes.values()
            if c.failure is not None and c.failure.status == M.RETRYING
        }


def plan_receipts(
    events: list[StatusEvent],
    *,
    by_wamid: dict[str, MessageSnapshot],
    by_id: dict[uuid.UUID, MessageSnapshot],
    now: datetime,
) -> ReceiptPlan:
    """Folds every receipt, in body order, onto the message it names."""
    plan = ReceiptPlan()
    adopted: dict[str, MessageSnapshot] = {}
    for event in events:
        snapshot = by_wamid.get(event.wamid) or adopted.get(event.wamid)
        callback_id = event.callback_message_id
        if snapshot is None and event.status is not ReceiptStatus.FAILED and callback_id:
            snapshot = by_id.get(callback_id)
        if snapshot is None:
            plan.results[ReceiptResult.UNKNOWN] += 1
            continue
        change = plan.changes.get(snapshot.id)
        if change is None:
            change = MessageChange(snapshot, snapshot.wamid, snapshot.status)
            plan.changes[snapshot.id] = change
        result = _apply(change, event, now)
        if change.adopted and change.wamid is not None:
            adopted[change.wamid] = snapshot
        plan.results[result] += 1
        if result is ReceiptResult.IGNORED and event.status is ReceiptStatus.FAILED:
            plan.late_failures.append(event)
    plan.changes = {k: c for k, c in plan.changes.items() if c.reached or c.failure}
    return plan


def _apply(change: MessageChange, event: StatusEvent, now: datetime) -> ReceiptResult:
    if event.status is ReceiptStatus.FAILED:
        return _fail(change, event, now)
    rank = _RECEIPT_RANKS[event.status]
    at = event.timestamp or now
    if change.wamid != event.wamid:
        if change.status not in ADOPTABLE:
            return ReceiptResult.IGNORED
        change.wamid, change.adopted, change.sent_at = event.wamid, True, at
        _reach(change, rank, at)
        return ReceiptResult.APPLIED
    current = SUCCESS_RANKS.get(M(change.status))
    if current is None:
        return ReceiptResult.IGNORED
    if rank <= current:
        return ReceiptResult.DUPLICATE
    _reach(change, rank, at)
    return ReceiptResult.APPLIED


def _reach(change: MessageChange, rank: int, at: datetime) -> None:
    change.status = change.reached = _STATUS_OF_RANK[rank]
    if rank >= SUCCESS_RANKS[M.DELIVERED]:
        # `delivered` is skipped when a message is read at once: read implies delivered.
        change.delivered_at = change.delivered_at or at
    if rank >= SUCCESS_RANKS[M.READ]:
        change.read_at = change.read_at or at


def _fail(change: MessageChange, event: StatusEvent, now: datetime) -> ReceiptResult:
    if change.status in (M.DELIVERED, M.READ):
        return ReceiptResult.IGNORED
    if change.status != M.SENT:
        return ReceiptResult.DUPLICATE
    change.failure = decide_receipt_failure(
        change.snapshot, event.errors[0] if event.errors else NO_DETAILS, now=now
    )
    change.status = change.failure.status
    return ReceiptResult.APPLIED


def decide_receipt_failure(
    snapshot: MessageSnapshot, error: SendError, *, now: datetime
) -> Failure:
    """A retry when the error is worth one and budget remains; else the contact has failed.

    Every reopened send spends budget, throttled ones included: each round costs a real
    accepted message, so the loop must end. Halting codes fail the contact (a person acts,
    then `retry-failed` requeues it), since the send was accepted and the campaign moved on.
    """
    policy, used = snapshot.policy, snapshot.retries_used
    if snapshot.campaign_status != CampaignStatus.CANCELLED:
        decision = decide_after_failure(error, retries_used=used, policy=policy)
        retry = decision.verdict is Verdict.RETRY or (
            decision.verdict is Verdict.RESCHEDULE and can_retry(used, policy)
        )
        if retry:
            return Failure(error, M.RETRYING, True, due_at(now, decision))
    return Failure(error, M.FAILED, False, None)
