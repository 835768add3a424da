"""SQL of the engine: claiming due messages, recording outcomes, campaign control writes."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import (
    Attempt,
    Campaign,
    CampaignStatus,
    Message,
    MessageStatus,
    PauseReason,
)
from pytake.campaigns.repository import cancel_open_messages
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
        phone_number_id=number.phone_number_id,
        access_token=number.access_token,
        api_base_url=number.api_base_url,
    )


async def campaign_status(session: AsyncSession, campaign_id: uuid.UUID) -> str | None:
    return await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))


async def running_campaign_ids(session: AsyncSession) -> list[uuid.UUID]:
    query = select(Campaign.id).where(Campaign.status == CampaignStatus.RUNNING)
    return list((await session.scalars(query)).all())


async def start_due_scheduled(session: AsyncSession, now: datetime) -> None:
    await session.execute(
        update(Campaign)
        .where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now)
        .values(status=CampaignStatus.RUNNING)
    )


async def claim_due_messages(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
) -> list[ClaimedMessage]:
    """Marks up to `limit` due messages `sending` under a lease; retries due first.

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent claimers never take
    the same message; SQLite serialises writers by itself.
    """
    claimed: list[ClaimedMessage] = []
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
            .values(status=MessageStatus.SENDING, lease_expires_at=lease_until, updated_at=now)
            .returning(
                Message.id,
                Message.contact_name,
                Message.contact_phone,
                Message.contact_attributes,
                Message.attempt_count,
                Message.retries_used,
            )
            .execution_options(synchronize_session=False)
        )
        claimed.extend(ClaimedMessage(*row) for row in result)
    return claimed


_record_message = (
    update(_message)
    .where(_message.c.id == bindparam("b_id"), _message.c.status == MessageStatus.SENDING)
    .values(
        status=bindparam("b_status"),
        attempt_count=_message.c.attempt_count + 1,
        retries_used=bindparam("b_retries_used"),
        first_attempt_succeeded=or_(_message.c.first_attempt_succeeded, bindparam("b_first_ok")),
        next_attempt_at=bindparam("b_next_attempt_at"),
        lease_expires_at=None,
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
    session: AsyncSession, message_ids: Sequence[uuid.UUID], *, now: datetime
) -> None:
    """Puts claimed but unsent messages back in the queue, untouched."""
    if message_ids:
        await session.execute(
            update(_message)
            .where(_message.c.id == bindparam("b_id"), _message.c.status == MessageStatus.SENDING)
            .values(status=MessageStatus.PENDING, lease_expires_at=None, next_attempt_at=now),
            [{"b_id": message_id} for message_id in message_ids],
        )


async def cancel_leftovers(session: AsyncSession, campaign_id: uuid.UUID) -> None:
    """Messages in flight when their campaign was cancelled end cancelled, not queued again."""
    if await campaign_status(session, campaign_id) == CampaignStatus.CANCELLED:
        await cancel_open_messages(session, campaign_id)


async def release_expired_leases(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(
        update(Message)
        .where(Message.status == MessageStatus.SENDING, Message.lease_expires_at < now)
        .values(status=MessageStatus.PENDING, lease_expires_at=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def complete_if_done(session: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> bool:
    """Marks a running campaign completed when none of its messages is still open."""
    still_open = exists().where(Message.campaign_id == campaign_id, Message.status.in_(_OPEN))
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status == CampaignStatus.RUNNING,
            ~still_open,
        )
        .values(status=CampaignStatus.COMPLETED, completed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pause_running_campaign(
    session: AsyncSession, campaign_id: uuid.UUID, *, reason: PauseReason, detail: str
) -> None:
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.RUNNING)
        .values(status=CampaignStatus.PAUSED, pause_reason=reason, pause_detail=detail)
        .execution_options(synchronize_session=False)
    )
