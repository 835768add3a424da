"""Creating organizations and API keys, and resolving a presented key to its organization."""

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.organizations.models import ApiKey, Organization

KEY_PREFIX = "ptk_"


def hash_api_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a fast unsalted hash is enough to make a leaked
    # table useless; a slow KDF would only slow down every request.
    return hashlib.sha256(key.encode()).hexdigest()


async def get_or_create_organization(session: AsyncSession, name: str) -> Organization:
    org = await session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name)
        session.add(org)
        await session.flush()
    return org


async def create_api_key(session: AsyncSession, organization: Organization) -> str:
    """Stores the hash of a new key and returns the key itself, which is never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(organization_id=organization.id, key_hash=hash_api_key(key), prefix=key[:10])
    )
    await session.flush()
    return key


async def find_organization_id_by_key(session: AsyncSession, key: str) -> uuid.UUID | None:
    return await session.scalar(
        select(ApiKey.organization_id).where(
            ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None)
        )
    )
