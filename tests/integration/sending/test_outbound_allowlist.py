"""A number stored before its origin was refused: the engine pauses it and sends nothing."""

import uuid

import pytest
from sqlalchemy import update

from pytake.bootstrap import Runtime
from pytake.numbers.models import WhatsAppNumber
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig, running_simulator
from support.scenario import Scenario, accepted_log

pytestmark = pytest.mark.integration


async def test_campaign_pauses_without_a_send_when_its_numbers_origin_is_not_allowlisted(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime
) -> None:
    number_id = await scenario.number()
    await scenario.contacts(5)
    campaign = await scenario.campaign(number_id)
    async with running_simulator(SimulatorConfig(port=0, seed=2)) as elsewhere:
        # As a row written before PYTAKE_WHATSAPP_API_HOSTS existed would be.
        async with engine.db.transaction() as session:
            await session.execute(
                update(WhatsAppNumber)
                .where(WhatsAppNumber.id == uuid.UUID(number_id))
                .values(api_base_url=elsewhere.base_url)
            )
        await scenario.call("POST", f"/campaigns/{campaign['id']}/start")
        await scenario.wait_status(campaign["id"], "paused")

        paused = await scenario.get(campaign["id"])
        assert paused["pause_reason"] == "account"
        assert f"{elsewhere.url} is not in PYTAKE_WHATSAPP_API_HOSTS" in paused["pause_detail"]
        assert await accepted_log(elsewhere) == []
        assert await accepted_log(simulator) == []
