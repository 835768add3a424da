"""SQL of the engine: claiming due messages, recording outcomes, campaign control writes."""

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import (
    Attempt,
    Campaign,
    Message,
    MessageStatus,
)
from pytake.core.db import UTCDateTime
from pytake.numbers.models import WhatsAppNumber
from pytake.sending.retry_policy import RetryPolicy
from pytake.sending.values import CampaignPlan, ClaimedMessage, Outcome

_message = cast(Table, Message.__table__)
_OPEN = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.RETRYING)


async def load_plan(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignPlan | None:
    row = (
        await session.execute(
            select(Campaign, WhatsAppNumber)
            .join(WhatsAppNumber, WhatsAppNumber.id == Campaign.whatsapp_number_id)
            .where(Campaign.id == campaign_id)
        )
    ).first()
    if row is None:
        return None
    campaign, number = row
    return CampaignPlan(
        campaign_id=campaign.id,
        status=campaign.status,
        template_name=campaign.template["name"],
        language=campaign.template["language"],
        components=campaign.template.get("components") or [],
        policy=RetryPolicy(
            max_attempts=campaign.retry_max_attempts,
            base_delay=campaign.retry_base_delay,
            max_delay=campaign.retry_max_delay,
            jitter=campaign.retry_jitter,
        ),
        number_id=number.id,
        phone_number_id=number.phone_number_id,
        encrypted_access_token=number.access_token,
        api_base_url=number.api_base_url,
        throughput_mps=number.throughput_mps,
        messaging_limit_24h=number.messaging_limit_24h,
    )


async def claim_due_messages(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
) -> list[ClaimedMessage]:
    """Marks up to `limit` due messages `sending` under a fresh lease; retries due first.

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent claimers never take
    the same message; SQLite serialises writers by itself.
    """
    claimed: list[ClaimedMessage] = []
    token = uuid.uuid4()
    for status in (MessageStatus.RETRYING, MessageStatus.PENDING):
        if len(claimed) >= limit:
            break
        due = (
            select(Message.id)
            .where(
                Message.campaign_id == campaign_id,
                Message.status == status,
                Message.next_attempt_at <= now,
            )
            .order_by(Message.next_attempt_at)
            .limit(limit - len(claimed))
            .with_for_update(skip_locked=True)
        )
        result = await session.execute(
            update(Message)
            .where(Message.id.in_(due.scalar_subquery()))
            .values(
                status=MessageStatus.SENDING,
                lease_expires_at=lease_until,
                lease_token=token,
                lease_lost_at=None,
                in_flight_at=None,
                updated_at=now,
            )
            .returning(*CLAIMED_COLUMNS)
            .execution_options(synchronize_session=False)
        )
        claimed.extend(claimed_messages(result, token))
    return claimed


CLAIMED_COLUMNS = (
    Message.id,
    Message.contact_name,
    Message.contact_phone,
    Message.contact_attributes,
    Message.attempt_count,
    Message.retries_used,
)


def claimed_messages(rows: Iterable[Any], token: uuid.UUID) -> Iterator[ClaimedMessage]:
    """Claims from rows of CLAIMED_COLUMNS, under the lease `token`."""
    for id_, name, phone, attributes, attempts, retries in rows:
        yield ClaimedMessage(id_, name, phone, attributes, attempts, retries, token)


def _unless_adopted(value: ColumnElement[Any], column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`value`, unless a receipt webhook adopted the message while its send was in flight.

    The lease, not the status, marks an attempt not yet recorded: a receipt naming the
    message by its callback data (its answer came late or never) moves it on and keeps the
    lease, and what the receipt set wins over what the engine saw.
    """
    return case((_message.c.status == MessageStatus.SENDING, value), else_=column)


_record_message = (
    update(_message)
    .where(_message.c.id == bindparam("b_id"), _message.c.lease_token == bindparam("b_token"))
    .values(
        status=_unless_adopted(bindparam("b_status", type_=String), _message.c.status),
        attempt_count=_message.c.attempt_count + 1,
        retries_used=_unless_adopted(
            bindparam("b_retries_used", type_=Integer), _message.c.retries_used
        ),
        first_attempt_succeeded=or_(_message.c.first_attempt_succeeded, bindparam("b_first_ok")),
        next_attempt_at=_unless_adopted(
            bindparam("b_next_attempt_at", type_=UTCDateTime), _message.c.next_attempt_at
        ),
        lease_expires_at=None,
        lease_token=None,
        lease_lost_at=None,
        in_flight_at=None,
        wamid=func.coalesce(bindparam("b_wamid"), _message.c.wamid),
        sent_at=func.coalesce(_message.c.sent_at, bindparam("b_sent_at")),
        last_error=bindparam("b_error"),
        last_error_code=bindparam("b_code"),
        last_error_class=bindparam("b_class"),
        updated_at=bindparam("b_now"),
    )
)


async def record_outcomes(
    session: AsyncSession, campaign_id: uuid.UUID, outcomes: Sequence[Outcome]
) -> None:
    """Writes every outcome of a flush: one UPDATE per message, one attempt row each."""
    if not outcomes:
        return
    await session.execute(
        _record_message,
        [
            {
                "b_id": o.message_id,
                "b_token": o.lease_token,
                "b_status": o.status,
                "b_retries_used": o.retries_used,
                "b_first_ok": o.success and o.attempt_number == 0,
                "b_next_attempt_at": o.next_attempt_at,
                "b_wamid": o.wamid,
                "b_sent_at": o.attempted_at if o.success else None,
                "b_error": o.error_message,
                "b_code": o.error_code,
                "b_class": o.error_class,
                "b_now": o.attempted_at,
            }
            for o in outcomes
        ],
    )
    await session.execute(
        insert(Attempt),
        [
            {
                "message_id": o.message_id,
                "campaign_id": campaign_id,
                "attempt_number": o.attempt_number,
                "created_at": o.attempted_at,
                "success": o.success,
                "wamid": o.wamid,
                "error_code": o.error_code,
                "error_message": o.error_message,
                "error_class": o.error_class,
                "duration_ms": o.duration_ms,
            }
            for o in outcomes
        ],
    )


async def release_messages(
    session: AsyncSession, claims: Sequence[tuple[uuid.UUID, uuid.UUID]], *, now: datetime
) -> None:
    """Puts claimed but unsent messages (id, lease token) back in the queue, untouched."""
    if claims:
        await session.execute(
            update(_message)
            .where(
                _message.c.id == bindparam("b_id"),
                _message.c.lease_token == bindparam("b_token"),
                _message.c.status == MessageStatus.SENDING,
            )
            .values(
                status=MessageStatus.PENDING,
                lease_expires_at=None,
                lease_token=None,
                in_flight_at=None,
                next_attempt_at=now,
            ),
            [{"b_id": message_id, "b_token": token} for message_id, token in claims],
        )


async def recipients_in_window(
    session: AsyncSession, number_id: uuid.UUID, *, since: datetime
) -> tuple[int, datetime | None]:
    """Distinct recipients this number sent to (or is sending to) since `since`, and the
    oldest send of the window: capacity frees 24 h after it."""
    campaigns = select(Campaign.id).where(Campaign.whatsapp_number_id == number_id)
    in_window = (Message.sent_at >= since) | (Message.status == MessageStatus.SENDING)
    query = select(func.count(func.distinct(Message.contact_phone)), func.min(Message.sent_at))
    row = (
        await session.execute(
            query.where(Message.campaign_id.in_(campaigns.scalar_subquery()), in_window)
        )
    ).one()
    return int(row[0]), row[1]


async def lock_number(session: AsyncSession, number_id: uuid.UUID) -> None:
    """Holds the number's row until commit, so claimers of one number count one at a time
    (PostgreSQL; SQLite has one writer at a time anyway)."""
    await session.execute(
        select(WhatsAppNumber.id).where(WhatsAppNumber.id == number_id).with_for_update()
    )
