"""Contact queries: lookups, keyset pages, set-based upserts and campaign audiences."""

import operator
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.contacts.importer import ContactRow, RowError
from pytake.contacts.limits import ContactLimitError, check_attributes, check_tag_count
from pytake.contacts.models import Contact, ContactTag
from pytake.core.db import new_ids, utcnow
from pytake.core.errors import ConflictError

# Rows per statement batch: SQLAlchemy prepares a batch's parameters on the event loop without
# a break (about 40 µs a row), so a batch of 250 holds it up ~10 ms where 1,000 held it ~40 ms.
_UPSERT_CHUNK = 250
# Values per IN (...) list of the audience queries.
_ID_CHUNK = 5000
_uuid_int = operator.attrgetter("int")


class ContactPosition(NamedTuple):
    """Where a keyset page ends: contacts are listed by (created_at, id)."""

    created_at: datetime
    contact_id: uuid.UUID


@dataclass(frozen=True)
class UpsertCounts:
    """`rejected` are the rows that would take a stored contact past a limit (not saved)."""

    created: int
    updated: int
    rejected: list[RowError]


@dataclass(frozen=True)
class AudienceMember:
    contact_id: uuid.UUID
    name: str
    phone: str
    attributes: dict[str, Any]
    opted_out: bool


async def find_contact(
    session: AsyncSession, organization_id: uuid.UUID, contact_id: uuid.UUID
) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.organization_id == organization_id, Contact.id == contact_id)
    )


async def find_contact_by_phone(
    session: AsyncSession, organization_id: uuid.UUID, phone: str
) -> Contact | None:
    query = select(Contact).where(
        Contact.organization_id == organization_id, Contact.phone == phone
    )
    # Bulk statements bypass the identity map, so a contact loaded earlier may be stale.
    return await session.scalar(query.execution_options(populate_existing=True))


async def list_contacts(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    tag: str | None,
    limit: int,
    after: ContactPosition | None,
) -> list[Contact]:
    query = select(Contact).where(Contact.organization_id == organization_id)
    if tag is not None:
        query = query.where(_tagged(organization_id, [tag]))
    if after is not None:
        query = query.where(
            or_(
                Contact.created_at > after.created_at,
                and_(Contact.created_at == after.created_at, Contact.id > after.contact_id),
            )
        )
    query = query.order_by(Contact.created_at, Contact.id).limit(limit)
    return list(await session.scalars(query))


async def upsert_contacts(
    session: AsyncSession, organization_id: uuid.UUID, rows: Sequence[ContactRow]
) -> UpsertCounts:
    """Creates or updates the contact of each row's phone (phones must be unique).

    An update loses nothing: the name is replaced, attributes are merged key by key, tags are
    added, and `opted_out` changes only when the row gives it. A row whose merge would take the
    contact past the attribute or tag limits is rejected instead.
    """
    created = 0
    rejected: list[RowError] = []
    try:
        for start in range(0, len(rows), _UPSERT_CHUNK):
            chunk = await _upsert_chunk(
                session, organization_id, rows[start : start + _UPSERT_CHUNK]
            )
            created += chunk.created
            rejected += chunk.rejected
    except IntegrityError as exc:
        raise ConflictError(
            "another request changed the same contacts at the same time; try again"
        ) from exc
    return UpsertCounts(created, len(rows) - created - len(rejected), rejected)


class _Stored(NamedTuple):
    contact_id: uuid.UUID
    attributes: dict[str, Any]
    opted_out: bool


