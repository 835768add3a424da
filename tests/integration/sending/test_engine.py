"""The engine end to end on SQLite and PostgreSQL, against the simulator over real HTTP."""

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator
from support.scenario import Scenario, sim_call, wait_for

pytestmark = pytest.mark.integration


def _times(record: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(a["timestamp"]) for a in record["attempts"]]


async def _record(scenario: Scenario, campaign_id: str, index: int = 0) -> dict[str, Any]:
    return (await scenario.records(campaign_id))[index]


async def _wait_attempts(scenario: Scenario, campaign_id: str, count: int) -> None:
    async def reached() -> bool:
        record = await _record(scenario, campaign_id)
        return len(record["attempts"]) >= count and record["status"] != "sending"

    await wait_for(reached, what=f"{count} attempts")


async def _rule(
    simulator: RunningSimulator, phone: str, code: int | str, times: int | None
) -> None:
    rule: dict[str, Any] = {"recipient": phone, "code": code}
    if times is not None:
        rule["times"] = times
    await sim_call(simulator, "POST", "/_sim/rules", [rule])


async def test_contact_is_sent_on_third_attempt_after_base_and_double_waits_when_failing_twice(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    await _rule(simulator, "5511900000001", 131000, times=2)
    campaign = await scenario.started(1)

    await _wait_attempts(scenario, campaign["id"], 1)
    clock.advance(10)
    await _wait_attempts(scenario, campaign["id"], 2)
    clock.advance(20)
    await scenario.wait_status(campaign["id"], "completed")

    record = await _record(scenario, campaign["id"])
    first, second, third = _times(record)
    assert [a["success"] for a in record["attempts"]] == [False, False, True]
    assert 10 <= (second - first).total_seconds() < 12
    assert 20 <= (third - second).total_seconds() < 22
    assert record["status"] == "sent"
    assert record["message_id"] == record["attempts"][2]["message_id"]


async def test_contact_fails_after_one_plus_max_attempts_when_always_failing(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    await _rule(simulator, "5511900000001", 131000, times=None)
    campaign = await scenario.started(1, retry_max_attempts=2)

    for attempts in (1, 2):
        await _wait_attempts(scenario, campaign["id"], attempts)
        clock.advance(60)
    await scenario.wait_status(campaign["id"], "completed")

    record = await _record(scenario, campaign["id"])
    assert record["status"] == "failed"
    assert len(record["attempts"]) == 3
    assert all("131000" in a["error"] for a in record["attempts"])


async def test_contact_is_not_retried_when_error_is_permanent(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    await _rule(simulator, "5511900000001", 131026, times=None)
    campaign = await scenario.started(1)

    await scenario.wait_status(campaign["id"], "completed")
    record = await _record(scenario, campaign["id"])
    assert (record["status"], len(record["attempts"])) == ("failed", 1)


async def test_campaign_pauses_with_contact_back_in_queue_when_error_is_halting(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    await _rule(simulator, "5511900000001", 190, times=None)
    campaign = await scenario.started(1)

    await scenario.wait_status(campaign["id"], "paused")
    paused = await scenario.get(campaign["id"])
    record = await _record(scenario, campaign["id"])
    assert paused["pause_reason"] == "account"
    assert (record["status"], len(record["attempts"])) == ("pending", 1)


async def test_campaign_finishes_after_resume_when_halting_cause_is_fixed(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    await _rule(simulator, "5511900000001", 190, times=1)
    campaign = await scenario.started(3)
    await scenario.wait_status(campaign["id"], "paused")

    await scenario.call("POST", f"/campaigns/{campaign['id']}/resume")
    await scenario.wait_status(campaign["id"], "completed")
    statuses = Counter(r["status"] for r in await scenario.records(campaign["id"]))
    assert statuses == {"sent": 3}


async def test_contact_is_retried_no_sooner_than_a_day_later_when_meta_caps_its_marketing(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    await _rule(simulator, "5511900000001", 131049, times=1)
    campaign = await scenario.started(1)
    await _wait_attempts(scenario, campaign["id"], 1)
    assert (await _record(scenario, campaign["id"]))["status"] == "retrying"

    clock.advance(23 * 3600)
    await asyncio.sleep(0.5)
    assert len((await _record(scenario, campaign["id"]))["attempts"]) == 1
    clock.advance(3600)
    await scenario.wait_status(campaign["id"], "completed")

    record = await _record(scenario, campaign["id"])
    first, second = _times(record)
    assert (second - first).total_seconds() >= 24 * 3600
    assert [a["success"] for a in record["attempts"]] == [False, True]
