"""Throttling, halting errors, the circuit breaker and scheduled starts (ENGINE.md §2, §4)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator
from support.scenario import Scenario, accepted_log, sim_call, wait_for

pytestmark = pytest.mark.integration


async def test_no_retry_is_spent_and_each_contact_goes_once_when_the_api_throttles_for_a_while(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    await sim_call(simulator, "POST", "/_sim/config", {"throttle_rate": 1.0})
    campaign = await scenario.started(40, retry_max_attempts=1)

    async def throttled() -> bool:
        stats = await sim_call(simulator, "GET", "/_sim/stats")
        return int(stats["rejected"].get("130429", 0)) >= 40

    await wait_for(throttled, what="every contact throttled once")
    await sim_call(simulator, "POST", "/_sim/config", {"throttle_rate": 0.0})
    await scenario.wait_status(campaign["id"], "completed", timeout=60)

    stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
    log = Counter(entry["wa_id"] for entry in await accepted_log(simulator))
    assert stats["statuses"]["sent"] == 40
    assert stats["required_retries"] == 0
    assert stats["total_attempts"] > 40
    assert (len(log), set(log.values())) == (40, {1})


async def test_campaign_pauses_after_one_attempt_when_every_send_is_refused_as_a_whole(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    await sim_call(simulator, "POST", "/_sim/config", {"halting_rate": 1.0})
    campaign = await scenario.started(100)
    await scenario.wait_status(campaign["id"], "paused")

    paused = await scenario.get(campaign["id"])
    stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
    assert paused["pause_reason"] == "account"
    assert "190" in paused["pause_detail"]
    assert stats["total_attempts"] == 1
    assert stats["statuses"]["pending"] == 100


async def test_circuit_breaker_pauses_before_the_list_is_burnt_when_most_sends_fail(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    await sim_call(simulator, "POST", "/_sim/config", {"permanent_rate": 0.6})
    campaign = await scenario.started(300, number={"throughput_mps": 100})
    await scenario.wait_status(campaign["id"], "paused")

    paused = await scenario.get(campaign["id"])
    stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
    assert paused["pause_reason"] == "error_threshold"
    assert "attempts failed" in paused["pause_detail"]
    assert 50 <= stats["total_attempts"] < 300
    assert stats["statuses"]["pending"] > 0


async def test_scheduled_campaign_starts_by_itself_when_its_time_comes(
    scenario: Scenario, engine: Runtime, clock: OffsetClock
) -> None:
    start_at = clock.now() + timedelta(hours=1)
    campaign = await scenario.started(3, scheduled_at=start_at.isoformat())
    assert campaign["status"] == "scheduled"

    clock.advance(3600 + 1)
    await scenario.wait_status(campaign["id"], "completed")
    assert (await scenario.get(campaign["id"]))["messages_sent"] == 3


async def test_late_scheduled_campaign_waits_for_a_person_when_its_start_was_missed(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    campaign = await scenario.started(
        3, scheduled_at=(clock.now() + timedelta(minutes=5)).isoformat()
    )
    clock.advance(3 * 3600)
    await scenario.wait_status(campaign["id"], "paused")

    paused = await scenario.get(campaign["id"])
    assert (paused["pause_reason"], paused["messages_sent"]) == ("manual", 0)
    assert "missed" in paused["pause_detail"]
    assert await accepted_log(simulator) == []

    await scenario.call("POST", f"/campaigns/{campaign['id']}/resume")
    await scenario.wait_status(campaign["id"], "completed")


async def test_scheduled_time_must_carry_a_zone_when_given(scenario: Scenario) -> None:
    number_id = await scenario.number()
    await scenario.contacts(1)
    naive = datetime.now(UTC).replace(tzinfo=None).isoformat()
    await scenario.call(
        "POST",
        "/campaigns",
        422,
        json={"name": "x", "whatsapp_number_id": number_id, "contact_tags": ["all"],
              "template": {"name": "t", "language": "en"}, "scheduled_at": naive},
    )  # fmt: skip