async def _upsert_chunk(
    session: AsyncSession, organization_id: uuid.UUID, rows: Sequence[ContactRow]
) -> UpsertCounts:
    stored = await _stored_contacts(session, organization_id, [row.phone for row in rows])
    stored_tags = await _stored_tags(session, [known.contact_id for known in stored.values()])
    accepted: list[ContactRow] = []
    rejected: list[RowError] = []
    for row in rows:
        known = stored.get(row.phone)
        try:
            if known is not None:
                _check_merge(known, stored_tags.get(known.contact_id, set()), row)
        except ContactLimitError as exc:
            rejected.append(RowError(row.row, str(exc), field=exc.field))
        else:
            accepted.append(row)
    rows = accepted
    fresh = [row for row in rows if row.phone not in stored]
    # Sorted new ids keep an upload's order in listings, which break created_at ties by id.
    fresh_ids = sorted(new_ids(len(fresh)), key=_uuid_int)
    ids = {row.phone: contact_id for row, contact_id in zip(fresh, fresh_ids, strict=True)}
    ids.update((phone, known.contact_id) for phone, known in stored.items())
    now = utcnow()
    if fresh:
        inserts = [_insert_params(organization_id, ids[row.phone], row, now) for row in fresh]
        await session.execute(insert(Contact), inserts)
    updates = [_update_params(stored[row.phone], row, now) for row in rows if row.phone in stored]
    if updates:
        await session.execute(update(Contact), updates)
    tags = {(ids[row.phone], tag) for row in rows for tag in row.tags}
    tags -= {(contact_id, tag) for contact_id, known in stored_tags.items() for tag in known}
    if tags:
        values = [{"contact_id": c, "tag": t, "organization_id": organization_id} for c, t in tags]
        await session.execute(insert(ContactTag), values)
    return UpsertCounts(created=len(fresh), updated=len(rows) - len(fresh), rejected=rejected)


def _check_merge(stored: _Stored, stored_tags: set[str], row: ContactRow) -> None:
    """ContactLimitError when the stored contact updated by the row breaks a limit."""
    try:
        if row.attributes:
            check_attributes({**stored.attributes, **row.attributes})
        if row.tags:
            check_tag_count(len(stored_tags.union(row.tags)))
    except ContactLimitError as exc:
        raise ContactLimitError(
            f"{exc}, counting what the contact already has", field=exc.field
        ) from None


async def _stored_contacts(
    session: AsyncSession, organization_id: uuid.UUID, phones: list[str]
) -> dict[str, _Stored]:
    result = await session.execute(
        select(Contact.phone, Contact.id, Contact.attributes, Contact.opted_out).where(
            Contact.organization_id == organization_id, Contact.phone.in_(_inlined(phones))
        )
    )
    return {phone: _Stored(*values) for phone, *values in result}


def _insert_params(
    organization_id: uuid.UUID, contact_id: uuid.UUID, row: ContactRow, now: datetime
) -> dict[str, Any]:
    return {
        "id": contact_id,
        "organization_id": organization_id,
        "name": row.name,
        "phone": row.phone,
        "attributes": row.attributes,
        "opted_out": bool(row.opted_out),
        "created_at": now,
        "updated_at": now,
    }


def _update_params(stored: _Stored, row: ContactRow, now: datetime) -> dict[str, Any]:
    return {
        "id": stored.contact_id,
        "name": row.name,
        "attributes": {**stored.attributes, **row.attributes},
        "opted_out": stored.opted_out if row.opted_out is None else row.opted_out,
        "updated_at": now,
    }


