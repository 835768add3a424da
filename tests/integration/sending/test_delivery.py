"""Status receipts applied to a real campaign: monotonic, idempotent, failures retried."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig
from support.scenario import Scenario, accepted_log, wait_for
from support.webhooks import (
    WEBHOOK_SETTINGS,
    envelope,
    failed,
    post_body,
    post_statuses,
    status,
)

pytestmark = pytest.mark.integration

T0 = 1_750_030_075


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return WEBHOOK_SETTINGS


async def _sent(scenario: Scenario, contacts: int) -> tuple[str, list[str]]:
    """A campaign whose every contact the Cloud API accepted; its id and the wamids."""
    campaign = await scenario.started(contacts)
    await scenario.wait_status(campaign["id"], "completed")
    records = await scenario.records(campaign["id"])
    assert {r["status"] for r in records} == {"sent"}
    return str(campaign["id"]), [str(r["message_id"]) for r in records]


async def _funnel(scenario: Scenario, campaign_id: str) -> dict[str, Any]:
    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    return dict(stats["statuses"])


async def _statuses(scenario: Scenario, campaign_id: str) -> Counter[str]:
    return Counter(r["status"] for r in await scenario.records(campaign_id))


async def test_read_stands_and_implies_delivered_when_it_arrives_before_delivered(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)

    first = await post_statuses(api, status(wamid, "read", T0 + 60))
    late = await post_statuses(api, status(wamid, "delivered", T0))

    assert (first["applied"], late["applied"], late["duplicates"]) == (1, 0, 1)
    campaign = await scenario.get(campaign_id)
    assert (campaign["messages_delivered"], campaign["messages_read"]) == (1, 1)
    assert (await scenario.records(campaign_id))[0]["status"] == "read"


async def test_duplicate_changes_and_counts_nothing_when_status_arrives_twice(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)
    await post_statuses(api, status(wamid, "delivered"))
    before = await scenario.records(campaign_id)

    again = await post_statuses(api, status(wamid, "delivered"), status(wamid, "sent"))

    assert (again["applied"], again["duplicates"]) == (0, 2)
    assert await scenario.records(campaign_id) == before
    assert (await _funnel(scenario, campaign_id))["delivered"] == 1


async def test_every_status_is_applied_when_one_body_batches_a_thousand(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, wamids = await _sent(scenario, 500)
    delivered = [status(w, "delivered", T0) for w in wamids]
    read = [status(w, "read", T0 + 5) for w in wamids[:300]]

    receipt = await post_statuses(api, *delivered, *read, *delivered[:200])

    assert (receipt["received"], receipt["applied"], receipt["duplicates"]) == (1000, 800, 200)
    funnel = await _funnel(scenario, campaign_id)
    assert (funnel["sent"], funnel["delivered"], funnel["read"]) == (500, 500, 300)
    assert await _statuses(scenario, campaign_id) == {"delivered": 200, "read": 300}


async def test_unknown_wamids_are_counted_and_ignored_when_no_message_has_them(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)
    receipt = await post_statuses(
        api,
        status("wamid.nobody", "delivered"),
        failed("wamid.nobody-either", 131000),
        status("wamid.stranger", "read", biz_opaque_callback_data="cmp|rcpt_1"),
        status(wamid, "delivered"),
    )
    assert (receipt["unknown"], receipt["applied"]) == (3, 1)
    assert await _statuses(scenario, campaign_id) == {"delivered": 1}


async def test_state_is_unchanged_when_signature_is_forged(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)
    answer = await post_body(api, envelope([status(wamid, "read")]), secret="forged")
    assert answer.status_code == 401
    assert await _statuses(scenario, campaign_id) == {"sent": 1}


async def test_failed_after_delivered_keeps_the_success_when_it_arrives_late(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)
    await post_statuses(api, status(wamid, "delivered"))
    receipt = await post_statuses(api, failed(wamid, 131000))
    assert receipt["ignored"] == 1
    assert await _statuses(scenario, campaign_id) == {"delivered": 1}


async def test_contact_fails_with_its_error_listed_when_failure_is_permanent(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)
    await post_statuses(api, failed(wamid, 131026, "Message undeliverable"))
    again = await post_statuses(api, failed(wamid, 131026), status(wamid, "delivered"))

    assert (again["duplicates"], again["ignored"]) == (1, 1)
    campaign = await scenario.get(campaign_id)
    assert (campaign["status"], campaign["messages_failed"], campaign["messages_sent"]) == (
        "completed",
        1,
        0,
    )
    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    assert (stats["successful_on_first_attempt"], stats["total_attempts"]) == (0, 1)
    (error,) = stats["recent_errors"]
    assert (error["attempt"], error["code"]) == (0, 131026)
    assert "undeliverable" in error["error"]


async def test_failure_is_applied_without_its_code_when_the_code_fits_no_32_bit_column(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)
    receipt = await post_statuses(api, failed(wamid, 10**20, "Odd failure"))

    assert (receipt["applied"], receipt["deferred"]) == (1, False)
    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    (error,) = stats["recent_errors"]
    assert (error["code"], "Odd failure" in error["error"]) == (None, True)


async def test_engine_resends_a_day_later_when_failed_status_is_meta_marketing_cap(
    scenario: Scenario,
    engine: Runtime,
    api: httpx.AsyncClient,
    simulator: RunningSimulator,
    clock: OffsetClock,
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)

    await post_statuses(api, failed(wamid, 131049, "Not delivered for ecosystem health"))

    assert (await _funnel(scenario, campaign_id))["retrying"] == 1
    clock.advance(23 * 3600)
    await asyncio.sleep(0.5)
    assert len(await accepted_log(simulator)) == 1
    clock.advance(3600)
    await scenario.wait_status(campaign_id, "completed")
    assert len(await accepted_log(simulator)) == 2
    assert await _statuses(scenario, campaign_id) == {"sent": 1}


async def test_engine_resends_when_failed_status_has_a_transient_code(
    scenario: Scenario,
    engine: Runtime,
    api: httpx.AsyncClient,
    simulator: RunningSimulator,
    clock: OffsetClock,
) -> None:
    campaign_id, (wamid,) = await _sent(scenario, 1)

    receipt = await post_statuses(api, failed(wamid, 131000))

    assert receipt["applied"] == 1
    assert (await scenario.get(campaign_id))["status"] == "running"
    assert (await _funnel(scenario, campaign_id))["retrying"] == 1
    clock.advance(10)
    await scenario.wait_status(campaign_id, "completed")
    (record,) = await scenario.records(campaign_id)
    assert record["status"] == "sent"
    assert record["message_id"] not in (None, wamid)
    assert [a["success"] for a in record["attempts"]] == [False, True]
    assert len(await accepted_log(simulator)) == 2
    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    assert (stats["total_attempts"], stats["required_retries"]) == (2, 1)
    assert stats["successful_on_first_attempt"] == 0
    assert [e["code"] for e in stats["recent_errors"]] == [131000]


async def test_contact_fails_when_transient_failure_comes_with_no_retry_left(
    scenario: Scenario, engine: Runtime, api: httpx.AsyncClient
) -> None:
    campaign = await scenario.started(1, retry_max_attempts=1)
    await scenario.wait_status(campaign["id"], "completed")
    (record,) = await scenario.records(campaign["id"])
    wamid = record["message_id"]

    await post_statuses(api, failed(wamid, 131000))
    assert (await scenario.get(campaign["id"]))["status"] == "running"
    await scenario.wait_status(campaign["id"], "completed")
    (record,) = await scenario.records(campaign["id"])
    await post_statuses(api, failed(record["message_id"], 131000))

    assert await _statuses(scenario, campaign["id"]) == {"failed": 1}
    assert (await scenario.get(campaign["id"]))["status"] == "completed"


class TestLostAnswer:
    """The Cloud API accepted the send but its answer never came (ENGINE.md §5)."""

    @pytest.fixture
    def simulator_config(self) -> SimulatorConfig:
        return SimulatorConfig(
            port=0, seed=1, timeout_rate=1.0, timeout_accepts=True, timeout_seconds=2
        )

    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {**WEBHOOK_SETTINGS, "http_timeout_seconds": 0.3}

    async def test_send_is_adopted_not_repeated_when_its_receipt_names_the_message(
        self,
        scenario: Scenario,
        engine: Runtime,
        api: httpx.AsyncClient,
        simulator: RunningSimulator,
        clock: OffsetClock,
    ) -> None:
        campaign = await scenario.started(1)

        async def retrying() -> bool:
            return bool((await _funnel(scenario, campaign["id"]))["retrying"] == 1)

        await wait_for(retrying, what="the timed-out send waiting for a retry")
        (accepted,) = await accepted_log(simulator)
        receipt = await post_statuses(
            api,
            status(
                accepted["wamid"],
                "delivered",
                biz_opaque_callback_data=accepted["biz_opaque_callback_data"],
            ),
        )

        assert receipt["applied"] == 1
        clock.advance(60)
        await scenario.wait_status(campaign["id"], "completed")
        (record,) = await scenario.records(campaign["id"])
        assert (record["status"], record["message_id"]) == ("delivered", accepted["wamid"])
        assert len(await accepted_log(simulator)) == 1
        stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
        assert (stats["total_attempts"], stats["required_retries"]) == (1, 0)
        assert (stats["successful_on_first_attempt"], stats["recent_errors"]) == (1, [])

    async def test_every_send_is_adopted_when_one_body_names_several_lost_answers(
        self,
        scenario: Scenario,
        engine: Runtime,
        api: httpx.AsyncClient,
        simulator: RunningSimulator,
        clock: OffsetClock,
    ) -> None:
        campaign = await scenario.started(3)

        async def all_retrying() -> bool:
            return bool((await _funnel(scenario, campaign["id"]))["retrying"] == 3)

        await wait_for(all_retrying, what="three timed-out sends waiting for a retry")
        receipts = [
            status(
                entry["wamid"], "sent", biz_opaque_callback_data=entry["biz_opaque_callback_data"]
            )
            for entry in await accepted_log(simulator)
        ]
        assert (await post_statuses(api, *receipts))["applied"] == 3
        clock.advance(60)
        await scenario.wait_status(campaign["id"], "completed")
        assert await _statuses(scenario, campaign["id"]) == {"sent": 3}
        assert len(await accepted_log(simulator)) == 3


class TestReceiptBeforeAnswer:
    """A receipt arrives while the send that it answers is still waiting for its answer."""

    @pytest.fixture
    def simulator_config(self) -> SimulatorConfig:
        return SimulatorConfig(
            port=0, seed=1, timeout_rate=1.0, timeout_accepts=True, timeout_seconds=5
        )

    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {**WEBHOOK_SETTINGS, "http_timeout_seconds": 2.0}

    async def test_receipt_wins_over_the_timeout_when_it_adopts_a_send_in_flight(
        self,
        scenario: Scenario,
        engine: Runtime,
        api: httpx.AsyncClient,
        simulator: RunningSimulator,
    ) -> None:
        campaign = await scenario.started(1)

        async def accepted_by_simulator() -> bool:
            return len(await accepted_log(simulator)) == 1

        await wait_for(accepted_by_simulator, what="the send to reach the simulator")
        (accepted,) = await accepted_log(simulator)
        callback = {"biz_opaque_callback_data": accepted["biz_opaque_callback_data"]}
        receipt = await post_statuses(api, status(accepted["wamid"], "read", **callback))

        assert receipt["applied"] == 1
        await scenario.wait_status(campaign["id"], "completed")
        (record,) = await scenario.records(campaign["id"])
        assert (record["status"], record["message_id"]) == ("read", accepted["wamid"])
        assert [a["success"] for a in record["attempts"]] == [False]
        stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
        assert (stats["total_attempts"], stats["required_retries"]) == (1, 0)
        assert stats["successful_on_first_attempt"] == 1
        assert len(await accepted_log(simulator)) == 1
