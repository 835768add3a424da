"""A sender lost mid-campaign: its unsent claims go back at once, its sends in flight wait for
a sign they went out, and a holder that lives keeps its leases."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.sending import lease_repository, repository
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig
from support.scenario import Scenario, accepted_log, wait_for

pytestmark = pytest.mark.integration

GRACE = 60
# The claims of a sender that died: their leases would run for an hour.
DEAD_LEASE = timedelta(hours=1)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"reconcile_grace_seconds": GRACE, "lease_renew_seconds": 0.2}


async def _dead_senders_claims(
    runtime: Runtime, clock: OffsetClock, scenario: Scenario, *, contacts: int, handed: int
) -> str:
    """A started campaign whose every message a sender claimed and then died, after handing
    `handed` of them to the API."""
    number_id = await scenario.number()
    await scenario.contacts(contacts)
    campaign = await scenario.campaign(number_id)
    await scenario.call("POST", f"/campaigns/{campaign['id']}/start")
    now = clock.now()
    async with runtime.db.transaction() as session:
        claimed = await repository.claim_due_messages(
            session,
            uuid.UUID(campaign["id"]),
            now=now,
            lease_until=now + DEAD_LEASE,
            limit=contacts,
        )
        in_flight = [(m.id, m.lease_token) for m in claimed[:handed]]
        assert len(await lease_repository.hand_off(session, in_flight, now=now)) == handed
    return str(campaign["id"])


async def _statuses(scenario: Scenario, campaign_id: str) -> Counter[str]:
    return Counter(r["status"] for r in await scenario.records(campaign_id))


async def _wait_sent(scenario: Scenario, campaign_id: str, count: int) -> None:
    async def reached() -> bool:
        return (await _statuses(scenario, campaign_id))["sent"] >= count

    await wait_for(reached, what=f"{count} sent")


async def _attempts(scenario: Scenario, campaign_id: str) -> Counter[int]:
    return Counter(len(r["attempts"]) for r in await scenario.records(campaign_id))


async def test_unsent_claims_go_back_at_once_and_sends_in_flight_wait_when_a_lease_runs_out(
    runtime: Runtime, clock: OffsetClock, scenario: Scenario, simulator: RunningSimulator
) -> None:
    campaign_id = await _dead_senders_claims(runtime, clock, scenario, contacts=5, handed=2)
    clock.advance(DEAD_LEASE.total_seconds() + 1)
    await runtime.start()

    await _wait_sent(scenario, campaign_id, 3)
    assert await _statuses(scenario, campaign_id) == {"sent": 3, "sending": 2}
    assert await _attempts(scenario, campaign_id) == {1: 3, 0: 2}
    clock.advance(GRACE + 1)
    await scenario.wait_status(campaign_id, "completed")

    assert await _statuses(scenario, campaign_id) == {"sent": 5}
    # The two sends lost in flight: a lost attempt (no retry spent), then the send.
    assert await _attempts(scenario, campaign_id) == {1: 3, 2: 2}
    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    assert len(await accepted_log(simulator)) == 5
    assert stats["total_attempts"] == 7


class TestEmbeddedRestart:
    """SQLite is owned by one process: at start, every lease of an earlier run is dead."""

    @pytest.fixture
    def database_url(self, sqlite_url: str) -> str:
        return sqlite_url

    async def test_earlier_runs_unsent_claims_are_sent_at_start_without_waiting_for_leases(
        self,
        runtime: Runtime,
        clock: OffsetClock,
        scenario: Scenario,
        simulator: RunningSimulator,
    ) -> None:
        campaign_id = await _dead_senders_claims(runtime, clock, scenario, contacts=5, handed=2)
        await runtime.start()

        await _wait_sent(scenario, campaign_id, 3)
        assert await _statuses(scenario, campaign_id) == {"sent": 3, "sending": 2}
        clock.advance(GRACE + 1)
        await scenario.wait_status(campaign_id, "completed")
        assert len(await accepted_log(simulator)) == 5


class TestHeartbeat:
    """A send slower than its lease is not taken back while its sender lives."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {
            "lease_seconds": 2,
            "lease_renew_seconds": 0.5,
            "reconcile_grace_seconds": 1,
            "http_timeout_seconds": 10,
        }

    @pytest.fixture
    def simulator_config(self) -> SimulatorConfig:
        return SimulatorConfig(
            port=0, seed=1, timeout_rate=1.0, timeout_accepts=True, timeout_seconds=4
        )

    async def test_send_slower_than_its_lease_is_recorded_once_when_its_holder_renews_it(
        self, engine: Runtime, scenario: Scenario, simulator: RunningSimulator
    ) -> None:
        campaign = await scenario.started(2)
        await scenario.wait_status(campaign["id"], "completed", timeout=30)

        assert await _statuses(scenario, campaign["id"]) == {"sent": 2}
        assert await _attempts(scenario, campaign["id"]) == {1: 2}
        assert len(await accepted_log(simulator)) == 2
