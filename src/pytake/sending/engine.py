"""The in-process engine: keeps one dispatcher running for every running campaign.

It starts scheduled campaigns when their time comes, takes back messages whose lease expired
(their sender died), and reacts at once to lifecycle changes made by the API. On SQLite the
process owns the database alone, so at start every lease left by an earlier run is taken back
at once: sending resumes within seconds of a restart, not after the leases expire.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import CampaignStatus, PauseReason
from pytake.core.clock import Clock
from pytake.core.db import Database
from pytake.core.secrets import SecretBox
from pytake.sending import control_repository as control
from pytake.sending import lease_repository, repository
from pytake.sending.breaker import BreakerSettings
from pytake.sending.dispatcher import CampaignDispatcher, DispatchConfig
from pytake.sending.pipeline import FlushObserver, SendParts
from pytake.sending.ports import MessageSender, ProgressPublisher, RateLimiter
from pytake.sending.webhook_retention import WebhookRetention

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    batch_size: int = 500
    concurrency: int = 128
    poll_interval_seconds: float = 0.25
    lease_seconds: int = 15
    lease_renew_seconds: float = 5.0
    reconcile_grace_seconds: int = 60
    schedule_late_after_seconds: int = 3600
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    default_api_base_url: str = "https://graph.facebook.com/v23.0"
    webhook_retention_days: int = 30


class Engine:
    def __init__(
        self,
        *,
        db: Database,
        sender: MessageSender,
        clock: Clock,
        config: EngineConfig,
        limiter: RateLimiter,
        progress: ProgressPublisher,
        secrets: SecretBox,
        on_flush: FlushObserver | None = None,
    ) -> None:
        self.db, self.sender, self.clock, self.config = db, sender, clock, config
        self.limiter, self.progress = limiter, progress
        self.on_flush = on_flush
        self._dispatchers: dict[uuid.UUID, tuple[CampaignDispatcher, asyncio.Task[None]]] = {}
        self._wake = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._parts = SendParts(
            db, sender, clock, limiter, progress, asyncio.Semaphore(config.concurrency), secrets
        )
        self._next_sweep = 0.0
        retention = timedelta(days=config.webhook_retention_days)
        self._webhook_retention = WebhookRetention(db, clock, retention=retention)

    async def start(self) -> None:
        if self._supervisor is None:
            if self.db.is_sqlite:
                async with self.db.transaction() as session:
                    await self._take_back_leases(session, self.clock.now(), every_lease=True)
            self._supervisor = asyncio.create_task(self._supervise(), name="pytake-engine")

    async def stop(self) -> None:
        """Stops claiming, lets sends in flight finish and be recorded, returns the rest."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        for dispatcher, _task in self._dispatchers.values():
            dispatcher.halt()
        await asyncio.gather(*(task for _, task in self._dispatchers.values()))
        self._dispatchers.clear()

    def campaign_changed(self, campaign_id: uuid.UUID, status: str) -> None:
        """A campaign's status changed in the database; act before the next send."""
        entry = self._dispatchers.get(campaign_id)
        if entry is not None and status != CampaignStatus.RUNNING:
            entry[0].halt()
        self._wake.set()

    def is_dispatching(self, campaign_id: uuid.UUID) -> bool:
        entry = self._dispatchers.get(campaign_id)
        return entry is not None and not entry[1].done()

    async def _supervise(self) -> None:
        while True:
            try:
                await self._tick()
            except Exception:
                logger.exception("engine tick failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_interval_seconds * 4)

    async def _tick(self) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            if time.monotonic() >= self._next_sweep:
                await self._take_back_leases(session, now)
            late_after = timedelta(seconds=self.config.schedule_late_after_seconds)
            changed = await control.start_due_scheduled(session, now, late_after=late_after)
            changed += await control.resume_due_rate_limited(session, now)
            running = await control.running_campaign_ids(session)
        for campaign_id in changed:
            self.progress.campaign_changed(campaign_id)
        for campaign_id in running:
            if not self.is_dispatching(campaign_id):
                await self._dispatch(campaign_id)
        await self._webhook_retention.run_if_due()

    async def _take_back_leases(
        self, session: AsyncSession, now: datetime, *, every_lease: bool = False
    ) -> None:
        grace = timedelta(seconds=self.config.reconcile_grace_seconds)
        taken = await lease_repository.take_back_leases(
            session, now=now, grace=grace, every_lease=every_lease
        )
        if taken:
            logger.warning("%s", taken.describe())
        self._next_sweep = time.monotonic() + self.config.lease_renew_seconds

    async def _dispatch(self, campaign_id: uuid.UUID) -> None:
        async with self.db.transaction() as session:
            plan = await repository.load_plan(session, campaign_id)
            if plan is None:
                await control.pause_running_campaign(
                    session,
                    campaign_id,
                    reason=PauseReason.ACCOUNT,
                    detail="the campaign's WhatsApp number was deleted",
                )
                self.progress.campaign_changed(campaign_id)
                return
        dispatcher = CampaignDispatcher(
            plan,
            self._parts,
            config=DispatchConfig(
                batch_size=self.config.batch_size,
                poll_interval_seconds=self.config.poll_interval_seconds,
                lease_seconds=self.config.lease_seconds,
                lease_renew_seconds=self.config.lease_renew_seconds,
                default_api_base_url=self.config.default_api_base_url,
                breaker=self.config.breaker,
            ),
            on_flush=self.on_flush,
        )
        task = asyncio.create_task(dispatcher.run(), name=f"pytake-campaign-{campaign_id}")
        task.add_done_callback(self._report_crash)
        self._dispatchers[campaign_id] = (dispatcher, task)

    def _report_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("a campaign dispatcher failed", exc_info=task.exception())
            self._wake.set()
