"""`/api/v1/campaigns`: CRUD, lifecycle moves, retry statistics, per-contact records, errors."""

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns import queries, repository, service
from pytake.campaigns.models import Campaign
from pytake.campaigns.schemas import (
    CampaignCreate,
    CampaignPage,
    CampaignRead,
    CampaignUpdate,
    ErrorPage,
    MessagePage,
    MessageRecord,
    RetryFailedRequest,
    RetryStats,
)
from pytake.web.api.responses import (
    BODY,
    CSRF,
    LIFECYCLE_CONFLICT,
    NOT_FOUND,
    Responses,
    conflict,
)
from pytake.web.deps import OrgIdDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
Limit = Annotated[int, Query(ge=1, le=1000)]
# Checked by `parse_status_filter`, which names the statuses it knows; the pattern documents it.
StatusFilter = Annotated[
    str | None,
    Query(
        description="Statuses separated by commas (`failed,retrying`)",
        json_schema_extra={"pattern": queries.STATUS_FILTER_PATTERN},
    ),
]
MOVE = NOT_FOUND | CSRF | LIFECYCLE_CONFLICT
# The records as CSV, beside the JSON page FastAPI documents from the return type.
CSV_EXPORT: Responses = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


async def _read(session: AsyncSession, campaign: Campaign) -> CampaignRead:
    return (await queries.read_campaigns(session, [campaign]))[0]


@router.post("", status_code=201, responses=BODY | CSRF)
async def create_campaign(
    body: CampaignCreate, org_id: OrgIdDep, session: SessionDep
) -> CampaignRead:
    return await _read(session, await service.create_campaign(session, org_id, body))


@router.get("")
async def list_campaigns(
    org_id: OrgIdDep, session: SessionDep, limit: Limit = 50, cursor: str | None = None
) -> CampaignPage:
    return await queries.campaign_page(session, org_id, limit=limit, cursor=cursor)


@router.get("/{campaign_id}", responses=NOT_FOUND)
async def get_campaign(
    campaign_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep
) -> CampaignRead:
    return await _read(session, await repository.get_campaign(session, org_id, campaign_id))


@router.patch(
    "/{campaign_id}",
    responses=NOT_FOUND | BODY | CSRF | conflict("Only a draft campaign can be edited"),
)
async def update_campaign(
    campaign_id: uuid.UUID, body: CampaignUpdate, org_id: OrgIdDep, session: SessionDep
) -> CampaignRead:
    campaign = await service.update_campaign(session, org_id, campaign_id, body)
    return await _read(session, campaign)


@router.delete(
    "/{campaign_id}",
    status_code=204,
    responses=NOT_FOUND | CSRF | conflict("Only a draft or ended campaign can be deleted"),
)
async def delete_campaign(
    campaign_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep
) -> Response:
    await service.delete_campaign(session, org_id, campaign_id)
    return Response(status_code=204)


Move = Callable[[AsyncSession], Coroutine[Any, Any, Campaign]]


async def _lifecycle(runtime: RuntimeDep, move: Move) -> CampaignRead:
    """Runs a lifecycle move in its own transaction, then tells the engine after commit."""
    async with runtime.db.transaction() as session:
        campaign = await move(session)
        read = await _read(session, campaign)
    runtime.campaign_changed(campaign.id, campaign.status)
    return read


@router.post("/{campaign_id}/start", responses=MOVE)
async def start_campaign(
    campaign_id: uuid.UUID, org_id: OrgIdDep, runtime: RuntimeDep
) -> CampaignRead:
    now = runtime.clock.now()
    return await _lifecycle(
        runtime, lambda s: service.start_campaign(s, org_id, campaign_id, now=now)
    )


@router.post("/{campaign_id}/pause", responses=MOVE)
async def pause_campaign(
    campaign_id: uuid.UUID, org_id: OrgIdDep, runtime: RuntimeDep
) -> CampaignRead:
    return await _lifecycle(runtime, lambda s: service.pause_campaign(s, org_id, campaign_id))


@router.post("/{campaign_id}/resume", responses=MOVE)
async def resume_campaign(
    campaign_id: uuid.UUID, org_id: OrgIdDep, runtime: RuntimeDep
) -> CampaignRead:
    now = runtime.clock.now()
    return await _lifecycle(
        runtime, lambda s: service.resume_campaign(s, org_id, campaign_id, now=now)
    )


