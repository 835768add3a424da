"""Progress fan-out through Redis pub/sub: a change made in any process reaches every watcher.

Publishing never waits or fails the caller: changes are sent by a background task, and a
Redis outage only costs live updates (watchers in this process are still told at once). The
listener subscribes to every campaign's channel with one pattern and signals local watchers;
it reconnects by itself after an outage.
"""

import asyncio
import contextlib
import logging
import uuid

from redis import RedisError
from redis.asyncio import Redis

from pytake.sending.progress import LocalProgressBus

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "pytake:campaign:"
CHANNEL_SUFFIX = ":progress"
RECONNECT_SECONDS = 1.0
# Below the client's socket timeout, so a quiet channel is not taken for a dead one.
LISTEN_SECONDS = 1.0


def channel_of(campaign_id: uuid.UUID) -> str:
    return f"{CHANNEL_PREFIX}{campaign_id}{CHANNEL_SUFFIX}"


def campaign_of(channel: bytes | str) -> uuid.UUID | None:
    name = channel.decode() if isinstance(channel, bytes) else channel
    try:
        return uuid.UUID(name.removeprefix(CHANNEL_PREFIX).removesuffix(CHANNEL_SUFFIX))
    except ValueError:
        return None


class RedisProgressBus:
    """A ProgressPublisher and ProgressSource for processes that share one Redis."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._local = LocalProgressBus()
        self._pending: set[uuid.UUID] = set()
        self._publisher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._failing = False

    def campaign_changed(self, campaign_id: uuid.UUID) -> None:
        self._local.campaign_changed(campaign_id)
        self._pending.add(campaign_id)
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish(), name="pytake-progress-publish")

    def watch(self, campaign_id: uuid.UUID) -> contextlib.AbstractContextManager[asyncio.Event]:
        return self._local.watch(campaign_id)

    def watcher_count(self, campaign_id: uuid.UUID) -> int:
        return self._local.watcher_count(campaign_id)

    async def flush(self) -> None:
        """Waits until the changes told so far have been published (or given up on)."""
        if self._publisher is not None:
            await asyncio.shield(self._publisher)

    async def _publish(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, set()
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for campaign_id in batch:
                        pipe.publish(channel_of(campaign_id), b"")
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                self._note_failure(exc)
                return
            self._failing = False

    def _note_failure(self, exc: BaseException) -> None:
        if not self._failing:
            logger.warning("progress not published (Redis: %s: %s)", type(exc).__name__, exc)
        self._failing = True

    async def start(self) -> None:
        """Starts listening for changes made by other processes."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="pytake-progress-listen")

    async def stop(self) -> None:
        for task in (self._listener, self._publisher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._listener = self._publisher = None

    async def _listen(self) -> None:
        while True:
            try:
                async with self._client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(f"{CHANNEL_PREFIX}*{CHANNEL_SUFFIX}")
                    # Changes made while this process was not listening are not lost on it.
                    for campaign_id in self._local.watched():
                        self._local.campaign_changed(campaign_id)
                    while True:
                        message = await pubsub.get_message(timeout=LISTEN_SECONDS)
                        if message is not None:
                            self._deliver(message)
            except (RedisError, OSError) as exc:
                self._note_failure(exc)
            await asyncio.sleep(RECONNECT_SECONDS)

    def _deliver(self, message: dict[str, object]) -> None:
        channel = message.get("channel")
        if message.get("type") == "pmessage" and isinstance(channel, bytes | str):
            campaign_id = campaign_of(channel)
            if campaign_id is not None:
                self._local.campaign_changed(campaign_id)
