"""SQL of the engine's campaign-level writes: starting, pausing, resuming, completing."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import (
    Campaign,
    CampaignStatus,
    Message,
    MessageStatus,
    PauseReason,
)
from pytake.campaigns.repository import cancel_open_messages

_OPEN = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.RETRYING)


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
