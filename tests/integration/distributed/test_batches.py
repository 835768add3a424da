"""Distributed sending without Celery: the scheduler's tick and a worker's batch, on PostgreSQL."""

import asyncio
from collections import Counter

import pytest

from pytake.bootstrap import Runtime
from pytake.sending.batches import BatchConfig, claim_due_batches, send_batch
from pytake.sending.breaker import BreakerSettings, FailureWindow
from pytake.sending.pipeline import PipelineConfig, SendParts
from pytake.whatsapp.simulator import RunningSimulator
from support.scenario import Scenario, accepted_log

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


def _parts(runtime: Runtime) -> SendParts:
    return SendParts(
        runtime.db, runtime.sender, runtime.clock, runtime.limiter, runtime.progress,
        asyncio.Semaphore(64), runtime.secrets,
    )  # fmt: skip


CONFIG = BatchConfig(
    batch_size=500,
    lease_seconds=60,
    reconcile_grace_seconds=60,
    schedule_late_after_seconds=3600,
    pipeline=PipelineConfig(default_api_base_url="http://unused.test"),
)


def _window() -> FailureWindow:
    return FailureWindow(BreakerSettings())


async def test_a_batch_delivered_twice_is_sent_once_when_redelivered(
    scenario: Scenario, simulator: RunningSimulator, runtime: Runtime
) -> None:
    await scenario.started(30, number={"throughput_mps": 1000})
    parts = _parts(runtime)
    [batch] = await claim_due_batches(parts, CONFIG)

    first = await send_batch(parts, batch, config=CONFIG, failures=_window())
    again = await send_batch(parts, batch, config=CONFIG, failures=_window())

    log = Counter(entry["wa_id"] for entry in await accepted_log(simulator))
    assert (first, again) == (30, 0)
    assert (len(log), set(log.values())) == (30, {1})


async def test_two_schedulers_never_claim_the_same_message_when_they_tick_together(
    scenario: Scenario, runtime: Runtime
) -> None:
    await scenario.started(400, number={"throughput_mps": 100})
    parts = _parts(runtime)
    ticks = await asyncio.gather(*(claim_due_batches(parts, CONFIG) for _ in range(4)))

    claimed = [m for batches in ticks for batch in batches for m in batch.message_ids]
    assert len(claimed) == len(set(claimed)) > 0


async def test_claims_run_only_a_few_seconds_ahead_of_the_number_pace_when_many_are_due(
    scenario: Scenario, runtime: Runtime
) -> None:
    await scenario.started(400, number={"throughput_mps": 20})
    parts = _parts(runtime)
    first = await claim_due_batches(parts, CONFIG)
    second = await claim_due_batches(parts, CONFIG)

    assert [len(batch.message_ids) for batch in first] == [10] * 6
    assert second == []


async def test_campaign_completes_on_a_tick_when_every_batch_was_sent(
    scenario: Scenario, simulator: RunningSimulator, runtime: Runtime
) -> None:
    campaign = await scenario.started(20, number={"throughput_mps": 1000})
    parts = _parts(runtime)
    for batch in await claim_due_batches(parts, CONFIG):
        await send_batch(parts, batch, config=CONFIG, failures=_window())
    assert await claim_due_batches(parts, CONFIG) == []

    assert (await scenario.get(campaign["id"]))["status"] == "completed"


async def test_a_batch_of_a_paused_campaign_goes_back_untouched_when_taken(
    scenario: Scenario, simulator: RunningSimulator, runtime: Runtime
) -> None:
    campaign = await scenario.started(10, number={"throughput_mps": 1000})
    parts = _parts(runtime)
    [batch] = await claim_due_batches(parts, CONFIG)
    await scenario.call("POST", f"/campaigns/{campaign['id']}/pause")

    assert await send_batch(parts, batch, config=CONFIG, failures=_window()) == 0
    records = await scenario.records(campaign["id"])
    assert {r["status"] for r in records} == {"pending"}
    assert await accepted_log(simulator) == []
