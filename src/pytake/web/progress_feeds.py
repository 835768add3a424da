"""Shared live-progress feeds: one snapshot per campaign per tick, whoever and however many watch.

Changes are signalled by a `ProgressSource` (the in-process bus today, Redis pub/sub when the
engine runs elsewhere); a feed reloads its campaign's snapshot when signalled, at most once per
interval, and every socket watching that campaign sends the same encoded event.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Protocol

from pytake.campaigns.schemas import CampaignProgress

logger = logging.getLogger(__name__)

MIN_INTERVAL_SECONDS = 0.25
RETRY_SECONDS = 1.0

SnapshotLoader = Callable[[uuid.UUID], Awaitable[CampaignProgress | None]]


class ProgressSource(Protocol):
    """An event set whenever the campaign may have changed, for as long as the block runs."""

    def watch(self, campaign_id: uuid.UUID) -> AbstractContextManager[asyncio.Event]: ...


class ProgressFeed:
    """The latest event of one campaign; `text` is None once the campaign no longer exists."""

    def __init__(
        self,
        campaign_id: uuid.UUID,
        *,
        source: ProgressSource,
        load: SnapshotLoader,
        min_interval: float,
    ) -> None:
        self.campaign_id = campaign_id
        self.text: str | None = None
        self.version = 0
        self.watchers = 0
        self._published = asyncio.Event()
        self._task = asyncio.create_task(
            self._run(source, load, min_interval), name=f"pytake-progress-{campaign_id}"
        )

    async def next_after(self, version: int) -> int:
        """Waits for an event newer than `version` and returns the current version.

        A slow socket skips the events it missed and sends only the newest one.
        """
        while self.version <= version:
            await self._published.wait()
        return self.version

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self, source: ProgressSource, load: SnapshotLoader, interval: float) -> None:
        loop = asyncio.get_running_loop()
        with source.watch(self.campaign_id) as changed:
            while True:
                # Cleared before loading: a change during the load triggers one more load.
                changed.clear()
                loaded_at = loop.time()
                try:
                    snapshot = await load(self.campaign_id)
                except Exception:
                    logger.exception("could not load the progress of %s", self.campaign_id)
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                self._publish(snapshot)
                if snapshot is None:
                    return
                await changed.wait()
                await asyncio.sleep(max(0.0, loaded_at + interval - loop.time()))

    def _publish(self, snapshot: CampaignProgress | None) -> None:
        self.text = snapshot.model_dump_json() if snapshot is not None else None
        self.version += 1
        self._published.set()
        self._published = asyncio.Event()


class ProgressHub:
    """Feeds by campaign, created for the first watcher and stopped after the last one."""

    def __init__(
        self,
        source: ProgressSource,
        load: SnapshotLoader,
        *,
        min_interval: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        self._source, self._load, self._min_interval = source, load, min_interval
        self._feeds: dict[uuid.UUID, ProgressFeed] = {}

    @contextlib.asynccontextmanager
    async def subscribe(self, campaign_id: uuid.UUID) -> AsyncIterator[ProgressFeed]:
        feed = self._feeds.get(campaign_id)
        if feed is None:
            feed = ProgressFeed(
                campaign_id, source=self._source, load=self._load, min_interval=self._min_interval
            )
            self._feeds[campaign_id] = feed
        feed.watchers += 1
        try:
            yield feed
        finally:
            feed.watchers -= 1
            if feed.watchers == 0 and self._feeds.get(campaign_id) is feed:
                del self._feeds[campaign_id]
                await feed.close()

    def feed_count(self) -> int:
        return len(self._feeds)

    async def close(self) -> None:
        feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            await feed.close()
