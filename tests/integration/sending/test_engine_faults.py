"""Exactly once under a realistic fault mix: every sent contact is in the simulator's log once."""

from collections import Counter

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig
from support.scenario import Scenario, accepted_log, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(port=0, seed=7, transient_rate=0.2, timeout_rate=0.02, timeout_seconds=1)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"http_timeout_seconds": 0.5}


async def test_simulator_log_holds_each_sent_contact_once_when_faults_are_injected(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    campaign = await scenario.started(150, retry_max_attempts=5)

    async def done() -> bool:
        clock.advance(5)
        return (await scenario.get(campaign["id"]))["status"] == "completed"

    await wait_for(done, timeout=60, what="campaign completed")
    records = await scenario.records(campaign["id"])
    sent = {r["contact_phone"] for r in records if r["status"] == "sent"}
    log = Counter(entry["wa_id"] for entry in await accepted_log(simulator))
    assert len(sent) >= 140
    assert set(log) >= sent
    assert all(log[phone] == 1 for phone in sent)
