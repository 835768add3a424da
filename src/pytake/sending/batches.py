"""Distributed sending, without the framework: the scheduler's tick and one worker's batch.

The tick does what the in-process engine's supervisor does (scheduled starts, rate-limit
resumes, lease expiry, completion) and claims due messages of every running campaign into
batches, each a fixed set of message ids queued under one lease token. A worker takes its
batch by moving it to a lease of its own, then sends it through the same pipeline as the
in-process dispatcher. Claims run a few seconds ahead of the number's pace, no more, so a
batch waits in the queue for far less than its lease.
"""

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import CampaignStatus, PauseReason
from pytake.sending import batch_repository, lease_repository, repository
from pytake.sending import control_repository as control
from pytake.sending.breaker import FailureWindow
from pytake.sending.messaging_limit import messaging_room
from pytake.sending.pipeline import PipelineConfig, SendParts, SendPipeline
from pytake.sending.values import CampaignPlan, ClaimedMessage

logger = logging.getLogger(__name__)

# One batch holds this much of its number's throughput; a campaign has at most this much
# claimed (queued or being sent) at a time.
BATCH_SECONDS = 0.5
AHEAD_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Batch:
    campaign_id: uuid.UUID
    message_ids: list[uuid.UUID]
    lease_token: uuid.UUID


@dataclass(frozen=True, slots=True)
class BatchConfig:
    batch_size: int
    lease_seconds: int
    reconcile_grace_seconds: int
    schedule_late_after_seconds: int
    pipeline: PipelineConfig


async def claim_due_batches(parts: SendParts, config: BatchConfig) -> list[Batch]:
    """One tick of the cluster's scheduler: campaign moves, then batches of due messages."""
    now = parts.clock.now()
    async with parts.db.transaction() as session:
        grace = timedelta(seconds=config.reconcile_grace_seconds)
        taken = await lease_repository.take_back_leases(session, now=now, grace=grace)
        late_after = timedelta(seconds=config.schedule_late_after_seconds)
        changed = await control.start_due_scheduled(session, now, late_after=late_after)
        changed += await control.resume_due_rate_limited(session, now)
        running = await control.running_campaign_ids(session)
    if taken:
        logger.warning("%s", taken.describe())
    for campaign_id in changed:
        parts.progress.campaign_changed(campaign_id)
    batches: list[Batch] = []
    for campaign_id in running:
        batches += await _claim_campaign(parts, campaign_id, config)
    return batches


async def _claim_campaign(
    parts: SendParts, campaign_id: uuid.UUID, config: BatchConfig
) -> list[Batch]:
    now = parts.clock.now()
    async with parts.db.transaction() as session:
        plan = await repository.load_plan(session, campaign_id)
        if plan is None:
            detail = "the campaign's WhatsApp number was deleted"
            await control.pause_running_campaign(
                session, campaign_id, reason=PauseReason.ACCOUNT, detail=detail
            )
            claimed: list[ClaimedMessage] = []
            changed = True
        else:
            claimed, changed = await _claim_due(session, plan, config, now=now)
    if changed:
        parts.progress.campaign_changed(campaign_id)
    if plan is None or not claimed:
        return []
    size = batch_length(plan, config.batch_size)
    token = claimed[0].lease_token
    return [
        Batch(campaign_id, [m.id for m in claimed[start : start + size]], token)
        for start in range(0, len(claimed), size)
    ]


async def _claim_due(
    session: AsyncSession, plan: CampaignPlan, config: BatchConfig, *, now: datetime
) -> tuple[list[ClaimedMessage], bool]:
    """Claims up to the campaign's share ahead; says whether its status changed meanwhile."""
    in_hand = await batch_repository.sending_count(session, plan.campaign_id)
    ahead = max(batch_length(plan, config.batch_size), plan.throughput_mps * AHEAD_SECONDS)
    room = await messaging_room(
        session, plan, now=now, wanted=math.ceil(ahead) - in_hand, busy=in_hand > 0
    )
    if room.pause is not None:
        await control.pause_running_campaign(
            session,
            plan.campaign_id,
            reason=room.pause.reason,
            detail=room.pause.detail,
            resume_at=room.pause.resume_at,
        )
        return [], True
    claimed: list[ClaimedMessage] = []
    if room.count > 0:
        claimed = await repository.claim_due_messages(
            session,
            plan.campaign_id,
            now=now,
            lease_until=now + timedelta(seconds=config.lease_seconds),
            limit=room.count,
        )
    if claimed or in_hand:
        return claimed, False
    return [], await control.complete_if_done(session, plan.campaign_id, now)


def batch_length(plan: CampaignPlan, batch_size: int) -> int:
    return max(1, min(batch_size, math.ceil(plan.throughput_mps * BATCH_SECONDS)))


async def release_batches(parts: SendParts, batches: list[Batch]) -> None:
    """Puts the messages of batches that could not be queued back, untouched."""
    claims = [(m, b.lease_token) for b in batches for m in b.message_ids]
    async with parts.db.transaction() as session:
        await repository.release_messages(session, claims, now=parts.clock.now())


async def send_batch(
    parts: SendParts, batch: Batch, *, config: BatchConfig, failures: FailureWindow
) -> int:
    """Takes the batch and sends it; returns how many messages it took (0: not ours now)."""
    now = parts.clock.now()
    async with parts.db.transaction() as session:
        plan = await repository.load_plan(session, batch.campaign_id)
        messages = await batch_repository.take_batch(
            session,
            batch.message_ids,
            queued_token=batch.lease_token,
            now=now,
            lease_until=now + timedelta(seconds=config.lease_seconds),
        )
        if messages and (plan is None or plan.status != CampaignStatus.RUNNING):
            claims = [(m.id, m.lease_token) for m in messages]
            await repository.release_messages(session, claims, now=now)
            await control.cancel_leftovers(session, batch.campaign_id)
            return 0
    if plan is None or not messages:
        return 0
    pipeline = SendPipeline(plan, parts, config=config.pipeline, failures=failures)
    pipeline.start(messages)
    try:
        while pipeline.in_flight and not pipeline.halted:
            await pipeline.collect(config.pipeline.flush_interval_seconds)
    finally:
        await pipeline.drain()
    return len(messages)
