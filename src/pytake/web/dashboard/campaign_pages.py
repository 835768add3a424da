"""Campaign pages: the paginated list, and one campaign's progress, funnel, charts and errors."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pytake.campaigns import queries, repository
from pytake.campaigns.models import Campaign
from pytake.core.errors import InvalidInputError, NotFoundError
from pytake.numbers.service import get_number
from pytake.web.dashboard.charts import attempts_chart, reason_bars
from pytake.web.dashboard.rendering import PageNotFoundError, ViewerDep, render
from pytake.web.deps import SessionDep

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
RECENT_ERRORS = 10
PAUSE_TEXTS = {
    "manual": "Paused by a user.",
    "rate_limit": "Paused by the Cloud API's rate limit; it resumes by itself.",
    "account": "Paused: the Cloud API refused the number or its token. Fix it, then resume.",
    "error_threshold": "Paused: too many sends failed in a row. Check the errors, then resume.",
}


@router.get("/")
async def campaign_list(
    request: Request, viewer: ViewerDep, session: SessionDep, cursor: str | None = None
) -> Response:
    try:
        page = await queries.campaign_page(
            session, viewer.organization_id, limit=PAGE_SIZE, cursor=cursor
        )
    except InvalidInputError:
        raise PageNotFoundError from None
    return render(request, "campaigns.html", viewer=viewer, page=page, is_first_page=cursor is None)


@router.get("/campaigns/{campaign_id}")
async def campaign_detail(
    request: Request, campaign_id: str, viewer: ViewerDep, session: SessionDep
) -> Response:
    campaign = await _campaign(session, viewer.organization_id, campaign_id)
    return render(
        request,
        "campaign.html",
        viewer=viewer,
        created=request.query_params.get("created") == "1",
        pause_texts=PAUSE_TEXTS,
        **await _overview(session, campaign),
        **await _insights(session, campaign),
    )


@router.get("/campaigns/{campaign_id}/insights")
async def campaign_insights(
    request: Request, campaign_id: str, viewer: ViewerDep, session: SessionDep
) -> Response:
    """The charts and recent errors alone, for the campaign page to refresh in place."""
    campaign = await _campaign(session, viewer.organization_id, campaign_id)
    return render(
        request, "_insights_fragment.html", viewer=viewer, **await _insights(session, campaign)
    )


async def _campaign(session: AsyncSession, organization_id: uuid.UUID, raw_id: str) -> Campaign:
    try:
        return await repository.get_campaign(session, organization_id, uuid.UUID(raw_id))
    except (ValueError, NotFoundError):
        raise PageNotFoundError from None


async def _overview(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    number = None
    if campaign.whatsapp_number_id is not None:
        number = await get_number(session, campaign.organization_id, campaign.whatsapp_number_id)
    snapshot = await queries.progress_snapshot(session, campaign.id)
    return {"campaign": campaign, "number": number, "snapshot": snapshot}


async def _insights(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    buckets = await queries.attempt_distribution(session, campaign.id)
    reasons = await queries.error_reasons(session, campaign.id)
    errors = await queries.error_page(session, campaign, limit=RECENT_ERRORS, cursor=None)
    contacts = sum(bucket.contacts for bucket in buckets)
    attempts = sum(bucket.attempts * bucket.contacts for bucket in buckets)
    return {
        "attempts_chart": attempts_chart(buckets),
        "average_attempts": round(attempts / contacts, 2) if contacts else 0.0,
        "total_attempts": attempts,
        "reasons": reason_bars(reasons),
        "recent_errors": errors.items,
    }
