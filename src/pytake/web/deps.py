"""Request dependencies: the runtime, a unit of work, and the caller's organization."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.bootstrap import Runtime
from pytake.web.auth import authenticate_request

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
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> uuid.UUID:
    """The Bearer key's organization, or the dashboard's (its cookie, CSRF-checked)."""
    bearer = credentials.credentials if credentials is not None else None
    return await authenticate_request(runtime, request, bearer)


OrgIdDep = Annotated[uuid.UUID, Depends(get_organization_id)]
