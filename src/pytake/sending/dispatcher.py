"""Sends one running campaign in process: claims due messages as a stream into the pipeline.

Work streams: new claims are made while earlier sends are in flight, and the pipeline writes
outcomes in batched transactions. Nobody sleeps on a retry: a failed contact is written back
with its `next_attempt_at` and claimed again when due. The order per send is ENGINE.md §4's:
the number's limits first, then the send, then the record. `halt()` makes a pause or cancel
take effect before the next send.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from pytake.campaigns.models import CampaignStatus
from pytake.core.db import Database
from pytake.sending import control_repository as control
from pytake.sending import repository
from pytake.sending.breaker import BreakerSettings, FailureWindow
from pytake.sending.messaging_limit import messaging_room
from pytake.sending.pipeline import FlushObserver, PipelineConfig, SendParts, SendPipeline
from pytake.sending.values import CampaignPlan, ClaimedMessage

logger = logging.getLogger(__name__)

# A campaign holds at most this much of its number's pace claimed, so little is ever held
# by a sender that dies (ENGINE.md §5).
CLAIM_AHEAD_SECONDS = 1


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    batch_size: int
    poll_interval_seconds: float
    lease_seconds: int
    lease_renew_seconds: float
    default_api_base_url: str
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    flush_size: int = 250
    flush_interval_seconds: float = 0.05


class CampaignDispatcher:
    def __init__(
        self,
        plan: CampaignPlan,
        parts: SendParts,
        *,
        config: DispatchConfig,
        on_flush: FlushObserver | None = None,
    ) -> None:
        self.plan, self.db, self.clock, self.config = plan, parts.db, parts.clock, config
        self.pipeline = SendPipeline(
            plan,
            parts,
            config=PipelineConfig(
                default_api_base_url=config.default_api_base_url,
                flush_size=config.flush_size,
                flush_interval_seconds=config.flush_interval_seconds,
                lease_seconds=config.lease_seconds,
                renew_every_seconds=config.lease_renew_seconds,
            ),
            failures=FailureWindow(config.breaker),
            on_flush=on_flush,
        )
        self._next_claim_at = 0.0

    @property
    def halted(self) -> bool:
        return self.pipeline.halted

    def halt(self) -> None:
        """No further send starts; claimed messages go back to the queue."""
        self.pipeline.halt()

    async def run(self) -> None:
        pipeline = self.pipeline
        try:
            while not pipeline.halted:
                if self._wants_more() and time.monotonic() >= self._next_claim_at:
                    claimed = await self._claim()
                    if not claimed:
                        self._claim_again_in(self.config.poll_interval_seconds)
                    pipeline.start(claimed)
                if pipeline.in_flight:
                    await pipeline.collect(self.config.flush_interval_seconds)
                    continue
                await pipeline.flush()
                if pipeline.halted or await _finish_if_done(self.db, self.plan, pipeline):
                    return
                await asyncio.sleep(max(0.0, self._next_claim_at - time.monotonic()))
        finally:
            await pipeline.drain()

    def _claim_again_in(self, seconds: float) -> None:
        self._next_claim_at = max(self._next_claim_at, time.monotonic() + seconds)

    def _ahead(self) -> int:
        return max(1, min(self.config.batch_size, self.plan.throughput_mps * CLAIM_AHEAD_SECONDS))

    def _wants_more(self) -> bool:
        return self.pipeline.in_flight <= self._ahead() // 2

    def _claim_size(self) -> int:
        return self._ahead() - self.pipeline.in_flight

    async def _claim(self) -> list[ClaimedMessage]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            status = await control.campaign_status(session, self.plan.campaign_id)
            if status != CampaignStatus.RUNNING:
                self.halt()
                return []
            room = await messaging_room(
                session,
                self.plan,
                now=now,
                wanted=self._claim_size(),
                busy=self.pipeline.in_flight > 0,
            )
            if room.pause is not None:
                self.pipeline.pause_with(room.pause)
            if room.retry_at is not None:
                self._claim_again_in((room.retry_at - now).total_seconds())
            if room.count == 0:
                return []
            return await repository.claim_due_messages(
                session,
                self.plan.campaign_id,
                now=now,
                lease_until=now + timedelta(seconds=self.config.lease_seconds),
                limit=room.count,
            )


async def _finish_if_done(db: Database, plan: CampaignPlan, pipeline: SendPipeline) -> bool:
    async with db.transaction() as session:
        done = await control.complete_if_done(session, plan.campaign_id, pipeline.parts.clock.now())
    if done:
        logger.info("campaign %s completed", plan.campaign_id)
        pipeline.parts.progress.campaign_changed(plan.campaign_id)
    return done
