"""A private Redis for the distributed parts, and a client on it per test."""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from support.redis import RedisServer, redis_server


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(Path(tmp_path_factory.mktemp("redis"))) as server:
        yield server.url


@pytest.fixture
async def redis_client(redis_server_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def key_prefix() -> str:
    """Keys of one test, apart from every other test's."""
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def stoppable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test alone, which it may stop and start."""
    with redis_server(tmp_path) as server:
        yield server
