"""Dashboard sign-ins: a random token lives in the browser's cookie, only its hash in the table."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.organizations.models import Organization, WebSession
from pytake.organizations.service import find_organization_id_by_key, hash_api_key

# A working day: long enough not to interrupt a campaign being watched, short enough that a
# forgotten browser does not stay signed in for the week.
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    token: str
    expires_at: datetime


async def open_web_session(
    session: AsyncSession, api_key: str, *, now: datetime
) -> OpenedSession | None:
    """A new sign-in for the key's organization, or None when the key is not valid."""
    organization_id = await find_organization_id_by_key(session, api_key)
    if organization_id is None:
        return None
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME
    session.add(
        WebSession(
            organization_id=organization_id,
            token_hash=hash_api_key(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return OpenedSession(token=token, expires_at=expires_at)


async def find_session_organization(
    session: AsyncSession, token: str, *, now: datetime
) -> Organization | None:
    """The organization signed in with this token, while the sign-in has not expired."""
    return await session.scalar(
        select(Organization)
        .join(WebSession, WebSession.organization_id == Organization.id)
        .where(WebSession.token_hash == hash_api_key(token), WebSession.expires_at > now)
    )


async def close_web_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.token_hash == hash_api_key(token)))
