"""Campaign audiences (listed ids ∪ tagged contacts) on SQLite and PostgreSQL."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.bootstrap import Runtime
from pytake.contacts.importer import ContactRow
from pytake.contacts.models import Contact
from pytake.contacts.repository import (
    AudienceMember,
    count_audience,
    iter_audience,
    upsert_contacts,
)
from pytake.organizations.service import get_or_create_organization


async def new_org(session: AsyncSession, name: str = "acme") -> uuid.UUID:
    return (await get_or_create_organization(session, name)).id


def row(index: int, *tags: str, opted_out: bool | None = None) -> ContactRow:
    return ContactRow(
        row=index,
        name=f"C{index}",
        phone=f"55119{index:08d}",
        attributes={"i": str(index)},
        tags=list(tags),
        opted_out=opted_out,
    )


async def add_contacts(
    session: AsyncSession, org_id: uuid.UUID, rows: list[ContactRow]
) -> dict[str, uuid.UUID]:
    """Stores the rows and returns contact ids by name."""
    await upsert_contacts(session, org_id, rows)
    found = await session.execute(
        select(Contact.name, Contact.id).where(Contact.organization_id == org_id)
    )
    return {name: contact_id for name, contact_id in found}


async def members(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    contact_ids: list[uuid.UUID],
    tags: list[str],
    chunk_size: int = 5000,
) -> list[list[AudienceMember]]:
    return [
        chunk
        async for chunk in iter_audience(
            session, org_id, contact_ids=contact_ids, tags=tags, chunk_size=chunk_size
        )
    ]


async def test_union_of_listed_and_tagged_each_once_when_both_are_given(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        org_id = await new_org(session)
        ids = await add_contacts(
            session, org_id, [row(1, "vip"), row(2, "vip", "new"), row(3), row(4, "old")]
        )
        listed = [ids["C2"], ids["C3"], ids["C3"]]
        chunks = await members(session, org_id, contact_ids=listed, tags=["vip", "new"])
        count = await count_audience(session, org_id, contact_ids=listed, tags=["vip", "new"])
    found = [member.name for chunk in chunks for member in chunk]
    assert sorted(found) == ["C1", "C2", "C3"]
    assert count == 3


async def test_member_carries_the_contact_fields_when_yielded(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        org_id = await new_org(session)
        ids = await add_contacts(session, org_id, [row(1, opted_out=True)])
        [[member]] = await members(session, org_id, contact_ids=[ids["C1"]], tags=[])
    assert member == AudienceMember(
        contact_id=ids["C1"],
        name="C1",
        phone="5511900000001",
        attributes={"i": "1"},
        opted_out=True,
    )


async def test_other_organizations_contacts_left_out_when_listed_or_tagged(
    runtime: Runtime,
) -> None:
    async with runtime.db.transaction() as session:
        org_id = await new_org(session)
        other_id = await new_org(session, "globex")
        await add_contacts(session, org_id, [row(1, "vip")])
        theirs = await add_contacts(session, other_id, [row(2, "vip"), row(3)])
        listed = list(theirs.values())
        chunks = await members(session, org_id, contact_ids=listed, tags=["vip"])
        count = await count_audience(session, org_id, contact_ids=listed, tags=["vip"])
    assert [member.name for chunk in chunks for member in chunk] == ["C1"]
    assert count == 1


async def test_empty_when_no_id_is_known_and_no_contact_has_the_tags(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        org_id = await new_org(session)
        await add_contacts(session, org_id, [row(1, "vip")])
        unknown = [uuid.uuid4()]
        assert await members(session, org_id, contact_ids=unknown, tags=["nobody"]) == []
        assert await count_audience(session, org_id, contact_ids=unknown, tags=["nobody"]) == 0
        assert await count_audience(session, org_id, contact_ids=[], tags=[]) == 0


async def test_same_order_in_full_chunks_when_iterated_twice(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        org_id = await new_org(session)
        ids = await add_contacts(
            session, org_id, [row(i, "t" if i % 2 else "u") for i in range(25)]
        )
        listed = [ids[f"C{i}"] for i in range(0, 25, 3)]
        first = await members(session, org_id, contact_ids=listed, tags=["t"], chunk_size=4)
        second = await members(session, org_id, contact_ids=listed, tags=["t"], chunk_size=4)
    assert first == second
    assert [len(chunk) for chunk in first] == [4, 4, 4, 4, 1]


async def test_every_contact_once_when_the_ids_exceed_the_bound_parameter_limit(
    runtime: Runtime,
) -> None:
    total = 35_000  # more than SQLite's 32,766 and asyncpg's 32,767 parameters per statement
    async with runtime.db.transaction() as session:
        org_id = await new_org(session)
        ids = await add_contacts(
            session, org_id, [row(i, "even") if i % 2 == 0 else row(i) for i in range(total)]
        )
        listed = [ids[f"C{i}"] for i in range(0, total, 3)]
        count = await count_audience(session, org_id, contact_ids=listed, tags=["even"])
        chunks = await members(session, org_id, contact_ids=listed, tags=["even"])
    found = [member.contact_id for chunk in chunks for member in chunk]
    expected = {ids[f"C{i}"] for i in range(total) if i % 2 == 0 or i % 3 == 0}
    assert len(found) == len(set(found)) == count == len(expected)
    assert set(found) == expected
