"""Organizations and the lifecycle of their API keys: issue, authenticate, list, revoke."""

import hashlib
import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.core.errors import NotFoundError
from pytake.organizations.models import ApiKey, Organization, WebSession

KEY_PREFIX = "ptk_"
# `last_used_at` is this precise: a key used all day costs one write a minute, not one a request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    record: ApiKey
    key: str


@dataclass(frozen=True, slots=True)
class KeyIdentity:
    """Who a valid key is: which key (so it can be revoked) of which organization."""

    key_id: uuid.UUID
    organization_id: uuid.UUID


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


async def find_organization(session: AsyncSession, name: str) -> Organization | None:
    return await session.scalar(select(Organization).where(Organization.name == name))


async def issue_api_key(
    session: AsyncSession, organization_id: uuid.UUID, *, name: str = ""
) -> IssuedKey:
    """Stores the hash of a new key; the key itself is only in the result, never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        organization_id=organization_id, name=name, key_hash=hash_api_key(key), prefix=key[:10]
    )
    session.add(record)
    await session.flush()
    return IssuedKey(record=record, key=key)


async def create_api_key(
    session: AsyncSession, organization: Organization, *, name: str = ""
) -> str:
    """A new key of the organization (see `issue_api_key`), as the text to hand over."""
    return (await issue_api_key(session, organization.id, name=name)).key


async def authenticate_api_key(
    session: AsyncSession, key: str, *, now: datetime
) -> KeyIdentity | None:
    """The identity of a key that has not been revoked; notes its use (the caller commits)."""
    row = (
        await session.execute(
            select(ApiKey.id, ApiKey.organization_id, ApiKey.last_used_at).where(
                ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None)
            )
        )
    ).one_or_none()
    if row is None:
        return None
    key_id, organization_id, last_used_at = row
    stale = now - LAST_USED_RESOLUTION
    if last_used_at is None or last_used_at <= stale:
        # Conditional, so processes racing on the same key write it once between them.
        await session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= stale),
            )
            .values(last_used_at=now)
        )
    return KeyIdentity(key_id=key_id, organization_id=organization_id)


async def list_api_keys(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[ApiKey]:
    """The organization's keys that still work, oldest first."""
    return (
        await session.scalars(
            select(ApiKey)
            .where(ApiKey.organization_id == organization_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    ).all()


async def revoke_api_key(
    session: AsyncSession,
    key_id: uuid.UUID,
    *,
    now: datetime,
    organization_id: uuid.UUID | None = None,
) -> ApiKey:
    """Revokes a working key (of `organization_id` when given) and ends its dashboard sessions.

    Raises NotFoundError when there is no such key, or it was already revoked.
    """
    query = select(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
    if organization_id is not None:
        query = query.where(ApiKey.organization_id == organization_id)
    record = await session.scalar(query.with_for_update())
    if record is None:
        raise NotFoundError(f"API key {key_id} not found")
    record.revoked_at = now
    await session.execute(delete(WebSession).where(WebSession.api_key_id == key_id))
    await session.flush()
    return record


async def active_key_ids(session: AsyncSession, key_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `key_ids` that are not revoked."""
    if not key_ids:
        return set()
    return set(
        await session.scalars(
            select(ApiKey.id).where(ApiKey.id.in_(key_ids), ApiKey.revoked_at.is_(None))
        )
    )
