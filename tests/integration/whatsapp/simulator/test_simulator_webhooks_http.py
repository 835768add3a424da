"""Signed status webhooks from the simulator to a real local receiver."""

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from pytake.whatsapp.simulator import SimulatorConfig, running_simulator
from pytake.whatsapp.simulator.store import AcceptedMessage
from pytake.whatsapp.simulator.webhooks import WebhookDispatcher

Send = Callable[..., Awaitable[aiohttp.ClientResponse]]
SECRET = "test_app_secret"


@dataclass
class Receiver:
    """A webhook endpoint that keeps every accepted delivery's headers and raw body."""

    url: str = ""
    failures_to_give: int = 0
    attempts: int = 0
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def statuses(self) -> list[dict[str, Any]]:
        return [
            status
            for _, body in self.deliveries
            for entry in json.loads(body)["entry"]
            for change in entry["changes"]
            for status in change["value"]["statuses"]
        ]

    async def wait_for_statuses(self, count: int, timeout: float = 5.0) -> None:
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: len(self.statuses()) >= count), timeout
            )

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.attempts += 1
        if self.failures_to_give > 0:
            self.failures_to_give -= 1
            return web.Response(status=500)
        async with self.arrived:
            self.deliveries.append((dict(request.headers), body))
            self.arrived.notify_all()
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    received = Receiver()
    app = web.Application()
    app.router.add_post("/webhooks", received.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    received.url = f"http://{host}:{port}/webhooks"
    yield received
    await runner.cleanup()


def _config(receiver: Receiver, **knobs: Any) -> SimulatorConfig:
    defaults: dict[str, Any] = {"webhook_delay_seconds": 0.02, "read_rate": 1.0}
    return SimulatorConfig(
        port=0, webhook_url=receiver.url, app_secret=SECRET, **{**defaults, **knobs}
    )


async def _send_three(send: Send, base_url: str, body: Callable[[str], dict[str, Any]]) -> None:
    for i in range(3):
        message = {**body(f"+1650555000{i}"), "biz_opaque_callback_data": f"msg-{i}"}
        assert (await send(base_url, message)).status == 200


async def test_statuses_arrive_signed_in_meta_envelope_when_webhook_url_is_set(
    send: Send,
    receiver: Receiver,
    template_body: Callable[[str], dict[str, Any]],
    fixtures_dir: Path,
) -> None:
    fixture = json.loads((fixtures_dir / "webhook_status_sent.json").read_bytes())
    async with running_simulator(_config(receiver)) as sim:
        await _send_three(send, sim.base_url, template_body)
        await receiver.wait_for_statuses(9)
    for headers, body in receiver.deliveries:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
        envelope = json.loads(body)
        assert envelope.keys() == fixture.keys()
        assert envelope["entry"][0]["id"] == fixture["entry"][0]["id"]
        change = envelope["entry"][0]["changes"][0]
        assert change["field"] == "messages"
        assert change["value"].keys() == fixture["entry"][0]["changes"][0]["value"].keys()
        assert change["value"]["metadata"]["display_phone_number"] == "15550783881"


async def test_each_message_goes_sent_delivered_read_with_its_callback_data_when_read(
    send: Send, receiver: Receiver, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(_config(receiver)) as sim:
        await _send_three(send, sim.base_url, template_body)
        await receiver.wait_for_statuses(9)
    by_wamid: dict[str, list[dict[str, Any]]] = {}
    for status in receiver.statuses():
        by_wamid.setdefault(status["id"], []).append(status)
    assert len(by_wamid) == 3
    for statuses in by_wamid.values():
        assert [status["status"] for status in statuses] == ["sent", "delivered", "read"]
        assert len({status["biz_opaque_callback_data"] for status in statuses}) == 1
        assert all(abs(int(status["timestamp"]) - time.time()) < 60 for status in statuses)
        assert statuses[0]["recipient_id"].startswith("1650555000")


async def test_failed_status_carries_meta_errors_when_failed_status_rate_is_one(
    send: Send, receiver: Receiver, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(_config(receiver, failed_status_rate=1.0)) as sim:
        await _send_three(send, sim.base_url, template_body)
        await receiver.wait_for_statuses(6)
    failed = [status for status in receiver.statuses() if status["status"] == "failed"]
    assert len(failed) == 3
    for status in failed:
        assert status["errors"][0]["code"] in (131026, 131049)
        assert status["errors"][0]["error_data"]["details"]


async def test_delivery_is_retried_when_the_receiver_fails_at_first(
    send: Send, receiver: Receiver, template_body: Callable[[str], dict[str, Any]]
) -> None:
    receiver.failures_to_give = 1
    async with running_simulator(_config(receiver, read_rate=0.0)) as sim:
        await send(sim.base_url, template_body("+16505550001"))
        await receiver.wait_for_statuses(2)
    assert receiver.attempts == len(receiver.deliveries) + 1
    assert sorted(status["status"] for status in receiver.statuses()) == ["delivered", "sent"]


async def test_posts_hold_at_most_100_statuses_when_many_are_due_together(
    send: Send, receiver: Receiver, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(_config(receiver, read_rate=0.0)) as sim:
        await asyncio.gather(
            *(send(sim.base_url, template_body(f"1650555{i:04d}")) for i in range(150))
        )
        await receiver.wait_for_statuses(300)
    sizes = [
        len(json.loads(body)["entry"][0]["changes"][0]["value"]["statuses"])
        for _, body in receiver.deliveries
    ]
    assert max(sizes) == 100
    assert sum(sizes) == 300


async def test_every_status_arrives_twice_when_duplicate_rate_is_one(
    send: Send, receiver: Receiver, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(_config(receiver, read_rate=0.0, duplicate_rate=1.0)) as sim:
        await send(sim.base_url, template_body("+16505550001"))
        await receiver.wait_for_statuses(4)
    assert sorted(status["status"] for status in receiver.statuses()) == [
        "delivered",
        "delivered",
        "sent",
        "sent",
    ]


async def test_read_arrives_before_delivered_when_reorder_rate_is_one(
    send: Send, receiver: Receiver, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(
        _config(receiver, webhook_delay_seconds=0.15, reorder_rate=1.0)
    ) as sim:
        await send(sim.base_url, template_body("+16505550001"))
        await receiver.wait_for_statuses(3)
    assert [status["status"] for status in receiver.statuses()] == ["sent", "read", "delivered"]


async def test_sends_stay_fast_and_shutdown_is_clean_when_the_receiver_is_down(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    config = SimulatorConfig(port=0, webhook_url="http://127.0.0.1:9/down", webhook_delay_seconds=0)
    async with running_simulator(config) as sim:
        started = time.perf_counter()
        for i in range(50):
            assert (await send(sim.base_url, template_body(f"1650555{i:04d}"))).status == 200
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.3)
    assert elapsed < 2.0


async def test_batch_is_dropped_with_a_warning_when_every_attempt_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = SimulatorConfig(webhook_url="http://127.0.0.1:9/down", webhook_delay_seconds=0)
    dispatcher = WebhookDispatcher(lambda: config, random.Random(1), retry_delays=(0.01, 0.01))
    message = AcceptedMessage("wamid.X", "+16505551234", "16505551234", "1", "promo", None, 1.0)
    await dispatcher.start()
    try:
        dispatcher.enqueue(message)
        dispatcher.flush(now=10.0)
        with caplog.at_level(logging.WARNING):
            for _ in range(100):
                if caplog.records:
                    break
                await asyncio.sleep(0.02)
    finally:
        await dispatcher.close()
    assert "dropped a status webhook batch" in caplog.text
    assert "after 3 failed attempts" in caplog.text
