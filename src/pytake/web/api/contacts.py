"""`/api/v1/contacts`: single contacts, bulk JSON and CSV uploads, pages by cursor."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile

from pytake.contacts import service
from pytake.contacts.schemas import (
    BulkContacts,
    ContactCreate,
    ContactList,
    ContactRead,
    ContactUpdate,
    ImportResult,
)
from pytake.web.api.responses import BODY, CSRF, NOT_FOUND, conflict
from pytake.web.deps import OrgIdDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/contacts", tags=["contacts"])
Limit = Annotated[int, Query(ge=1, le=1000)]
# Two writes to the same phones at once: the second is refused rather than merged blindly.
CONCURRENT = conflict("Another request changed the same contacts at the same time: try again")
WRITE = BODY | CSRF | CONCURRENT


@router.post("", status_code=201, responses=WRITE)
async def create_contact(body: ContactCreate, org_id: OrgIdDep, session: SessionDep) -> ContactRead:
    """Creates a contact; a phone the organization already has updates that contact."""
    return ContactRead.model_validate(await service.create_contact(session, org_id, body))


@router.post("/bulk", responses=WRITE)
async def import_contacts(
    body: BulkContacts, org_id: OrgIdDep, session: SessionDep
) -> ImportResult:
    """Upserts up to 10,000 contacts; an error's `row` is the 1-based position in the list."""
    return ImportResult.model_validate(await service.import_contacts(session, org_id, body))


@router.post("/import", responses=WRITE)
async def import_contacts_csv(
    file: UploadFile, org_id: OrgIdDep, runtime: RuntimeDep
) -> ImportResult:
    """Upserts a UTF-8 CSV (up to PYTAKE_MAX_IMPORT_BYTES) a chunk of rows per transaction;
    an error's `row` is its line, the header being line 1."""
    report = await service.import_contacts_csv(runtime.db, org_id, file.file)
    return ImportResult.model_validate(report)


@router.get("")
async def list_contacts(
    org_id: OrgIdDep,
    session: SessionDep,
    tag: str | None = None,
    limit: Limit = 100,
    cursor: str | None = None,
) -> ContactList:
    page = await service.list_contacts(session, org_id, tag=tag, limit=limit, cursor=cursor)
    items = [ContactRead.model_validate(contact) for contact in page.items]
    return ContactList(items=items, next_cursor=page.next_cursor)


@router.get("/{contact_id}", responses=NOT_FOUND)
async def get_contact(contact_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep) -> ContactRead:
    return ContactRead.model_validate(await service.get_contact(session, org_id, contact_id))


@router.patch(
    "/{contact_id}",
    responses=NOT_FOUND | BODY | CSRF | conflict("Another contact already has this phone"),
)
async def update_contact(
    contact_id: uuid.UUID, body: ContactUpdate, org_id: OrgIdDep, session: SessionDep
) -> ContactRead:
    contact = await service.update_contact(session, org_id, contact_id, body)
    return ContactRead.model_validate(contact)


@router.delete("/{contact_id}", status_code=204, responses=NOT_FOUND | CSRF)
async def delete_contact(contact_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep) -> None:
    await service.delete_contact(session, org_id, contact_id)
