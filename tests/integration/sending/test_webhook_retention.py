"""Raw webhook bodies past their retention are deleted by chunks; newer and pending ones stay."""

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.core.db import Database
from pytake.sending.models import WebhookEvent
from pytake.sending.receipts_repository import mark_webhook_event, store_webhook_event
from pytake.sending.webhook_retention import WebhookRetention, delete_expired_webhook_bodies
from support.scenario import wait_for

pytestmark = pytest.mark.integration

RETENTION = timedelta(days=30)
DAY = timedelta(days=1)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_retention_days": 10}


async def store(db: Database, body: bytes, *, received: datetime, applied: datetime | None) -> None:
    async with db.transaction() as session:
        event_id = await store_webhook_event(session, body, status_count=1, received_at=received)
        error = None if applied else "OperationalError: database is locked"
        await mark_webhook_event(session, event_id, processed_at=applied, error=error)


async def bodies(db: Database) -> set[bytes]:
    async with db.session() as session:
        return set((await session.scalars(select(WebhookEvent.body))).all())


async def test_applied_bodies_past_the_retention_go_and_newer_or_pending_ones_stay(
    runtime: Runtime, clock: OffsetClock
) -> None:
    now = clock.now()
    await store(runtime.db, b"old", received=now - 31 * DAY, applied=now - 31 * DAY)
    await store(runtime.db, b"newer", received=now - 29 * DAY, applied=now - 29 * DAY)
    await store(runtime.db, b"pending", received=now - 90 * DAY, applied=None)
    await store(runtime.db, b"replayed", received=now - 40 * DAY, applied=now - 10 * DAY)
    retention = WebhookRetention(runtime.db, clock, retention=RETENTION)

    assert await retention.run() is False
    assert await bodies(runtime.db) == {b"newer", b"pending", b"replayed"}

    clock.advance((2 * DAY).total_seconds())
    await retention.run()
    assert await bodies(runtime.db) == {b"pending", b"replayed"}

    clock.advance((20 * DAY).total_seconds())
    await retention.run()
    assert await bodies(runtime.db) == {b"pending"}


async def test_a_run_stops_after_its_chunks_and_says_more_remain_when_the_backlog_is_larger(
    runtime: Runtime, clock: OffsetClock
) -> None:
    old = clock.now() - 31 * DAY
    for index in range(8):
        await store(runtime.db, b"old-%d" % index, received=old, applied=old)
    await store(runtime.db, b"newer", received=clock.now(), applied=clock.now())
    before = clock.now() - RETENTION

    first = await delete_expired_webhook_bodies(
        runtime.db, before=before, chunk_rows=3, max_chunks=2
    )
    assert (first.deleted, first.more, len(await bodies(runtime.db))) == (6, True, 3)
    second = await delete_expired_webhook_bodies(
        runtime.db, before=before, chunk_rows=3, max_chunks=2
    )
    assert (second.deleted, second.more) == (2, False)
    assert await bodies(runtime.db) == {b"newer"}


async def test_the_engine_deletes_bodies_past_the_set_retention_at_once_then_waits_minutes(
    runtime: Runtime, clock: OffsetClock
) -> None:
    # PYTAKE_WEBHOOK_RETENTION_DAYS=10 (settings_overrides): the default 30 would keep both.
    now = clock.now()
    await store(runtime.db, b"old", received=now - 11 * DAY, applied=now - 11 * DAY)
    await store(runtime.db, b"newer", received=now - 9 * DAY, applied=now - 9 * DAY)
    await runtime.start()

    async def old_gone() -> bool:
        return b"old" not in await bodies(runtime.db)

    await wait_for(old_gone, timeout=10, what="the engine's housekeeping")
    assert await bodies(runtime.db) == {b"newer"}
    await store(runtime.db, b"old-again", received=now - 11 * DAY, applied=now - 11 * DAY)
    # Several supervisor ticks (every 0.2 s here) pass without another run.
    await asyncio.sleep(1.0)
    assert await bodies(runtime.db) == {b"newer", b"old-again"}
