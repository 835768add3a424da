"""The simulator's own signed webhooks reach a runtime served on a real port."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn

from pytake.bootstrap import Runtime
from pytake.cli.processes import free_port
from pytake.web.app import create_app
from pytake.whatsapp.simulator import SimulatorConfig
from support.scenario import Scenario, wait_for
from support.webhooks import APP_SECRET, WEBHOOK_SETTINGS

pytestmark = pytest.mark.integration

CONTACTS = 30


@pytest.fixture
def webhook_port() -> int:
    return free_port()


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return WEBHOOK_SETTINGS


@pytest.fixture
def simulator_config(webhook_port: int) -> SimulatorConfig:
    return SimulatorConfig(
        port=0,
        seed=3,
        webhook_url=f"http://127.0.0.1:{webhook_port}/webhooks/meta",
        app_secret=APP_SECRET,
        webhook_delay_seconds=0.05,
        read_rate=1.0,
        duplicate_rate=0.3,
        reorder_rate=0.5,
    )


@pytest.fixture
async def served(runtime: Runtime, webhook_port: int) -> AsyncIterator[None]:
    """The runtime's app behind uvicorn on `webhook_port`, in this event loop."""
    app = create_app(runtime, manage_runtime=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=webhook_port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the app could not be served"
        await asyncio.sleep(0.02)
    yield
    server.should_exit = True
    await task


async def test_delivered_and_read_climb_when_the_simulator_posts_signed_webhooks(
    scenario: Scenario, engine: Runtime, served: None
) -> None:
    campaign = await scenario.started(CONTACTS)

    async def all_read() -> bool:
        return (await scenario.get(campaign["id"]))["messages_read"] == CONTACTS

    await wait_for(all_read, what="every contact read")
    campaign = await scenario.get(campaign["id"])
    assert (campaign["status"], campaign["messages_delivered"]) == ("completed", CONTACTS)
    assert {r["status"] for r in await scenario.records(campaign["id"])} == {"read"}
