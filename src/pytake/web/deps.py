"""Request dependencies: the runtime, a unit of work, and the caller's organization."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.bootstrap import Runtime
from pytake.core.errors import AuthenticationError
from pytake.organizations.service import find_organization_id_by_key

_bearer = HTTPBearer(auto_error=False, description="An API key from `pytake apikey create`")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A transaction committed when the handler returns, rolled back when it raises."""
    async with runtime.db.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_organization_id(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> uuid.UUID:
    if credentials is None:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    async with runtime.db.session() as session:
        organization_id = await find_organization_id_by_key(session, credentials.credentials)
    if organization_id is None:
        raise AuthenticationError("invalid API key")
    return organization_id


OrgIdDep = Annotated[uuid.UUID, Depends(get_organization_id)]