async def _stored_tags(
    session: AsyncSession, contact_ids: list[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    if not contact_ids:
        return {}
    result = await session.execute(
        select(ContactTag.contact_id, ContactTag.tag).where(
            ContactTag.contact_id.in_(_inlined(contact_ids))
        )
    )
    tags: dict[uuid.UUID, set[str]] = {}
    for contact_id, tag in result:
        tags.setdefault(contact_id, set()).add(tag)
    return tags


def _inlined(values: Sequence[Any]) -> BindParameter[Any]:
    """A list written into the SQL as literals rather than one parameter per value.

    A reused prepared statement gets a generic plan from PostgreSQL, which filters every row of
    the organization through the unhashed parameter list (seconds per chunk at 100,000
    contacts); literals get a plan for the actual values. SQLite's 32,766-parameter cap is moot.
    """
    return bindparam(None, list(values), expanding=True, literal_execute=True)


def _tagged(organization_id: uuid.UUID, tags: Sequence[str]) -> ColumnElement[bool]:
    """The contact carries at least one of the tags (answered from the tag index)."""
    return exists().where(
        ContactTag.organization_id == organization_id,
        ContactTag.tag.in_(tags),
        ContactTag.contact_id == Contact.id,
    )


def _id_chunks(contact_ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    unique = sorted(set(contact_ids), key=_uuid_int)
    return [unique[start : start + _ID_CHUNK] for start in range(0, len(unique), _ID_CHUNK)]


async def _tagged_among(
    session: AsyncSession,
    organization_id: uuid.UUID,
    contact_ids: Sequence[uuid.UUID],
    tags: Sequence[str],
) -> set[uuid.UUID]:
    """Which of these contacts carry one of the tags.

    Asked apart and subtracted in Python: without fresh statistics (right after an import)
    PostgreSQL plans a NOT EXISTS here as a scan of every tag row per contact.
    """
    if not tags:
        return set()
    found = await session.scalars(
        select(ContactTag.contact_id)
        .where(
            ContactTag.organization_id == organization_id,
            ContactTag.tag.in_(tags),
            ContactTag.contact_id.in_(_inlined(contact_ids)),
        )
        .distinct()
    )
    return set(found)


def _of_organization(
    organization_id: uuid.UUID, contact_ids: Sequence[uuid.UUID]
) -> ColumnElement[bool]:
    return and_(Contact.organization_id == organization_id, Contact.id.in_(_inlined(contact_ids)))


async def count_audience(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    contact_ids: Sequence[uuid.UUID],
    tags: Sequence[str],
) -> int:
    """How many contacts `iter_audience` yields, counted in the database."""
    counting = select(func.count()).select_from(Contact)
    total = 0
    if tags:
        tagged = counting.where(Contact.organization_id == organization_id)
        total += await session.scalar(tagged.where(_tagged(organization_id, tags))) or 0
    for chunk in _id_chunks(contact_ids):
        listed = await session.scalar(counting.where(_of_organization(organization_id, chunk)))
        total += (listed or 0) - len(await _tagged_among(session, organization_id, chunk, tags))
    return total


async def iter_audience(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    contact_ids: Sequence[uuid.UUID],
    tags: Sequence[str],
    chunk_size: int = 5000,
) -> AsyncIterator[list[AudienceMember]]:
    """The union of the listed contacts (of this organization only) and those carrying any of
    the tags, each once, in lists of `chunk_size` (the last may be shorter).

    The order is stable: listed contacts by id, then tagged contacts not listed, by id.
    """
    batch: list[AudienceMember] = []
    async for page in _audience_pages(session, organization_id, contact_ids, tags):
        batch.extend(page)
        while len(batch) >= chunk_size:
            yield batch[:chunk_size]
            batch = batch[chunk_size:]
    if batch:
        yield batch


_MEMBER_COLUMNS = select(
    Contact.id, Contact.name, Contact.phone, Contact.attributes, Contact.opted_out
).order_by(Contact.id)


async def _audience_pages(
    session: AsyncSession,
    organization_id: uuid.UUID,
    contact_ids: Sequence[uuid.UUID],
    tags: Sequence[str],
) -> AsyncIterator[list[AudienceMember]]:
    for chunk in _id_chunks(contact_ids):
        tagged = await _tagged_among(session, organization_id, chunk, tags)
        listed = await _members(
            session, _MEMBER_COLUMNS.where(_of_organization(organization_id, chunk))
        )
        yield [member for member in listed if member.contact_id not in tagged]
    if not tags:
        return
    query = _MEMBER_COLUMNS.where(
        Contact.organization_id == organization_id, _tagged(organization_id, tags)
    ).limit(_ID_CHUNK)
    page = await _members(session, query)
    while page:
        yield page
        page = await _members(session, query.where(Contact.id > page[-1].contact_id))


async def _members(
    session: AsyncSession, query: Select[tuple[uuid.UUID, str, str, dict[str, Any], bool]]
) -> list[AudienceMember]:
    return [AudienceMember(*values) for values in await session.execute(query)]
