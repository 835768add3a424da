"""SQL of the benchmark: the idle probe on the engine's messages, and the baseline's own table."""

import uuid

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import Message, MessageStatus

_CREATE_NAIVE_TABLE = text(
    "CREATE TABLE IF NOT EXISTS bench_naive_campaign (id INTEGER PRIMARY KEY, history TEXT)"
)
_CLEAR_NAIVE_TABLE = text("DELETE FROM bench_naive_campaign")
_INSERT_NAIVE_ROW = text("INSERT INTO bench_naive_campaign (id, history) VALUES (1, '{}')")
_REWRITE_NAIVE_ROW = text("UPDATE bench_naive_campaign SET history = :history WHERE id = 1")


_IN_HAND = (MessageStatus.PENDING, MessageStatus.SENDING)


async def has_work_in_hand(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    """Some message waits for its turn or is being sent (not merely waiting for a retry)."""
    query = exists().where(Message.campaign_id == campaign_id, Message.status.in_(_IN_HAND))
    return bool(await session.scalar(select(query)))


async def has_first_attempts_left(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    """Some message's first attempt is not recorded yet."""
    query = exists().where(
        Message.campaign_id == campaign_id,
        Message.status.in_(_IN_HAND),
        Message.attempt_count == 0,
    )
    return bool(await session.scalar(select(query)))


async def create_naive_campaign(session: AsyncSession) -> None:
    """The naive design's one campaign row, in a table of the bench's own (not the schema's)."""
    await session.execute(_CREATE_NAIVE_TABLE)
    await session.execute(_CLEAR_NAIVE_TABLE)
    await session.execute(_INSERT_NAIVE_ROW)


async def rewrite_naive_history(session: AsyncSession, document: str) -> None:
    await session.execute(_REWRITE_NAIVE_ROW, {"history": document})
