"""The number's limits: throughput pacing and the 24-hour messaging limit (ENGINE.md §4)."""

from collections import Counter
from datetime import datetime, timedelta

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig
from support.scenario import Scenario, accepted_log, sim_call

pytestmark = pytest.mark.integration
LIMIT = 20


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(port=0, seed=11, throughput=LIMIT)


async def _assert_paced(simulator: RunningSimulator, contacts: int) -> None:
    stats = await sim_call(simulator, "GET", "/_sim/stats")
    log = Counter(entry["wa_id"] for entry in await accepted_log(simulator))
    assert max(stats["max_per_second"].values()) <= LIMIT
    assert "130429" not in stats["rejected"]
    assert len(log) == contacts
    assert set(log.values()) == {1}


async def test_sends_never_exceed_the_number_throughput_when_the_api_enforces_it(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    campaign = await scenario.started(400, number={"throughput_mps": LIMIT})
    assert campaign["eta_seconds"] == 400 / LIMIT
    await scenario.wait_status(campaign["id"], "completed", timeout=60)
    done = await scenario.get(campaign["id"])

    took = datetime.fromisoformat(done["completed_at"]) - datetime.fromisoformat(done["started_at"])
    assert took >= timedelta(seconds=19)
    await _assert_paced(simulator, 400)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_two_campaigns_share_the_number_throughput_when_running_together(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    number_id = await scenario.number(throughput_mps=LIMIT)
    await scenario.contacts(200)
    first = await scenario.campaign(number_id, name="first")
    second = await scenario.campaign(number_id, name="second")
    for campaign in (first, second):
        await scenario.call("POST", f"/campaigns/{campaign['id']}/start")
    for campaign in (first, second):
        await scenario.wait_status(campaign["id"], "completed", timeout=60)

    stats = await sim_call(simulator, "GET", "/_sim/stats")
    assert stats["accepted"] == 400
    assert max(stats["max_per_second"].values()) <= LIMIT
    assert "130429" not in stats["rejected"]


async def test_campaign_takes_what_fits_then_pauses_until_capacity_frees_when_over_the_24h_limit(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    campaign = await scenario.started(150, number={"messaging_limit_24h": 100})
    await scenario.wait_status(campaign["id"], "paused")

    paused = await scenario.get(campaign["id"])
    records = await scenario.records(campaign["id"])
    first_send = min(datetime.fromisoformat(a["timestamp"]) for r in records for a in r["attempts"])
    assert (paused["pause_reason"], paused["messages_sent"]) == ("rate_limit", 100)
    assert datetime.fromisoformat(paused["resume_at"]) == first_send + timedelta(hours=24)
    assert 23 * 3600 < paused["eta_seconds"] <= 24 * 3600 + 60
    assert len(await accepted_log(simulator)) == 100

    clock.advance(24 * 3600 + 60)
    await scenario.wait_status(campaign["id"], "completed")
    log = Counter(entry["wa_id"] for entry in await accepted_log(simulator))
    assert (len(log), set(log.values())) == (150, {1})
