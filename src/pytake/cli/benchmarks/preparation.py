"""Builds the benchmark's organization, number, contacts and campaign through the services."""

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.schemas import CampaignCreate, TemplateSpec
from pytake.campaigns.service import create_campaign
from pytake.contacts.schemas import ContactIn
from pytake.contacts.service import import_contacts
from pytake.core.db import Database
from pytake.core.secrets import SecretBox
from pytake.numbers.schemas import WhatsAppNumberCreate
from pytake.numbers.service import create_number
from pytake.organizations.service import get_or_create_organization

ACCESS_TOKEN = "sim-token"  # noqa: S105 - the simulator's default token, not a secret
TEMPLATE = TemplateSpec(
    name="spring_sale",
    language="pt_BR",
    components=[{"type": "body", "parameters": [{"type": "text", "text": "{{contact.name}}"}]}],
)
# The smallest delays a campaign accepts (the bench compresses them further, see scaled_time).
RETRY_BASE_DELAY = 10
RETRY_MAX_DELAY = 60
RETRY_MAX_ATTEMPTS = 3
_IMPORT_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class BenchContact:
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class PreparedCampaign:
    organization_id: uuid.UUID
    campaign_id: uuid.UUID


def bench_contacts(count: int) -> Iterator[BenchContact]:
    """The same `count` valid Brazilian mobile numbers on every run, phones as `wa_id`s."""
    for index in range(1, count + 1):
        yield BenchContact(name=f"Contact {index}", phone=f"5511{900_000_000 + index}")


async def prepare_campaign(
    db: Database, *, keys: SecretBox, contacts: int, api_base_url: str
) -> PreparedCampaign:
    """A draft campaign to every bench contact; a run-specific tag keeps reruns apart."""
    tag = f"bench-{secrets.token_hex(4)}"
    async with db.transaction() as session:
        organization = await get_or_create_organization(session, "bench")
        number_id = await _create_number(session, organization.id, api_base_url, keys)
        await _import_contacts(session, organization.id, contacts, tag)
        campaign = await create_campaign(
            session,
            organization.id,
            CampaignCreate(
                name="bench engine",
                whatsapp_number_id=number_id,
                template=TEMPLATE,
                contact_tags=[tag],
                retry_max_attempts=RETRY_MAX_ATTEMPTS,
                retry_base_delay=RETRY_BASE_DELAY,
                retry_max_delay=RETRY_MAX_DELAY,
            ),
        )
        return PreparedCampaign(organization.id, campaign.id)


UNPACED_THROUGHPUT_MPS = 1_000_000


async def _create_number(
    session: AsyncSession, organization_id: uuid.UUID, api_base_url: str, keys: SecretBox
) -> uuid.UUID:
    """A number without a messaging limit and, unlike any real one, without a pace.

    The bench measures the engine's own ceiling ("no throughput limit"): a real number is
    held to Meta's 1,000 msg/s at most, which the API enforces when numbers are created.
    """
    number = await create_number(
        session,
        organization_id,
        WhatsAppNumberCreate(
            phone_number_id=str(100_000_000_000_000 + secrets.randbelow(10**14)),
            display_phone_number="15550783881",
            access_token=SecretStr(ACCESS_TOKEN),
            throughput_mps=1000,
            messaging_limit_24h=None,
            api_base_url=api_base_url,
        ),
        secrets=keys,
    )
    number.throughput_mps = UNPACED_THROUGHPUT_MPS
    return number.id


async def _import_contacts(
    session: AsyncSession, organization_id: uuid.UUID, count: int, tag: str
) -> None:
    """Bulk uploads in chunks, so a large run never holds every contact object at once."""
    batch: list[ContactIn] = []
    for contact in bench_contacts(count):
        batch.append(ContactIn(name=contact.name, phone=contact.phone, tags=[tag]))
        if len(batch) == _IMPORT_CHUNK:
            await import_contacts(session, organization_id, batch)
            batch = []
    if batch:
        await import_contacts(session, organization_id, batch)
