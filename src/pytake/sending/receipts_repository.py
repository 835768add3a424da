"""SQL of status receipts: snapshots by wamid, bulk monotonic writes, the raw webhook log."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from pytake.campaigns.models import Attempt, Campaign, CampaignStatus, Message
from pytake.campaigns.models import MessageStatus as M
from pytake.core.db import UTCDateTime
from pytake.sending.models import WebhookEvent
from pytake.sending.ports import ErrorClass
from pytake.sending.receipts import ADOPTABLE, SUCCESS_RANKS, MessageChange, MessageSnapshot
from pytake.sending.retry_policy import RetryPolicy

_message = cast(Table, Message.__table__)
_attempt = cast(Table, Attempt.__table__)
# Rows per IN list: one webhook body holds up to 1,000 statuses.
LOOKUP_CHUNK = 500
# Failures that may hide an accepted send (a timeout, a dropped connection, a 5xx).
_AMBIGUOUS = (ErrorClass.TRANSIENT, ErrorClass.UNKNOWN)
_NOT_A_SUCCESS = 99


def _inlined(values: Sequence[Any]) -> BindParameter[Any]:
    # Literals, not parameters: PostgreSQL gives a reused IN-list statement a slow generic plan.
    return bindparam(None, list(values), expanding=True, literal_execute=True)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start : start + LOOKUP_CHUNK]


_SNAPSHOT = select(
    Message.id,
    Message.campaign_id,
    Campaign.status,
    Campaign.retry_max_attempts,
    Campaign.retry_base_delay,
    Campaign.retry_max_delay,
    Campaign.retry_jitter,
    Message.wamid,
    Message.status,
    Message.retries_used,
).join(Campaign, Campaign.id == Message.campaign_id)


def _snapshot(row: Any) -> MessageSnapshot:
    message_id, campaign_id, campaign_status, attempts, base, cap, jitter, *rest = row
    wamid, status, retries_used = rest
    policy = RetryPolicy(max_attempts=attempts, base_delay=base, max_delay=cap, jitter=jitter)
    return MessageSnapshot(
        message_id, campaign_id, campaign_status, policy, wamid, status, retries_used
    )


async def snapshots_by_wamid(
    session: AsyncSession, wamids: Iterable[str]
) -> dict[str, MessageSnapshot]:
    found: dict[str, MessageSnapshot] = {}
    for chunk in _chunks(wamids):
        for row in await session.execute(_SNAPSHOT.where(Message.wamid.in_(_inlined(chunk)))):
            snapshot = _snapshot(row)
            found[cast(str, snapshot.wamid)] = snapshot
    return found


async def adoptable_snapshots(
    session: AsyncSession, message_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, MessageSnapshot]:
    """Messages a receipt may adopt by callback data (their send's answer was lost)."""
    found: dict[uuid.UUID, MessageSnapshot] = {}
    for chunk in _chunks(message_ids):
        query = _SNAPSHOT.where(Message.id.in_(_inlined(chunk)), Message.status.in_(ADOPTABLE))
        for row in await session.execute(query):
            snapshot = _snapshot(row)
            found[snapshot.id] = snapshot
    return found


_c = _message.c
_b_id = bindparam("b_id", type_=_c.id.type)
_b_wamid = bindparam("b_wamid", type_=String)
_b_status = bindparam("b_status", type_=String)
_b_now = bindparam("b_now", type_=UTCDateTime)
_rank = case(
    {status.value: rank for status, rank in SUCCESS_RANKS.items()},
    value=_c.status,
    else_=_NOT_A_SUCCESS,
)
_times = {
    "delivered_at": func.coalesce(_c.delivered_at, bindparam("b_delivered_at", type_=UTCDateTime)),
    "read_at": func.coalesce(_c.read_at, bindparam("b_read_at", type_=UTCDateTime)),
    "updated_at": _b_now,
}
_is_in_flight = _c.status == M.SENDING
# The accepted send is the one in flight, or else the last one recorded.
_accepted_attempt = case((_is_in_flight, _c.attempt_count), else_=_c.attempt_count - 1)


def _one_of(column: Any, values: Iterable[str]) -> Any:
    # Not `in_()`: its expanding list cannot be used by the executemany statements below.
    return or_(*(column == value for value in values))


_spent_on_lost_answer = and_(_c.status == M.RETRYING, _one_of(_c.last_error_class, _AMBIGUOUS))

# Every SET below reads the row as it was, and each WHERE re-checks the state the plan
# assumed, so concurrent bodies about the same message never move it backwards.
_ADOPT = (
    update(_message)
    .where(_c.id == _b_id, _one_of(_c.status, ADOPTABLE))
    .values(
        wamid=_b_wamid,
        status=_b_status,
        next_attempt_at=None,
        first_attempt_succeeded=or_(_c.first_attempt_succeeded, _accepted_attempt == 0),
        # The failure that spent a retry was this accepted send's lost answer: give it back.
        retries_used=case((_spent_on_lost_answer, _c.retries_used - 1), else_=_c.retries_used),
        sent_at=func.coalesce(_c.sent_at, bindparam("b_sent_at", type_=UTCDateTime)),
        **_times,
    )
)
_ADOPT_ATTEMPT = (
    update(_attempt)
    .where(
        _attempt.c.message_id == _b_id,
        _attempt.c.success.is_(False),
        _one_of(_attempt.c.error_class, _AMBIGUOUS),
        _attempt.c.attempt_number
        == select(Message.attempt_count - 1)
        .where(Message.id == _b_id, Message.wamid == _b_wamid, Message.lease_expires_at.is_(None))
        .scalar_subquery(),
    )
    .values(success=True, wamid=_b_wamid)
)
_ADVANCE = (
    update(_message)
    .where(_c.id == _b_id, _c.wamid == _b_wamid, _rank < bindparam("b_rank", type_=Integer))
    .values(status=_b_status, **_times)
)
_error_values = {
    "last_error": bindparam("b_error", type_=String),
    "last_error_code": bindparam("b_code", type_=Integer),
    "last_error_class": bindparam("b_class", type_=String),
}
_FAIL = (
    update(_message)
    .where(_c.id == _b_id, _c.wamid == _b_wamid, _c.status == M.SENT)
    .values(
        status=_b_status,
        retries_used=_c.retries_used + bindparam("b_spend", type_=Integer),
        next_attempt_at=bindparam("b_next_attempt_at", type_=UTCDateTime),
        # A send that was accepted and then failed did not succeed, whichever attempt it was.
        first_attempt_succeeded=False,
        updated_at=_b_now,
        **_error_values,
    )
)
_FAIL_ATTEMPT = (
    update(_attempt)
    .where(
        _attempt.c.message_id == _b_id,
        _attempt.c.wamid == _b_wamid,
        exists().where(
            Message.id == _b_id,
            Message.wamid == _b_wamid,
            Message.status.in_((M.RETRYING, M.FAILED)),
        ),
    )
    .values(
        success=False,
        error_message=_error_values["last_error"],
        error_code=_error_values["last_error_code"],
        error_class=_error_values["last_error_class"],
    )
)


def _success_params(change: MessageChange, now: datetime) -> dict[str, Any]:
    return {
        "b_id": change.snapshot.id,
        "b_wamid": change.wamid,
        "b_status": change.reached,
        "b_rank": SUCCESS_RANKS[M(change.reached)] if change.reached else 0,
        "b_sent_at": change.sent_at,
        "b_delivered_at": change.delivered_at,
        "b_read_at": change.read_at,
        "b_now": now,
    }


def _failure_params(change: MessageChange, now: datetime) -> dict[str, Any]:
    failure = change.failure
    assert failure is not None
    return {
        "b_id": change.snapshot.id,
        "b_wamid": change.wamid,
        "b_status": failure.status,
        "b_spend": int(failure.spends_retry),
        "b_next_attempt_at": failure.next_attempt_at,
        "b_error": failure.error.message,
        "b_code": failure.error.code,
        "b_class": failure.error.error_class.value,
        "b_now": now,
    }


async def write_changes(
    session: AsyncSession, changes: Iterable[MessageChange], *, now: datetime
) -> None:
    """Adoptions first, then advances, then failures: each one statement for the whole body."""
    changes = sorted(changes, key=lambda change: change.snapshot.id)
    adopted = [_success_params(c, now) for c in changes if c.adopted]
    advanced = [_success_params(c, now) for c in changes if c.reached and not c.adopted]
    failed = [_failure_params(c, now) for c in changes if c.failure is not None]
    for statements, params in (
        ((_ADOPT, _ADOPT_ATTEMPT), adopted),
        ((_ADVANCE,), advanced),
        ((_FAIL, _FAIL_ATTEMPT), failed),
    ):
        if params:
            for statement in statements:
                await session.execute(statement, params)


async def reopen_completed_campaigns(
    session: AsyncSession, campaign_ids: Iterable[uuid.UUID]
) -> list[uuid.UUID]:
    """Completed campaigns with a send to retry run again, so the engine makes the retry."""
    ids = list(campaign_ids)
    if not ids:
        return []
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id.in_(ids), Campaign.status == CampaignStatus.COMPLETED)
        .values(status=CampaignStatus.RUNNING, completed_at=None)
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def store_webhook_event(
    session: AsyncSession, body: bytes, *, status_count: int, received_at: datetime
) -> int:
    result = await session.execute(
        insert(WebhookEvent)
        .values(body=body, status_count=status_count, received_at=received_at)
        .returning(WebhookEvent.id)
    )
    return int(result.scalar_one())


async def mark_webhook_event(
    session: AsyncSession, event_id: int, *, processed_at: datetime | None, error: str | None
) -> None:
    await session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id)
        .values(processed_at=processed_at, error=error)
    )


async def unprocessed_webhook_event_ids(
    session: AsyncSession, *, received_before: datetime, after_id: int, limit: int
) -> list[int]:
    query = (
        select(WebhookEvent.id)
        .where(
            WebhookEvent.processed_at.is_(None),
            WebhookEvent.received_at < received_before,
            WebhookEvent.id > after_id,
        )
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def webhook_event_body(session: AsyncSession, event_id: int) -> bytes | None:
    return await session.scalar(select(WebhookEvent.body).where(WebhookEvent.id == event_id))
