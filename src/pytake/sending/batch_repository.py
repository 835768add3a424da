"""SQL of distributed sending: how much a campaign has in hand, and a worker taking its batch."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import Message, MessageStatus
from pytake.sending.repository import CLAIMED_COLUMNS, claimed_messages
from pytake.sending.values import ClaimedMessage


async def sending_count(session: AsyncSession, campaign_id: uuid.UUID) -> int:
    """Messages claimed and not yet recorded: queued in batches or being sent."""
    query = select(func.count()).where(
        Message.campaign_id == campaign_id, Message.status == MessageStatus.SENDING
    )
    return int(await session.scalar(query) or 0)


async def take_batch(
    session: AsyncSession,
    message_ids: Sequence[uuid.UUID],
    *,
    queued_token: uuid.UUID,
    now: datetime,
    lease_until: datetime,
) -> list[ClaimedMessage]:
    """Moves a batch's messages from the lease they were queued under to a fresh one.

    Only messages still under `queued_token` are taken, so a batch delivered twice is sent
    once: the second delivery finds them under another lease (or fenced) and takes nothing.
    """
    token = uuid.uuid4()
    result = await session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.lease_token == queued_token,
            Message.status == MessageStatus.SENDING,
        )
        .values(lease_token=token, lease_expires_at=lease_until, updated_at=now)
        .returning(*CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    return list(claimed_messages(result, token))
