"""SQL of the webhook benchmark: messages marked accepted with known wamids, and the tally after."""

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import Message, MessageStatus


def bench_wamid(index: int) -> str:
    return f"wamid.bench.{index:08d}"


async def mark_all_accepted(
    session: AsyncSession, campaign_id: uuid.UUID, *, now: datetime
) -> list[str]:
    """Every message of the campaign as if the Cloud API had just accepted it; its wamids."""
    ids = (
        await session.scalars(
            select(Message.id).where(Message.campaign_id == campaign_id).order_by(Message.id)
        )
    ).all()
    wamids = [bench_wamid(index) for index in range(len(ids))]
    message = cast(Table, Message.__table__)
    await session.execute(
        update(message)
        .where(message.c.id == bindparam("b_id"))
        .values(
            status=MessageStatus.SENT,
            wamid=bindparam("b_wamid"),
            attempt_count=1,
            first_attempt_succeeded=True,
            next_attempt_at=None,
            sent_at=now,
        ),
        [
            {"b_id": message_id, "b_wamid": wamid}
            for message_id, wamid in zip(ids, wamids, strict=True)
        ],
    )
    return wamids


async def count_by_status(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, int]:
    rows = await session.execute(
        select(Message.status, func.count())
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.status)
    )
    return {status: count for status, count in rows}