@router.post("/{campaign_id}/cancel", responses=MOVE)
async def cancel_campaign(
    campaign_id: uuid.UUID, org_id: OrgIdDep, runtime: RuntimeDep
) -> CampaignRead:
    return await _lifecycle(runtime, lambda s: service.cancel_campaign(s, org_id, campaign_id))


@router.post("/{campaign_id}/retry-failed", responses=MOVE | BODY)
async def retry_failed(
    campaign_id: uuid.UUID,
    org_id: OrgIdDep,
    runtime: RuntimeDep,
    body: Annotated[RetryFailedRequest | None, Body()] = None,
) -> CampaignRead:
    include_permanent = body.include_permanent if body else False
    now = runtime.clock.now()
    return await _lifecycle(
        runtime,
        lambda s: service.retry_failed(
            s, org_id, campaign_id, include_permanent=include_permanent, now=now
        ),
    )


@router.get("/{campaign_id}/retry-stats", responses=NOT_FOUND)
async def retry_stats(campaign_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep) -> RetryStats:
    campaign = await repository.get_campaign(session, org_id, campaign_id)
    return await queries.get_retry_statistics(session, campaign)


@router.get("/{campaign_id}/errors", responses=NOT_FOUND)
async def list_errors(
    campaign_id: uuid.UUID,
    org_id: OrgIdDep,
    session: SessionDep,
    limit: Limit = 100,
    cursor: str | None = None,
) -> ErrorPage:
    campaign = await repository.get_campaign(session, org_id, campaign_id)
    return await queries.error_page(session, campaign, limit=limit, cursor=cursor)


@router.get("/{campaign_id}/messages", response_model=MessagePage, responses=NOT_FOUND | CSV_EXPORT)
async def list_messages(
    campaign_id: uuid.UUID,
    org_id: OrgIdDep,
    runtime: RuntimeDep,
    session: SessionDep,
    status: StatusFilter = None,
    limit: Limit = 100,
    cursor: str | None = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> MessagePage | StreamingResponse:
    campaign = await repository.get_campaign(session, org_id, campaign_id)
    statuses = queries.parse_status_filter(status)
    if format == "csv":
        return StreamingResponse(
            _csv_rows(runtime, campaign, statuses),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="campaign-{campaign.id}.csv"'},
        )
    return await queries.message_page(
        session, campaign, statuses=statuses, limit=limit, cursor=cursor
    )


CSV_HEADER = [
    "contact_id",
    "contact_name",
    "contact_phone",
    "status",
    "message_id",
    "attempts",
    "last_error",
    "created_at",
    "last_update",
]


async def _csv_rows(
    runtime: RuntimeDep, campaign: Campaign, statuses: list[str] | None
) -> AsyncIterator[str]:
    """Every record of the campaign, a page at a time, so memory stays flat."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    cursor: str | None = None
    while True:
        async with runtime.db.session() as session:
            page = await queries.message_page(
                session, campaign, statuses=statuses, limit=1000, cursor=cursor
            )
        for record in page.items:
            writer.writerow(_csv_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _csv_row(record: MessageRecord) -> list[str | int | None]:
    errors = [a.error for a in record.attempts if a.error]
    return [
        str(record.contact_id),
        spreadsheet_safe(record.contact_name),
        spreadsheet_safe(record.contact_phone),
        record.status,
        spreadsheet_safe(record.message_id),
        len(record.attempts),
        spreadsheet_safe(errors[-1] if errors else None),
        record.created_at.isoformat(),
        record.last_update.isoformat(),
    ]


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str | None) -> str | None:
    """The cell as text to a spreadsheet: a leading single quote before a formula's start, as
    OWASP recommends. Phones are digits only, so they never get one."""
    if cell and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


@router.get("/{campaign_id}/messages/{contact_id}", responses=NOT_FOUND)
async def get_message(
    campaign_id: uuid.UUID, contact_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep
) -> MessageRecord:
    campaign = await repository.get_campaign(session, org_id, campaign_id)
    return await queries.get_message_record(session, campaign, contact_id)
