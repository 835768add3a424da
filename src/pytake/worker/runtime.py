"""What one worker process keeps between tasks: its event loop, database, API client, limits.

Celery tasks are plain functions; every coroutine of a process runs on the one loop made when
the process started (never a loop per task), so pooled connections outlive each task.
"""

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from pytake.bootstrap import Runtime
from pytake.core.settings import Settings
from pytake.distributed.progress import RedisProgressBus
from pytake.sending.batches import (
    Batch,
    BatchConfig,
    claim_due_batches,
    release_batches,
    send_batch,
)
from pytake.sending.breaker import BreakerSettings, FailureWindow
from pytake.sending.pipeline import PipelineConfig, SendParts
from pytake.sending.webhook_retention import INTERVAL_SECONDS, WebhookRetention

logger = logging.getLogger(__name__)

T = TypeVar("T")
Enqueue = Callable[[Batch, int], None]
TICK_KEY = "pytake:scheduler:cluster:tick"
# Held for INTERVAL_SECONDS by the tick that deleted expired webhook bodies: one run a cluster.
RETENTION_KEY = "pytake:scheduler:cluster:webhook-retention"
# Breaker windows kept per process: enough for every campaign running at once.
KEPT_WINDOWS = 1000


class WorkerRuntime:
    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.runtime = Runtime(settings)
        runtime = self.runtime
        self.parts = SendParts(
            runtime.db,
            runtime.sender,
            runtime.clock,
            runtime.limiter,
            runtime.progress,
            asyncio.Semaphore(settings.send_concurrency),
            runtime.secrets,
        )
        self.config = BatchConfig(
            batch_size=settings.dispatch_batch_size,
            lease_seconds=settings.lease_seconds,
            reconcile_grace_seconds=settings.reconcile_grace_seconds,
            schedule_late_after_seconds=settings.schedule_late_after_seconds,
            pipeline=PipelineConfig(
                default_api_base_url=settings.whatsapp_api_base_url,
                lease_seconds=settings.lease_seconds,
                renew_every_seconds=settings.lease_renew_seconds,
            ),
        )
        self._breaker = BreakerSettings(
            window=settings.breaker_window,
            threshold=settings.breaker_threshold,
            min_attempts=settings.breaker_min_attempts,
        )
        self._windows: OrderedDict[uuid.UUID, FailureWindow] = OrderedDict()
        self.webhook_retention = WebhookRetention(
            runtime.db, runtime.clock, retention=timedelta(days=settings.webhook_retention_days)
        )

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def enqueue_due(self, enqueue: Enqueue) -> int:
        """Claims due work and queues it; work that could not be queued goes back at once."""
        try:
            batches = self.run(claim_due_batches(self.parts, self.config))
            self._queue(batches, enqueue)
            self.run(self._retain_webhooks())
            return len(batches)
        finally:
            self.run(self._end_tick())

    def _queue(self, batches: list[Batch], enqueue: Enqueue) -> None:
        for position, batch in enumerate(batches):
            try:
                enqueue(batch, self.run(self._batch_index(batch.campaign_id)))
            except Exception:
                self.run(release_batches(self.parts, batches[position:]))
                raise

    async def _batch_index(self, campaign_id: uuid.UUID) -> int:
        """The campaign's running count of batches, for logs across the cluster."""
        assert self.runtime.redis is not None
        return int(await self.runtime.redis.incr(f"pytake:campaign:{campaign_id}:batches")) - 1

    async def _retain_webhooks(self) -> None:
        """Webhook housekeeping, once per interval for the whole cluster (sooner on a backlog)."""
        assert self.runtime.redis is not None
        try:
            due = await self.runtime.redis.set(
                RETENTION_KEY, 1, nx=True, px=int(INTERVAL_SECONDS * 1000)
            )
            if due and await self.webhook_retention.run():
                await self.runtime.redis.delete(RETENTION_KEY)
        except Exception:  # housekeeping waits for a later tick; sending must not
            logger.warning("webhook housekeeping skipped: Redis failed", exc_info=True)

    async def _end_tick(self) -> None:
        assert self.runtime.redis is not None
        try:
            await self.runtime.redis.delete(TICK_KEY)
        except Exception:  # the key expires by itself; the next tick only comes later
            logger.warning("could not mark the scheduler tick done", exc_info=True)

    def send(self, batch: Batch, batch_index: int) -> int:
        """Sends the batch; a batch delivered again (or taken back meanwhile) sends nothing."""
        failures = self._window(batch.campaign_id)
        taken = self.run(send_batch(self.parts, batch, config=self.config, failures=failures))
        if isinstance(self.runtime.progress, RedisProgressBus):
            self.run(self.runtime.progress.flush())
        if taken == 0:
            logger.info("batch %d of campaign %s is no longer ours", batch_index, batch.campaign_id)
        else:
            logger.info("batch %d of campaign %s: %d sends", batch_index, batch.campaign_id, taken)
        return taken

    def _window(self, campaign_id: uuid.UUID) -> FailureWindow:
        window = self._windows.pop(campaign_id, None) or FailureWindow(self._breaker)
        self._windows[campaign_id] = window
        while len(self._windows) > KEPT_WINDOWS:
            self._windows.popitem(last=False)
        return window

    def close(self) -> None:
        try:
            self.run(self.runtime.stop())
        finally:
            self.loop.close()
