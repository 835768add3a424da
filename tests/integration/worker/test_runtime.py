"""A worker process's runtime without Celery: the scheduler's tick deletes expired webhook
bodies once per interval for the whole cluster, on PostgreSQL and a private Redis."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from pytake.bootstrap import migrate
from pytake.core.db import utcnow
from pytake.core.settings import Settings
from pytake.sending.models import WebhookEvent
from pytake.sending.receipts_repository import mark_webhook_event, store_webhook_event
from pytake.worker.runtime import RETENTION_KEY, WorkerRuntime
from support.databases import create_postgres_database, drop_postgres_database
from support.redis import redis_server

pytestmark = pytest.mark.integration

DAY = timedelta(days=1)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    url = asyncio.run(create_postgres_database())
    try:
        with redis_server(tmp_path) as server:
            yield Settings(
                database_url=url,
                redis_url=server.url,
                executor="celery",
                webhook_retention_days=10,
            )
    finally:
        asyncio.run(drop_postgres_database(url))


@pytest.fixture
def workers(settings: Settings) -> Iterator[list[WorkerRuntime]]:
    """Two worker processes' runtimes of one cluster (the first has migrated the database)."""
    first = WorkerRuntime(settings)
    first.run(migrate(first.runtime.db))
    second = WorkerRuntime(settings)
    try:
        yield [first, second]
    finally:
        second.close()
        first.close()


def _store(worker: WorkerRuntime, body: bytes, age: timedelta) -> None:
    async def store() -> None:
        at = utcnow() - age
        async with worker.runtime.db.transaction() as session:
            event_id = await store_webhook_event(session, body, status_count=1, received_at=at)
            await mark_webhook_event(session, event_id, processed_at=at, error=None)

    worker.run(store())


def _bodies(worker: WorkerRuntime) -> set[bytes]:
    async def read() -> set[bytes]:
        async with worker.runtime.db.session() as session:
            return set((await session.scalars(select(WebhookEvent.body))).all())

    return worker.run(read())


def test_tick_deletes_expired_bodies_once_per_interval_for_the_whole_cluster(
    workers: list[WorkerRuntime], settings: Settings
) -> None:
    first, second = workers
    _store(first, b"old", 11 * DAY)
    _store(first, b"newer", 9 * DAY)

    assert first.enqueue_due(lambda _batch, _index: None) == 0
    assert _bodies(first) == {b"newer"}

    _store(first, b"old-again", 11 * DAY)
    first.enqueue_due(lambda _batch, _index: None)
    second.enqueue_due(lambda _batch, _index: None)
    assert _bodies(first) == {b"newer", b"old-again"}

    assert settings.redis_url is not None
    with Redis.from_url(settings.redis_url) as client:
        assert 0 < client.pttl(RETENTION_KEY) <= 300_000
        client.delete(RETENTION_KEY)  # as when the interval is over
    second.enqueue_due(lambda _batch, _index: None)
    assert _bodies(first) == {b"newer"}
