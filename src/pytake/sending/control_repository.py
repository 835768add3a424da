"""SQL of the engine's campaign-level writes: starting, pausing, resuming, completing,
and taking back messages whose sender vanished."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import exists, insert, select, update
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

_OPEN = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.RETRYING)
LOST_SEND_ERROR = "no answer was recorded for this send (its sender stopped); sending again"


async def campaign_status(session: AsyncSession, campaign_id: uuid.UUID) -> str | None:
    return await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))


async def running_campaign_ids(session: AsyncSession) -> list[uuid.UUID]:
    query = select(Campaign.id).where(Campaign.status == CampaignStatus.RUNNING)
    return list((await session.scalars(query)).all())


async def start_due_scheduled(
    session: AsyncSession, now: datetime, *, late_after: timedelta
) -> list[uuid.UUID]:
    """Starts scheduled campaigns whose time has come; one missed by more than `late_after`
    (the engine was down, say) is paused for a person to confirm instead of blasted out."""
    due = Campaign.status == CampaignStatus.SCHEDULED
    late = await session.execute(
        update(Campaign)
        .where(due, Campaign.scheduled_at < now - late_after)
        .values(
            status=CampaignStatus.PAUSED,
            pause_reason=PauseReason.MANUAL,
            pause_detail="the scheduled start was missed by more than "
            f"{late_after.total_seconds() / 60:g} minutes; resume to send it now",
        )
        .returning(Campaign.id)
    )
    started = await session.execute(
        update(Campaign)
        .where(due, Campaign.scheduled_at <= now)
        .values(status=CampaignStatus.RUNNING)
        .returning(Campaign.id)
    )
    return [row[0] for row in late] + [row[0] for row in started]


async def resume_due_rate_limited(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Campaigns paused for a limit that has lapsed go back to running by themselves."""
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.status == CampaignStatus.PAUSED,
            Campaign.pause_reason == PauseReason.RATE_LIMIT,
            Campaign.resume_at <= now,
        )
        .values(status=CampaignStatus.RUNNING, pause_reason=None, pause_detail=None, resume_at=None)
        .returning(Campaign.id)
    )
    return [row[0] for row in result]


async def pause_running_campaign(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    reason: PauseReason,
    detail: str,
    resume_at: datetime | None = None,
) -> None:
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.RUNNING)
        .values(
            status=CampaignStatus.PAUSED,
            pause_reason=reason,
            pause_detail=detail,
            resume_at=resume_at,
        )
        .execution_options(synchronize_session=False)
    )


async def complete_if_done(session: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> bool:
    """Marks a running campaign completed when none of its messages is still open."""
    still_open = exists().where(Message.campaign_id == campaign_id, Message.status.in_(_OPEN))
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.RUNNING, ~still_open)
        .values(status=CampaignStatus.COMPLETED, completed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_leftovers(session: AsyncSession, campaign_id: uuid.UUID) -> None:
    """Messages in flight when their campaign was cancelled end cancelled, not queued again."""
    if await campaign_status(session, campaign_id) == CampaignStatus.CANCELLED:
        await cancel_open_messages(session, campaign_id)


async def expire_leases(
    session: AsyncSession, *, now: datetime, grace: timedelta
) -> tuple[int, int]:
    """Takes back messages whose sender vanished, without sending anything twice.

    A lease that runs out is first fenced off (its claimer can no longer record) and given
    `grace` for a status webhook to show the send happened (delivery matches it by callback
    data). Only a message still unconfirmed after that is queued again, with the lost send
    recorded as a failed attempt that spends no retry. Returns (fenced, requeued).
    """
    lost = await session.execute(
        update(Message)
        .where(
            Message.status == MessageStatus.SENDING,
            Message.lease_expires_at < now,
            Message.lease_lost_at.is_(None),
        )
        .values(lease_token=None, lease_lost_at=now, lease_expires_at=now + grace)
        .execution_options(synchronize_session=False)
    )
    expired = (
        select(Message.id, Message.campaign_id, Message.attempt_count)
        .where(
            Message.status == MessageStatus.SENDING,
            Message.lease_lost_at.is_not(None),
            Message.lease_expires_at < now,
        )
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(expired)).all()
    if rows:
        await session.execute(insert(Attempt), [_lost_attempt(row, now) for row in rows])
        await session.execute(
            update(Message)
            .where(Message.id.in_([row.id for row in rows]))
            .values(
                status=MessageStatus.RETRYING,
                attempt_count=Message.attempt_count + 1,
                next_attempt_at=now,
                lease_expires_at=None,
                lease_lost_at=None,
                last_error=LOST_SEND_ERROR,
                last_error_code=None,
                last_error_class="transient",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return int(lost.rowcount), len(rows)  # type: ignore[attr-defined]


def _lost_attempt(row: tuple[uuid.UUID, uuid.UUID, int], now: datetime) -> dict[str, object]:
    message_id, campaign_id, attempt_count = row
    return {
        "message_id": message_id,
        "campaign_id": campaign_id,
        "attempt_number": attempt_count,
        "created_at": now,
        "success": False,
        "error_message": LOST_SEND_ERROR,
        "error_class": "transient",
    }
