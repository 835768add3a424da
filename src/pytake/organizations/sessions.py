"""Dashboard sign-ins: a random token lives in the browser's cookie, only its hash in the table.

A sign-in belongs to the key it was opened with: it ends when that key is revoked, and is
never found once its key no longer works, whatever its own expiry says.
"""

import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.organizations.models import ApiKey, Organization, WebSession
from pytake.organizations.service import authenticate_api_key, hash_api_key

# A working day: long enough not to interrupt a campaign being watched, short enough that a
# forgotten browser does not stay signed in for the week.
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A sign-in that still holds: which one, and for which organization."""

    session_id: uuid.UUID
    organization: Organization


async def open_web_session(
    session: AsyncSession, api_key: str, *, now: datetime
) -> OpenedSession | None:
    """A new sign-in with the key, or None when the key is not valid."""
    identity = await authenticate_api_key(session, api_key, now=now)
    if identity is None:
        return None
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME
    session.add(
        WebSession(
            organization_id=identity.organization_id,
            api_key_id=identity.key_id,
            token_hash=hash_api_key(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return OpenedSession(token=token, expires_at=expires_at)


def _holding(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conditions of a sign-in that still holds (its key joined in)."""
    return (WebSession.expires_at > now, ApiKey.revoked_at.is_(None))


async def find_signed_in(session: AsyncSession, token: str, *, now: datetime) -> SignedIn | None:
    """The sign-in of this token, while it has not expired and its key is not revoked."""
    row = (
        await session.execute(
            select(WebSession.id, Organization)
            .join(Organization, WebSession.organization_id == Organization.id)
            .join(ApiKey, WebSession.api_key_id == ApiKey.id)
            .where(WebSession.token_hash == hash_api_key(token), *_holding(now))
        )
    ).one_or_none()
    return SignedIn(session_id=row[0], organization=row[1]) if row is not None else None


async def active_session_ids(
    session: AsyncSession, session_ids: Collection[uuid.UUID], *, now: datetime
) -> set[uuid.UUID]:
    """Those of `session_ids` that still hold."""
    if not session_ids:
        return set()
    return set(
        await session.scalars(
            select(WebSession.id)
            .join(ApiKey, WebSession.api_key_id == ApiKey.id)
            .where(WebSession.id.in_(session_ids), *_holding(now))
        )
    )


async def close_web_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.token_hash == hash_api_key(token)))
