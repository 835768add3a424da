"""WhatsApp number queries, always scoped to one organization."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.numbers.models import WhatsAppNumber


async def find_number(
    session: AsyncSession, organization_id: uuid.UUID, number_id: uuid.UUID
) -> WhatsAppNumber | None:
    return await session.scalar(
        select(WhatsAppNumber).where(
            WhatsAppNumber.organization_id == organization_id, WhatsAppNumber.id == number_id
        )
    )


async def has_phone_number_id(
    session: AsyncSession, organization_id: uuid.UUID, phone_number_id: str
) -> bool:
    found = await session.scalar(
        select(WhatsAppNumber.id).where(
            WhatsAppNumber.organization_id == organization_id,
            WhatsAppNumber.phone_number_id == phone_number_id,
        )
    )
    return found is not None


async def list_numbers(session: AsyncSession, organization_id: uuid.UUID) -> list[WhatsAppNumber]:
    query = (
        select(WhatsAppNumber)
        .where(WhatsAppNumber.organization_id == organization_id)
        .order_by(WhatsAppNumber.created_at, WhatsAppNumber.id)
    )
    return list(await session.scalars(query))
