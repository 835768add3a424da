"""SQL for campaigns and their message and attempt rows (the only place building it)."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import Attempt, Campaign, Message, MessageStatus
from pytake.campaigns.stats import RATE_WINDOW_SECONDS, SendPace, StatusAggregate
from pytake.core.errors import NotFoundError
from pytake.numbers.models import DEFAULT_THROUGHPUT_MPS, WhatsAppNumber

OPEN_STATUSES = (MessageStatus.PENDING, MessageStatus.RETRYING)


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    """Failed attempts sharing one Cloud API code (or none) and error class."""

    code: int | None
    error_class: str | None
    attempts: int
    sample: str


async def get_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID
) -> Campaign:
    campaign = await session.scalar(
        select(Campaign).where(
            Campaign.id == campaign_id, Campaign.organization_id == organization_id
        )
    )
    if campaign is None:
        raise NotFoundError(f"campaign {campaign_id} not found")
    return campaign


async def list_campaigns(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> Sequence[Campaign]:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = select(Campaign).where(Campaign.organization_id == organization_id)
    if before is not None:
        created_at, campaign_id = before
        query = query.where(
            (Campaign.created_at < created_at)
            | and_(Campaign.created_at == created_at, Campaign.id < campaign_id)
        )
    query = query.order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


# Failed attempts that were no try at the contact: a throttled send is rescheduled and a
# halting one put back in the queue, neither needing a retry (ENGINE.md §2).
NOT_A_TRY = ("throttled", "halting")


async def aggregate_messages(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StatusAggregate]]:
    """Per campaign and status: messages, attempts, retried contacts, first-attempt successes.

    A retried contact is one tried more than once, counted from its attempts: `attempt_count`
    grows with every attempt row and nothing resets it (unlike the retry budget a retry-failed
    gives back), less the failed attempts that were no try, read on the error-listing index.
    """
    not_tries = (
        select(Attempt.message_id, func.count().label("attempts"))
        .where(
            Attempt.campaign_id.in_(campaign_ids),
            Attempt.success.is_(False),
            Attempt.error_class.in_(NOT_A_TRY),
        )
        .group_by(Attempt.message_id)
        .subquery()
    )
    tries = Message.attempt_count - func.coalesce(not_tries.c.attempts, 0)
    query = (
        select(
            Message.campaign_id,
            Message.status,
            func.count(),
            func.coalesce(func.sum(Message.attempt_count), 0),
            func.coalesce(func.sum(case((tries > 1, 1), else_=0)), 0),
            func.coalesce(func.sum(Message.first_attempt_succeeded.cast(Integer)), 0),
        )
        .outerjoin(not_tries, not_tries.c.message_id == Message.id)
        .where(Message.campaign_id.in_(campaign_ids))
        .group_by(Message.campaign_id, Message.status)
    )
    found: dict[uuid.UUID, list[StatusAggregate]] = defaultdict(list)
    for campaign_id, status, messages, attempts, retried, first_ok in await session.execute(query):
        found[campaign_id].append(
            StatusAggregate(status, messages, int(attempts), int(retried), int(first_ok))
        )
    return found


async def count_messages_by_status(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StatusAggregate]]:
    """Per campaign, messages by status only: the (campaign, status, …) index answers it."""
    query = (
        select(Message.campaign_id, Message.status, func.count())
        .where(Message.campaign_id.in_(campaign_ids))
        .group_by(Message.campaign_id, Message.status)
    )
    found: dict[uuid.UUID, list[StatusAggregate]] = defaultdict(list)
    for campaign_id, status, messages in await session.execute(query):
        found[campaign_id].append(StatusAggregate(status, messages))
    return found


async def count_contacts_by_attempts(
    session: AsyncSession, campaign_id: uuid.UUID
) -> list[tuple[int, int]]:
    """(attempts made, contacts) pairs, fewest attempts first."""
    query = (
        select(Message.attempt_count, func.count())
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.attempt_count)
        .order_by(Message.attempt_count)
    )
    return [(int(attempts), int(contacts)) for attempts, contacts in await session.execute(query)]


async def count_errors_by_reason(
    session: AsyncSession, campaign_id: uuid.UUID, *, limit: int
) -> list[ErrorGroup]:
    """The most frequent reasons of failed attempts, grouped on the error-listing index."""
    attempts = func.count().label("attempts")
    query = (
        select(Attempt.error_code, Attempt.error_class, attempts, func.min(Attempt.error_message))
        .where(Attempt.campaign_id == campaign_id, Attempt.success.is_(False))
        .group_by(Attempt.error_code, Attempt.error_class)
        .order_by(attempts.desc(), Attempt.error_code)
        .limit(limit)
    )
    return [
        ErrorGroup(code, error_class, int(count), sample or "unknown error")
        for code, error_class, count, sample in await session.execute(query)
    ]


async def insert_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Message), rows)


async def cancel_open_messages(session: AsyncSession, campaign_id: uuid.UUID) -> None:
    await session.execute(
        update(Message)
        .where(Message.campaign_id == campaign_id, Message.status.in_(OPEN_STATUSES))
        .values(status=MessageStatus.CANCELLED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


async def requeue_failed(
    session: AsyncSession, campaign_id: uuid.UUID, *, include_permanent: bool, now: datetime
) -> int:
    """Gives failed messages a fresh retry budget; permanent failures only when asked."""
    query = update(Message).where(
        Message.campaign_id == campaign_id, Message.status == MessageStatus.FAILED
    )
    if not include_permanent:
        query = query.where(
            func.coalesce(Message.last_error_class, "") != "permanent",
        )
    result = await session.execute(
        query.values(
            status=MessageStatus.PENDING, retries_used=0, next_attempt_at=now
        ).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def recent_errors(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    limit: int,
    before: tuple[datetime, int] | None = None,
) -> list[tuple[Attempt, Message]]:
    """Failed attempts, newest first, keyset-paginated on (created_at, id)."""
    query = (
        select(Attempt, Message)
        .join(Message, Message.id == Attempt.message_id)
        .where(Attempt.campaign_id == campaign_id, Attempt.success.is_(False))
    )
    if before is not None:
        created_at, attempt_id = before
        query = query.where(
            (Attempt.created_at < created_at)
            | and_(Attempt.created_at == created_at, Attempt.id < attempt_id)
        )
    query = query.order_by(Attempt.created_at.desc(), Attempt.id.desc()).limit(limit)
    rows = await session.execute(query)
    return [(attempt, message) for attempt, message in rows]


async def list_messages(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    statuses: Sequence[str] | None,
    limit: int,
    after_contact_id: uuid.UUID | None,
) -> Sequence[Message]:
    """Message rows in contact-id order (served by the (campaign, contact) unique index)."""
    query = select(Message).where(Message.campaign_id == campaign_id)
    if statuses:
        query = query.where(Message.status.in_(statuses))
    if after_contact_id is not None:
        query = query.where(Message.contact_id > after_contact_id)
    return (await session.scalars(query.order_by(Message.contact_id).limit(limit))).all()


async def get_message(
    session: AsyncSession, campaign_id: uuid.UUID, contact_id: uuid.UUID
) -> Message:
    message = await session.scalar(
        select(Message).where(Message.campaign_id == campaign_id, Message.contact_id == contact_id)
    )
    if message is None:
        raise NotFoundError(f"contact {contact_id} is not in campaign {campaign_id}")
    return message


async def attempts_of(
    session: AsyncSession, message_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Attempt]]:
    found: dict[uuid.UUID, list[Attempt]] = defaultdict(list)
    if not message_ids:
        return found
    query = (
        select(Attempt)
        .where(Attempt.message_id.in_(message_ids))
        .order_by(Attempt.message_id, Attempt.attempt_number)
    )
    for attempt in await session.scalars(query):
        found[attempt.message_id].append(attempt)
    return found


async def recent_send_pace(
    session: AsyncSession, campaigns: Sequence[Campaign]
) -> dict[uuid.UUID, SendPace]:
    """Per campaign: successful sends in the `RATE_WINDOW_SECONDS` before its latest attempt
    (served by the (campaign, success, created_at) index), and its number's throughput."""
    latest_query = (
        select(Attempt.campaign_id, func.max(Attempt.created_at))
        .where(Attempt.campaign_id.in_([c.id for c in campaigns]))
        .group_by(Attempt.campaign_id)
    )
    latest = {row[0]: row[1] for row in await session.execute(latest_query)}
    numbers = {c.whatsapp_number_id for c in campaigns if c.whatsapp_number_id}
    throughput_query = select(WhatsAppNumber.id, WhatsAppNumber.throughput_mps).where(
        WhatsAppNumber.id.in_(numbers)
    )
    throughput = {row[0]: row[1] for row in await session.execute(throughput_query)}
    paces = {}
    for campaign in campaigns:
        number = campaign.whatsapp_number_id
        mps = throughput.get(number, DEFAULT_THROUGHPUT_MPS) if number else DEFAULT_THROUGHPUT_MPS
        paces[campaign.id] = await _pace(session, campaign, latest.get(campaign.id), mps)
    return paces


async def _pace(
    session: AsyncSession, campaign: Campaign, last: datetime | None, throughput_mps: int
) -> SendPace:
    if last is None or campaign.started_at is None:
        return SendPace(0, 0.0, throughput_mps)
    successes = await session.scalar(
        select(func.count()).where(
            Attempt.campaign_id == campaign.id,
            Attempt.success.is_(True),
            Attempt.created_at > last - timedelta(seconds=RATE_WINDOW_SECONDS),
        )
    )
    window = min(RATE_WINDOW_SECONDS, (last - campaign.started_at).total_seconds())
    return SendPace(int(successes or 0), max(window, 1.0), throughput_mps)
