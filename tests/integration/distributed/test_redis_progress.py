"""Progress through Redis pub/sub: a change told in one process reaches watchers in another."""

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from pytake.distributed.progress import RedisProgressBus
from support.redis import RedisServer

pytestmark = pytest.mark.integration


async def test_a_change_reaches_a_watcher_in_another_process_when_both_share_redis(
    redis_server_url: str,
) -> None:
    publisher_client, watcher_client = (
        Redis.from_url(redis_server_url),
        Redis.from_url(redis_server_url),
    )
    publisher, watcher = RedisProgressBus(publisher_client), RedisProgressBus(watcher_client)
    campaign_id = uuid.uuid4()
    await watcher.start()
    try:
        with watcher.watch(campaign_id) as changed:
            await asyncio.sleep(0.2)  # the listener subscribes in the background
            publisher.campaign_changed(campaign_id)
            await publisher.flush()
            await asyncio.wait_for(changed.wait(), timeout=5)
    finally:
        await watcher.stop()
        await publisher.stop()
        await publisher_client.aclose()
        await watcher_client.aclose()


async def test_local_watchers_are_told_and_nothing_raises_when_redis_is_down(
    stoppable_redis: RedisServer,
) -> None:
    client = Redis.from_url(stoppable_redis.url)
    bus = RedisProgressBus(client)
    campaign_id = uuid.uuid4()
    stoppable_redis.stop()
    try:
        with bus.watch(campaign_id) as changed:
            bus.campaign_changed(campaign_id)
            await bus.flush()
            assert changed.is_set()
    finally:
        await bus.stop()
        await client.aclose()
