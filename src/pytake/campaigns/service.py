"""Campaign use cases: create, edit, delete and the lifecycle moves of the state table."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns import repository
from pytake.campaigns.models import Campaign, CampaignStatus, MessageStatus, PauseReason
from pytake.campaigns.schemas import CampaignCreate, CampaignUpdate
from pytake.campaigns.states import can_transition, status_to_run, transition_error
from pytake.contacts.repository import count_audience, iter_audience
from pytake.core.errors import ConflictError, InvalidInputError, NotFoundError
from pytake.numbers.service import get_number


async def _check_number(
    session: AsyncSession, organization_id: uuid.UUID, number_id: uuid.UUID
) -> None:
    try:
        await get_number(session, organization_id, number_id)
    except NotFoundError:
        raise InvalidInputError(
            f"no WhatsApp number {number_id} in this organization", field="whatsapp_number_id"
        ) from None


async def _audience_size(
    session: AsyncSession, organization_id: uuid.UUID, campaign: Campaign
) -> int:
    size = await count_audience(
        session,
        organization_id,
        contact_ids=[uuid.UUID(value) for value in campaign.contact_ids],
        tags=campaign.contact_tags,
    )
    if size == 0:
        raise InvalidInputError("the audience matches no contacts", field="contact_ids")
    return size


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Schema values as the row stores them (ids as strings, the template as JSON)."""
    if values.get("contact_ids") is not None:
        values["contact_ids"] = [str(value) for value in values["contact_ids"]]
    return values


async def create_campaign(
    session: AsyncSession, organization_id: uuid.UUID, data: CampaignCreate
) -> Campaign:
    await _check_number(session, organization_id, data.whatsapp_number_id)
    campaign = Campaign(organization_id=organization_id, **_stored(data.model_dump()))
    campaign.total_contacts = await _audience_size(session, organization_id, campaign)
    session.add(campaign)
    await session.flush()
    return campaign


async def update_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID, data: CampaignUpdate
) -> Campaign:
    campaign = await _campaign_for(session, organization_id, campaign_id, "edit")
    changes = _stored(data.model_dump(exclude_unset=True))
    if changes.get("whatsapp_number_id") is not None:
        await _check_number(session, organization_id, changes["whatsapp_number_id"])
    for field, value in changes.items():
        setattr(campaign, field, value)
    if campaign.retry_max_delay < campaign.retry_base_delay:
        raise InvalidInputError(
            "retry_max_delay must be >= retry_base_delay", field="retry_max_delay"
        )
    if not campaign.contact_ids and not campaign.contact_tags:
        raise InvalidInputError("the audience is empty", field="contact_ids")
    campaign.total_contacts = await _audience_size(session, organization_id, campaign)
    await session.flush()
    return campaign


async def delete_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID
) -> None:
    campaign = await _campaign_for(session, organization_id, campaign_id, "delete")
    await session.delete(campaign)


async def _campaign_for(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID, action: str
) -> Campaign:
    campaign = await repository.get_campaign(session, organization_id, campaign_id)
    if not can_transition(action, campaign.status):
        raise ConflictError(transition_error(action, campaign.status))
    return campaign


async def start_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID, *, now: datetime
) -> Campaign:
    """Materialises one message row per audience contact, then runs (or waits for its time)."""
    campaign = await _campaign_for(session, organization_id, campaign_id, "start")
    if campaign.whatsapp_number_id is None:
        raise ConflictError("cannot start a campaign whose WhatsApp number was deleted")
    total = 0
    async for members in iter_audience(
        session,
        organization_id,
        contact_ids=[uuid.UUID(value) for value in campaign.contact_ids],
        tags=campaign.contact_tags,
    ):
        rows = [
            {
                "id": uuid.uuid4(),
                "campaign_id": campaign.id,
                "contact_id": member.contact_id,
                "contact_name": member.name,
                "contact_phone": member.phone,
                "contact_attributes": member.attributes,
                "status": MessageStatus.SKIPPED if member.opted_out else MessageStatus.PENDING,
                "next_attempt_at": None if member.opted_out else now,
                "created_at": now,
                "updated_at": now,
            }
            for member in members
        ]
        await repository.insert_messages(session, rows)
        total += len(rows)
    if total == 0:
        raise InvalidInputError("the audience matches no contacts", field="contact_ids")
    campaign.total_contacts = total
    campaign.started_at = now
    campaign.status = status_to_run(campaign.scheduled_at, now)
    await session.flush()
    return campaign


async def pause_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID
) -> Campaign:
    campaign = await _campaign_for(session, organization_id, campaign_id, "pause")
    campaign.status = CampaignStatus.PAUSED
    campaign.pause_reason = PauseReason.MANUAL
    campaign.pause_detail = "paused by a user"
    await session.flush()
    return campaign


async def resume_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID, *, now: datetime
) -> Campaign:
    """Runs a paused campaign again, or returns it to scheduled when its time has not come."""
    campaign = await _campaign_for(session, organization_id, campaign_id, "resume")
    campaign.status = status_to_run(campaign.scheduled_at, now)
    campaign.pause_reason = campaign.pause_detail = None
    campaign.resume_at = None
    await session.flush()
    return campaign


async def cancel_campaign(
    session: AsyncSession, organization_id: uuid.UUID, campaign_id: uuid.UUID
) -> Campaign:
    campaign = await _campaign_for(session, organization_id, campaign_id, "cancel")
    campaign.status = CampaignStatus.CANCELLED
    campaign.pause_reason = campaign.pause_detail = None
    campaign.resume_at = None
    await repository.cancel_open_messages(session, campaign.id)
    await session.flush()
    return campaign


async def retry_failed(
    session: AsyncSession,
    organization_id: uuid.UUID,
    campaign_id: uuid.UUID,
    *,
    include_permanent: bool,
    now: datetime,
) -> Campaign:
    campaign = await _campaign_for(session, organization_id, campaign_id, "retry-failed")
    requeued = await repository.requeue_failed(
        session, campaign.id, include_permanent=include_permanent, now=now
    )
    if requeued and campaign.status == CampaignStatus.COMPLETED:
        campaign.status = CampaignStatus.RUNNING
        campaign.completed_at = None
    await session.flush()
    return campaign
