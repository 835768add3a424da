"""WhatsApp number use cases; also how the campaign engine looks a number up.

Access tokens are stored encrypted by the deployment's SecretBox, never in clear.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.core.db import utcnow
from pytake.core.errors import ConflictError, NotFoundError
from pytake.core.secrets import SecretBox
from pytake.numbers import repository
from pytake.numbers.models import WhatsAppNumber
from pytake.numbers.schemas import WhatsAppNumberCreate, WhatsAppNumberUpdate


async def create_number(
    session: AsyncSession,
    organization_id: uuid.UUID,
    data: WhatsAppNumberCreate,
    *,
    secrets: SecretBox,
) -> WhatsAppNumber:
    await _check_unique(session, organization_id, data.phone_number_id)
    number = WhatsAppNumber(
        organization_id=organization_id,
        **data.model_dump(exclude={"access_token"}),
        access_token=secrets.encrypt(data.access_token.get_secret_value()),
    )
    session.add(number)
    await session.flush()
    return number


async def list_numbers(session: AsyncSession, organization_id: uuid.UUID) -> list[WhatsAppNumber]:
    return await repository.list_numbers(session, organization_id)


async def get_number(
    session: AsyncSession, organization_id: uuid.UUID, number_id: uuid.UUID
) -> WhatsAppNumber:
    """The organization's number; NotFoundError when it has none with this id."""
    number = await repository.find_number(session, organization_id, number_id)
    if number is None:
        raise NotFoundError(f"WhatsApp number {number_id} not found")
    return number


async def update_number(
    session: AsyncSession,
    organization_id: uuid.UUID,
    number_id: uuid.UUID,
    data: WhatsAppNumberUpdate,
    *,
    secrets: SecretBox,
) -> WhatsAppNumber:
    number = await get_number(session, organization_id, number_id)
    changes = data.model_dump(exclude_unset=True, exclude={"access_token"})
    if changes.get("phone_number_id", number.phone_number_id) != number.phone_number_id:
        await _check_unique(session, organization_id, changes["phone_number_id"])
    if data.access_token is not None:
        changes["access_token"] = secrets.encrypt(data.access_token.get_secret_value())
    for name, value in changes.items():
        setattr(number, name, value)
    number.updated_at = utcnow()
    await session.flush()
    return number


async def delete_number(
    session: AsyncSession, organization_id: uuid.UUID, number_id: uuid.UUID
) -> None:
    """Deletes the number; campaigns that used it keep their history but can no longer start."""
    number = await get_number(session, organization_id, number_id)
    await session.delete(number)
    await session.flush()


async def _check_unique(
    session: AsyncSession, organization_id: uuid.UUID, phone_number_id: str
) -> None:
    if await repository.has_phone_number_id(session, organization_id, phone_number_id):
        raise ConflictError(f"the WhatsApp number {phone_number_id} is already registered")
