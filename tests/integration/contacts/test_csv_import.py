"""The streaming CSV import on SQLite and PostgreSQL: threads, chunks and their transactions."""

import io
import threading
import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.bootstrap import Runtime
from pytake.contacts import repository, service
from pytake.contacts.importer import ContactRow, ContactsCsvReader, CsvChunk
from pytake.contacts.models import Contact
from pytake.core.errors import ConflictError
from pytake.organizations.service import get_or_create_organization

pytestmark = pytest.mark.integration


def csv_file(rows: int) -> io.BytesIO:
    lines = [b"name,phone"] + [b"C%d,55119%08d" % (index, index) for index in range(rows)]
    return io.BytesIO(b"\n".join(lines))


async def new_org(runtime: Runtime) -> uuid.UUID:
    async with runtime.db.transaction() as session:
        return (await get_or_create_organization(session, "acme")).id


async def stored(runtime: Runtime, org_id: uuid.UUID) -> int:
    async with runtime.db.session() as session:
        query = select(func.count()).select_from(Contact).where(Contact.organization_id == org_id)
        return await session.scalar(query) or 0


async def test_the_file_is_parsed_off_the_event_loop_thread_when_imported(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: set[str] = set()
    read_chunk = ContactsCsvReader.read_chunk

    def spied(reader: ContactsCsvReader, size: int) -> CsvChunk | None:
        threads.add(threading.current_thread().name)
        return read_chunk(reader, size)

    monkeypatch.setattr(ContactsCsvReader, "read_chunk", spied)
    org_id = await new_org(runtime)
    report = await service.import_contacts_csv(runtime.db, org_id, csv_file(12_000))
    assert (report.created, report.errors_total) == (12_000, 0)
    assert threads
    assert threading.current_thread().name not in threads


async def test_chunks_saved_before_a_failure_stay_saved_when_a_later_chunk_fails(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    upsert = repository.upsert_contacts
    calls = 0

    async def failing_second(
        session: AsyncSession, organization_id: uuid.UUID, rows: Sequence[ContactRow]
    ) -> repository.UpsertCounts:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConflictError("another request changed the same contacts at the same time")
        return await upsert(session, organization_id, rows)

    monkeypatch.setattr(repository, "upsert_contacts", failing_second)
    org_id = await new_org(runtime)
    file = csv_file(service.CSV_CHUNK_ROWS * 3)
    with pytest.raises(ConflictError, match="the rows saved before stay saved"):
        await service.import_contacts_csv(runtime.db, org_id, file)
    assert await stored(runtime, org_id) == service.CSV_CHUNK_ROWS
    assert not file.closed
