"""Read models: campaigns with their figures, retry statistics, per-contact records, errors."""

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns import repository
from pytake.campaigns.models import (
    Attempt,
    Campaign,
    CampaignStatus,
    Message,
    MessageStatus,
    PauseReason,
)
from pytake.campaigns.schemas import (
    AttemptBucket,
    AttemptRead,
    CampaignPage,
    CampaignProgress,
    CampaignRead,
    ErrorPage,
    ErrorReason,
    ErrorRecord,
    MessagePage,
    MessageRecord,
    ProgressStats,
    RetryConfiguration,
    RetryStats,
    StatusCounts,
)
from pytake.campaigns.states import ENDED
from pytake.campaigns.stats import CampaignFigures, SendPace, estimate_eta, summarize
from pytake.core.cursor import decode_cursor, encode_cursor
from pytake.core.errors import InvalidInputError

RECENT_ERRORS = 10
# Meta's per-error trace ids would make every example unique; they add nothing to a chart.
_TRACE_ID = re.compile(r"\s*\[fbtrace_id [^\]]*\]")


async def read_campaigns(
    session: AsyncSession, campaigns: Sequence[Campaign]
) -> list[CampaignRead]:
    counts = await repository.count_messages_by_status(session, [c.id for c in campaigns])
    paces = await repository.recent_send_pace(session, campaigns)
    return [_campaign_read(c, summarize(counts.get(c.id, [])), paces[c.id]) for c in campaigns]


def _campaign_read(campaign: Campaign, figures: CampaignFigures, pace: SendPace) -> CampaignRead:
    return CampaignRead.model_validate(
        {
            **{
                column: getattr(campaign, column)
                for column in CampaignRead.model_fields
                if hasattr(Campaign, column)
            },
            **_counters(campaign, figures, pace),
        }
    )


def _eta(campaign: Campaign, figures: CampaignFigures, pace: SendPace) -> float | None:
    """None when nothing will move without a person (draft, ended, paused by hand)."""
    open_messages = figures.statuses.pending + figures.statuses.retrying
    if campaign.status == CampaignStatus.RUNNING:
        return estimate_eta(open_messages, pace)
    if campaign.pause_reason == PauseReason.RATE_LIMIT and campaign.resume_at is not None:
        waiting = (campaign.resume_at - campaign.updated_at).total_seconds()
        return estimate_eta(open_messages, pace, waiting_seconds=waiting)
    return None


def _counters(campaign: Campaign, figures: CampaignFigures, pace: SendPace) -> dict[str, Any]:
    """The campaign's figures; before it starts, its audience is all pending."""
    statuses = figures.statuses
    started = figures.total_contacts > 0
    return {
        "eta_seconds": _eta(campaign, figures, pace),
        "total_contacts": figures.total_contacts if started else campaign.total_contacts,
        "messages_pending": statuses.pending if started else campaign.total_contacts,
        "messages_sent": statuses.sent,
        "messages_delivered": statuses.delivered,
        "messages_read": statuses.read,
        "messages_failed": statuses.failed,
        "messages_retrying": statuses.retrying,
        "progress": figures.progress,
    }


