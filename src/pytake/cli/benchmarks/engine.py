"""The engine scenario: a campaign sent by the in-process Engine to the simulator over HTTP."""

import asyncio
import contextlib
import time
import uuid

from pytake.bootstrap import Runtime, migrate
from pytake.campaigns.models import CampaignStatus
from pytake.campaigns.repository import aggregate_messages
from pytake.campaigns.service import start_campaign
from pytake.campaigns.stats import CampaignFigures, summarize
from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.preparation import PreparedCampaign, prepare_campaign
from pytake.cli.benchmarks.results import RunResult, peak_rss_mb
from pytake.cli.benchmarks.scaled_time import QueueWatch
from pytake.cli.benchmarks.write_cost import WriteLog
from pytake.core.clock import OffsetClock
from pytake.core.db import Database
from pytake.core.settings import Settings
from pytake.sending.control_repository import campaign_status

_STATUS_POLL_SECONDS = 0.02


async def run_engine(
    settings: Settings, *, contacts: int, api_base_url: str, delay_scale: float
) -> RunResult:
    """Times the campaign from its start (messages materialised) until it is completed."""
    clock = OffsetClock()
    runtime = Runtime(settings, clock=clock)
    if runtime.engine is None:
        raise BenchError("the engine benchmark needs the in-process executor")
    try:
        await migrate(runtime.db)
        prepared = await prepare_campaign(
            runtime.db, keys=runtime.secrets, contacts=contacts, api_base_url=api_base_url
        )
        watch = QueueWatch(clock, runtime.db, prepared.campaign_id, scale=delay_scale)
        writes = WriteLog(is_draining=watch.is_draining)
        runtime.engine.on_flush = writes.record
        await runtime.start()
        cpu_started = time.process_time()
        seconds = await _run_campaign(runtime, prepared, watch)
        cpu_seconds = time.process_time() - cpu_started
        figures = await _figures(runtime.db, prepared.campaign_id)
    finally:
        await runtime.stop()
    return RunResult(
        contacts=figures.ended,
        sent=figures.statuses.sent,
        failed=figures.statuses.failed,
        attempts=figures.total_attempts,
        seconds=seconds,
        write_cost=writes.cost(),
        peak_rss_mb=peak_rss_mb(),
        tail_attempts=writes.drain_attempts,
        cpu_seconds=cpu_seconds,
    )


async def _run_campaign(runtime: Runtime, prepared: PreparedCampaign, watch: QueueWatch) -> float:
    started = time.perf_counter()
    async with runtime.db.transaction() as session:
        campaign = await start_campaign(
            session, prepared.organization_id, prepared.campaign_id, now=runtime.clock.now()
        )
        status = campaign.status
    runtime.campaign_changed(prepared.campaign_id, status)
    watching = asyncio.create_task(watch.run())
    try:
        await _wait_completed(runtime.db, prepared.campaign_id)
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
    return time.perf_counter() - started


async def _wait_completed(db: Database, campaign_id: uuid.UUID) -> None:
    while True:
        async with db.session() as session:
            status = await campaign_status(session, campaign_id)
        if status == CampaignStatus.COMPLETED:
            return
        if status != CampaignStatus.RUNNING:
            raise BenchError(f"the campaign stopped as {status!r} before it completed")
        await asyncio.sleep(_STATUS_POLL_SECONDS)


async def _figures(db: Database, campaign_id: uuid.UUID) -> CampaignFigures:
    async with db.session() as session:
        aggregates = await aggregate_messages(session, [campaign_id])
    return summarize(aggregates.get(campaign_id, []))
