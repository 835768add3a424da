"""Opted-out contacts are never messaged: checked at the moment of sending."""

import uuid
from datetime import timedelta

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.sending import lease_repository, repository
from pytake.whatsapp.simulator import RunningSimulator
from support.scenario import Scenario, accepted_log

pytestmark = pytest.mark.integration


async def test_contact_who_opts_out_mid_campaign_is_skipped_and_never_sent(
    engine: Runtime, scenario: Scenario, simulator: RunningSimulator
) -> None:
    campaign = await scenario.started(6, number={"throughput_mps": 2})
    last = (await scenario.records(campaign["id"]))[-1]
    await scenario.call("PATCH", f"/contacts/{last['contact_id']}", json={"opted_out": True})
    await scenario.wait_status(campaign["id"], "completed")

    records = {r["contact_id"]: r for r in await scenario.records(campaign["id"])}
    assert records[last["contact_id"]]["status"] == "skipped"
    assert records[last["contact_id"]]["attempts"] == []
    sent_to = [entry["wa_id"] for entry in await accepted_log(simulator)]
    assert len(sent_to) == 5
    assert last["contact_phone"] not in sent_to
    stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
    assert (stats["statuses"]["sent"], stats["statuses"]["skipped"]) == (5, 1)


async def test_claimed_message_is_skipped_at_hand_off_when_its_contact_opted_out_since(
    runtime: Runtime, clock: OffsetClock, scenario: Scenario
) -> None:
    number_id = await scenario.number()
    first, second = await scenario.contacts(2)
    campaign = await scenario.campaign(number_id)
    await scenario.call("POST", f"/campaigns/{campaign['id']}/start")
    now = clock.now()
    async with runtime.db.transaction() as session:
        claimed = await repository.claim_due_messages(
            session,
            uuid.UUID(campaign["id"]),
            now=now,
            lease_until=now + timedelta(seconds=15),
            limit=2,
        )
    await scenario.call("PATCH", f"/contacts/{first['id']}", json={"opted_out": True})

    async with runtime.db.transaction() as session:
        admitted = await lease_repository.hand_off(
            session, [(m.id, m.lease_token) for m in claimed], now=clock.now()
        )

    by_contact = {r["contact_id"]: r["status"] for r in await scenario.records(campaign["id"])}
    assert by_contact == {first["id"]: "skipped", second["id"]: "sending"}
    assert len(admitted) == 1
