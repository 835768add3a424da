"""Pause, resume and cancel act before the next send, and nobody is messaged twice."""

from collections import Counter

import pytest

from pytake.bootstrap import Runtime
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig
from support.scenario import Scenario, accepted_log, wait_for

pytestmark = pytest.mark.integration
CONTACTS = 120
IN_FLIGHT = 4


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    # A slow API (20 msg/s) keeps the campaign running long enough to be paused mid-way.
    return SimulatorConfig(port=0, seed=5, throughput=20)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"send_concurrency": IN_FLIGHT}


async def _sent_at_least(scenario: Scenario, campaign_id: str, count: int) -> None:
    async def reached() -> bool:
        return int((await scenario.get(campaign_id))["messages_sent"]) >= count

    await wait_for(reached, what=f"{count} sent")


async def test_no_send_starts_after_pause_and_resume_finishes_once_each_when_paused_mid_way(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    campaign = await scenario.started(CONTACTS)
    await _sent_at_least(scenario, campaign["id"], 20)

    paused = await scenario.call("POST", f"/campaigns/{campaign['id']}/pause")
    at_pause = len(await accepted_log(simulator))
    await scenario.call("POST", f"/campaigns/{campaign['id']}/pause", 409)
    await wait_for(lambda: _no_sending(scenario, campaign["id"]), what="claims released")
    after_pause = len(await accepted_log(simulator))

    assert (paused["status"], paused["pause_reason"]) == ("paused", "manual")
    assert at_pause <= after_pause <= at_pause + IN_FLIGHT
    assert after_pause < CONTACTS

    await scenario.call("POST", f"/campaigns/{campaign['id']}/resume")
    await scenario.wait_status(campaign["id"], "completed", timeout=30)
    log = Counter(entry["wa_id"] for entry in await accepted_log(simulator))
    assert len(log) == CONTACTS
    assert set(log.values()) == {1}


async def _no_sending(scenario: Scenario, campaign_id: str) -> bool:
    page = await scenario.call(
        "GET", f"/campaigns/{campaign_id}/messages", params={"status": "sending"}
    )
    return not page["items"]


async def test_rest_of_audience_is_cancelled_and_not_sent_when_cancelled_mid_way(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    campaign = await scenario.started(CONTACTS)
    await _sent_at_least(scenario, campaign["id"], 20)

    cancelled = await scenario.call("POST", f"/campaigns/{campaign['id']}/cancel")
    await wait_for(lambda: _no_sending(scenario, campaign["id"]), what="claims released")
    sent_then = len(await accepted_log(simulator))
    stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")

    assert cancelled["status"] == "cancelled"
    assert stats["statuses"]["cancelled"] > 0
    assert stats["statuses"]["pending"] == stats["statuses"]["retrying"] == 0
    assert stats["statuses"]["sent"] + stats["statuses"]["cancelled"] == CONTACTS
    assert stats["statuses"]["sent"] == sent_then
    await scenario.call("POST", f"/campaigns/{campaign['id']}/resume", 409)
