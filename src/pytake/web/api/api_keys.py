"""`/api/v1/api-keys`: the organization's keys; a new key is shown once, a revoked one stops
working at once (its dashboard sessions end, its sockets close soon after)."""

import uuid

from fastapi import APIRouter, Request

from pytake.organizations import service
from pytake.organizations.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from pytake.web.api.responses import BODY, CSRF, NOT_FOUND
from pytake.web.credentials import credential_watch_of
from pytake.web.deps import OrgIdDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/api-keys", tags=["api keys"])


@router.get("")
async def list_api_keys(org_id: OrgIdDep, session: SessionDep) -> ApiKeyList:
    keys = await service.list_api_keys(session, org_id)
    return ApiKeyList(items=[ApiKeyRead.model_validate(key) for key in keys])


@router.post("", status_code=201, responses=BODY | CSRF)
async def create_api_key(
    body: ApiKeyCreate, org_id: OrgIdDep, runtime: RuntimeDep
) -> ApiKeyCreated:
    """The key is in this answer only: store it now, only its hash is kept."""
    # Committed before answering, so the key works as soon as the client has it.
    async with runtime.db.transaction() as session:
        issued = await service.issue_api_key(session, org_id, name=body.name)
    return ApiKeyCreated(**ApiKeyRead.model_validate(issued.record).model_dump(), key=issued.key)


@router.delete("/{key_id}", status_code=204, responses=NOT_FOUND | CSRF)
async def revoke_api_key(
    key_id: uuid.UUID, request: Request, org_id: OrgIdDep, runtime: RuntimeDep
) -> None:
    """Revokes the key (it may be the one making this call) and ends its dashboard sessions."""
    async with runtime.db.transaction() as session:
        await service.revoke_api_key(
            session, key_id, now=runtime.clock.now(), organization_id=org_id
        )
    credential_watch_of(request).check_soon()