async def progress_snapshot(
    session: AsyncSession, campaign_id: uuid.UUID
) -> CampaignProgress | None:
    """The live-progress event of a campaign, or None when it no longer exists."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    counts = await repository.count_messages_by_status(session, [campaign_id])
    figures = summarize(counts.get(campaign_id, []))
    pace = (await repository.recent_send_pace(session, [campaign]))[campaign_id]
    counters = _counters(campaign, figures, pace)
    total_contacts = counters.pop("total_contacts")
    statuses = figures.statuses
    if figures.total_contacts == 0:
        statuses = StatusCounts(pending=campaign.total_contacts)
    return CampaignProgress(
        campaign_id=campaign.id,
        status=campaign.status,
        final=campaign.status in ENDED,
        pause_reason=campaign.pause_reason,
        pause_detail=campaign.pause_detail,
        resume_at=campaign.resume_at,
        started_at=campaign.started_at,
        completed_at=campaign.completed_at,
        stats=ProgressStats(total_contacts=total_contacts, statuses=statuses),
        **counters,
    )


async def attempt_distribution(
    session: AsyncSession, campaign_id: uuid.UUID
) -> list[AttemptBucket]:
    rows = await repository.count_contacts_by_attempts(session, campaign_id)
    return [AttemptBucket(attempts=attempts, contacts=contacts) for attempts, contacts in rows]


async def error_reasons(
    session: AsyncSession, campaign_id: uuid.UUID, *, limit: int = 8
) -> list[ErrorReason]:
    groups = await repository.count_errors_by_reason(session, campaign_id, limit=limit)
    return [
        ErrorReason(
            code=group.code,
            error_class=group.error_class,
            attempts=group.attempts,
            example=without_trace_id(group.sample),
        )
        for group in groups
    ]


def without_trace_id(error: str) -> str:
    return _TRACE_ID.sub("", error)


async def campaign_page(
    session: AsyncSession, organization_id: uuid.UUID, *, limit: int, cursor: str | None
) -> CampaignPage:
    """Newest first; `next_cursor` is None on the last page."""
    before = None
    if cursor:
        created_at, campaign_id = decode_cursor(cursor, parts=2)
        try:
            before = (datetime.fromisoformat(created_at), uuid.UUID(campaign_id))
        except ValueError:
            raise InvalidInputError("invalid cursor", field="cursor", location="query") from None
    found = await repository.list_campaigns(
        session, organization_id, limit=limit + 1, before=before
    )
    last = found[limit - 1] if len(found) > limit else None
    next_cursor = encode_cursor(last.created_at.isoformat(), str(last.id)) if last else None
    return CampaignPage(items=await read_campaigns(session, found[:limit]), next_cursor=next_cursor)


async def get_retry_statistics(session: AsyncSession, campaign: Campaign) -> RetryStats:
    aggregates = await repository.aggregate_messages(session, [campaign.id])
    figures = summarize(aggregates.get(campaign.id, []))
    errors = await repository.recent_errors(session, campaign.id, limit=RECENT_ERRORS)
    return RetryStats(
        total_contacts=figures.total_contacts,
        statuses=figures.statuses,
        total_attempts=figures.total_attempts,
        avg_attempts_per_contact=figures.avg_attempts_per_contact,
        successful_on_first_attempt=figures.successful_on_first_attempt,
        required_retries=figures.required_retries,
        retry_rate=figures.retry_rate,
        configuration=RetryConfiguration(
            retry_max_attempts=campaign.retry_max_attempts,
            retry_base_delay=campaign.retry_base_delay,
            retry_max_delay=campaign.retry_max_delay,
            retry_jitter=campaign.retry_jitter,
        ),
        recent_errors=[_error_record(attempt, message) for attempt, message in errors],
    )


def _error_record(attempt: Attempt, message: Message) -> ErrorRecord:
    return ErrorRecord(
        contact_id=message.contact_id,
        contact_name=message.contact_name,
        contact_phone=message.contact_phone,
        attempt=attempt.attempt_number,
        error=attempt.error_message or "unknown error",
        code=attempt.error_code,
        timestamp=attempt.created_at,
    )


async def error_page(
    session: AsyncSession, campaign: Campaign, *, limit: int, cursor: str | None
) -> ErrorPage:
    before = None
    if cursor:
        created_at, attempt_id = decode_cursor(cursor, parts=2)
        try:
            before = (datetime.fromisoformat(created_at), int(attempt_id))
        except ValueError:
            raise InvalidInputError("invalid cursor", field="cursor", location="query") from None
    rows = await repository.recent_errors(session, campaign.id, limit=limit, before=before)
    last = rows[-1][0] if len(rows) == limit else None
    next_cursor = encode_cursor(last.created_at.isoformat(), str(last.id)) if last else None
    return ErrorPage(items=[_error_record(a, m) for a, m in rows], next_cursor=next_cursor)


_STATUS = "|".join(sorted(MessageStatus))
# What `parse_status_filter` takes, for the API's schema: statuses separated by commas.
STATUS_FILTER_PATTERN = rf"^ *(?:(?:{_STATUS}) *)?(?:, *(?:(?:{_STATUS}) *)?)*$"


def parse_status_filter(status: str | None) -> list[str] | None:
    if not status:
        return None
    wanted = [value.strip(" ") for value in status.split(",") if value.strip(" ")]
    known = {member.value for member in MessageStatus}
    for value in wanted:
        if value not in known:
            raise InvalidInputError(
                f"unknown status {value!r}; one of {', '.join(sorted(known))}",
                field="status",
                location="query",
            )
    return wanted


async def message_page(
    session: AsyncSession,
    campaign: Campaign,
    *,
    statuses: list[str] | None,
    limit: int,
    cursor: str | None,
) -> MessagePage:
    after = None
    if cursor:
        (raw,) = decode_cursor(cursor, parts=1)
        try:
            after = uuid.UUID(raw)
        except ValueError:
            raise InvalidInputError("invalid cursor", field="cursor", location="query") from None
    messages = await repository.list_messages(
        session, campaign.id, statuses=statuses, limit=limit, after_contact_id=after
    )
    attempts = await repository.attempts_of(session, [m.id for m in messages])
    items = [message_record(m, attempts.get(m.id, [])) for m in messages]
    next_cursor = encode_cursor(str(messages[-1].contact_id)) if len(messages) == limit else None
    return MessagePage(items=items, next_cursor=next_cursor)


async def get_message_record(
    session: AsyncSession, campaign: Campaign, contact_id: uuid.UUID
) -> MessageRecord:
    message = await repository.get_message(session, campaign.id, contact_id)
    attempts = await repository.attempts_of(session, [message.id])
    return message_record(message, attempts.get(message.id, []))


def message_record(message: Message, attempts: list[Attempt]) -> MessageRecord:
    return MessageRecord(
        contact_id=message.contact_id,
        contact_name=message.contact_name,
        contact_phone=message.contact_phone,
        status=message.status,
        message_id=message.wamid,
        attempts=[
            AttemptRead(
                attempt=a.attempt_number,
                timestamp=a.created_at,
                success=a.success,
                error=a.error_message,
                code=a.error_code,
                message_id=a.wamid,
            )
            for a in attempts
        ],
        created_at=message.created_at,
        last_update=message.updated_at,
    )
