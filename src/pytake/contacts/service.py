"""Contact use cases: create-or-update by phone, bulk and CSV uploads, pages and edits."""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.contacts import repository
from pytake.contacts.importer import (
    ContactRow,
    ContactsCsvReader,
    CsvFormatError,
    RowError,
    merge_duplicate_phones,
)
from pytake.contacts.models import Contact, ContactTag
from pytake.contacts.phones import normalize_phone
from pytake.contacts.repository import ContactPosition
from pytake.contacts.schemas import ContactCreate, ContactIn, ContactUpdate
from pytake.core.cursor import decode_cursor, encode_cursor
from pytake.core.db import Database, utcnow
from pytake.core.errors import ConflictError, InvalidInputError, NotFoundError

# Rows per transaction of a CSV import, and all that is held of the file at a time.
CSV_CHUNK_ROWS = 5_000
MAX_REPORTED_ERRORS = 1_000


@dataclass
class ImportReport:
    """Counts of an upload and its first MAX_REPORTED_ERRORS row errors, in row order."""

    created: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0

    def add(
        self, rows: int, unique: int, counts: repository.UpsertCounts, errors: list[RowError]
    ) -> None:
        """Adds one chunk: `rows` valid rows merged into `unique` ones, then saved as `counts`."""
        self.created += counts.created
        self.updated += counts.updated
        self.duplicates += rows - unique
        found = sorted([*errors, *counts.rejected], key=lambda error: error.row)
        self.errors += found[: MAX_REPORTED_ERRORS - len(self.errors)]
        self.errors_total += len(found)


@dataclass(frozen=True)
class ContactPage:
    items: list[Contact]
    next_cursor: str | None


async def create_contact(
    session: AsyncSession, organization_id: uuid.UUID, data: ContactCreate
) -> Contact:
    """Creates the contact, or updates the one with the same phone as an upload would."""
    counts = await repository.upsert_contacts(session, organization_id, [_row(1, data, data.phone)])
    if counts.rejected:
        [error] = counts.rejected
        raise InvalidInputError(error.error, field=error.field)
    contact = await repository.find_contact_by_phone(session, organization_id, data.phone)
    assert contact is not None
    return contact


async def import_contacts(
    session: AsyncSession, organization_id: uuid.UUID, items: Sequence[ContactIn]
) -> ImportReport:
    """Upserts a JSON list; a row's number in errors is its 1-based position in the list."""
    rows: list[ContactRow] = []
    errors: list[RowError] = []
    for index, item in enumerate(items, start=1):
        try:
            phone = normalize_phone(item.phone)
        except ValueError as exc:
            errors.append(RowError(index, str(exc)))
            continue
        rows.append(_row(index, item, phone))
    unique = merge_duplicate_phones(rows)
    counts = await repository.upsert_contacts(session, organization_id, unique)
    report = ImportReport()
    report.add(len(rows), len(unique), counts, errors)
    return report


def _row(index: int, item: ContactIn, phone: str) -> ContactRow:
    return ContactRow(
        row=index,
        name=item.name,
        phone=phone,
        attributes=item.attributes,
        tags=item.tags,
        opted_out=item.opted_out,
    )


async def import_contacts_csv(
    db: Database, organization_id: uuid.UUID, file: IO[bytes]
) -> ImportReport:
    """Upserts a CSV file from its current position, a transaction per CSV_CHUNK_ROWS rows, so
    the good rows stay saved whatever follows; a row's number is its CSV line (the header is
    line 1).

    Each chunk is parsed in a thread, then saved. Parsing the next chunk while saving this one
    was measured slower, with the event loop held up longer: both are Python work under one GIL.

    A phone repeated within a chunk counts once in `duplicates`; repeated further apart, it
    updates the contact its first row created and counts as updated.
    """
    try:
        reader = await asyncio.to_thread(ContactsCsvReader, file)
    except CsvFormatError as exc:
        raise InvalidInputError(str(exc), field="file") from None
    report = ImportReport()
    try:
        while (chunk := await asyncio.to_thread(reader.read_chunk, CSV_CHUNK_ROWS)) is not None:
            unique = merge_duplicate_phones(chunk.rows)
            async with db.transaction() as session:
                counts = await repository.upsert_contacts(session, organization_id, unique)
            report.add(len(chunk.rows), len(unique), counts, chunk.errors)
    except ConflictError as exc:
        raise ConflictError(
            f"{exc}: the rows saved before stay saved, and importing the file again is safe"
        ) from exc
    finally:
        reader.close()
    return report


async def list_contacts(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    tag: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> ContactPage:
    """One page in creation order; `next_cursor` is None on the last page.

    An empty `tag` or `cursor` (as a form with a blank filter sends) counts as none.
    """
    after = _decode_position(cursor) if cursor else None
    contacts = await repository.list_contacts(
        session, organization_id, tag=tag or None, limit=limit + 1, after=after
    )
    if len(contacts) <= limit:
        return ContactPage(items=contacts, next_cursor=None)
    last = contacts[limit - 1]
    return ContactPage(
        items=contacts[:limit], next_cursor=encode_cursor(last.created_at.isoformat(), str(last.id))
    )


def _decode_position(cursor: str) -> ContactPosition:
    created_at, contact_id = decode_cursor(cursor, parts=2)
    try:
        position = ContactPosition(datetime.fromisoformat(created_at), uuid.UUID(contact_id))
    except ValueError:
        raise InvalidInputError("invalid cursor", field="cursor", location="query") from None
    if position.created_at.tzinfo is None:
        raise InvalidInputError("invalid cursor", field="cursor", location="query")
    return position


async def get_contact(
    session: AsyncSession, organization_id: uuid.UUID, contact_id: uuid.UUID
) -> Contact:
    contact = await repository.find_contact(session, organization_id, contact_id)
    if contact is None:
        raise NotFoundError(f"contact {contact_id} not found")
    return contact


async def update_contact(
    session: AsyncSession, organization_id: uuid.UUID, contact_id: uuid.UUID, data: ContactUpdate
) -> Contact:
    """Changes the fields sent; `attributes` and `tags` replace the stored ones."""
    contact = await get_contact(session, organization_id, contact_id)
    changes = data.model_dump(exclude_unset=True)
    phone = changes.get("phone", contact.phone)
    if phone != contact.phone and await repository.find_contact_by_phone(
        session, organization_id, phone
    ):
        raise ConflictError(f"another contact already has the phone {phone}")
    if "tags" in changes:
        _replace_tags(contact, changes.pop("tags"))
    for name, value in changes.items():
        setattr(contact, name, value)
    contact.updated_at = utcnow()
    await session.flush()
    return contact


def _replace_tags(contact: Contact, tags: list[str]) -> None:
    # Rows of tags that stay are kept, so the flush never deletes and re-inserts the same key.
    kept = {row.tag: row for row in contact.tag_rows}
    contact.tag_rows = [
        kept.get(tag) or ContactTag(tag=tag, organization_id=contact.organization_id)
        for tag in tags
    ]


async def delete_contact(
    session: AsyncSession, organization_id: uuid.UUID, contact_id: uuid.UUID
) -> None:
    contact = await get_contact(session, organization_id, contact_id)
    await session.delete(contact)
    await session.flush()
