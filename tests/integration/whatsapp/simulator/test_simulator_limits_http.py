"""Throughput and pair-rate limits over real HTTP, with Meta's codes."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from pytake.whatsapp.simulator import SimulatorConfig, running_simulator

Send = Callable[..., Awaitable[aiohttp.ClientResponse]]


async def test_excess_gets_130429_and_is_not_logged_when_sends_outrun_throughput(
    send: Send,
    admin: Callable[..., Awaitable[tuple[int, Any]]],
    template_body: Callable[[str], dict[str, Any]],
) -> None:
    async with running_simulator(SimulatorConfig(port=0, throughput=5)) as sim:
        responses = await asyncio.gather(
            *(send(sim.base_url, template_body(f"1650555{i:04d}")) for i in range(20))
        )
        _, log = await admin("GET", f"{sim.url}/_sim/messages")
        _, stats = await admin("GET", f"{sim.url}/_sim/stats")
    refused = [response for response in responses if response.status != 200]
    assert len(refused) == 15
    for response in refused:
        error = (await response.json())["error"]
        assert (response.status, error["code"], error["error_subcode"]) == (400, 130429, 2494055)
    assert log["count"] == 5
    accepted_ids = {(await r.json())["messages"][0]["id"] for r in responses if r.status == 200}
    assert {message["wamid"] for message in log["messages"]} == accepted_ids
    assert stats == {
        "accepted": 5,
        "rejected": {"130429": 15},
        "max_per_second": {"106540352242922": 5},
    }


async def test_sends_pass_again_when_the_throughput_second_has_passed(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0, throughput=2)) as sim:
        statuses = [
            (await send(sim.base_url, template_body(f"1650555000{i}"))).status for i in range(3)
        ]
        await asyncio.sleep(1.05)
        later = await send(sim.base_url, template_body("16505550009"))
    assert statuses == [200, 200, 400]
    assert later.status == 200


async def test_46th_send_gets_131056_when_one_recipient_gets_46_in_six_seconds(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        responses = [await send(sim.base_url, template_body("+16505551234")) for _ in range(46)]
        other = await send(sim.base_url, template_body("+16505551235"))
    assert [response.status for response in responses[:45]] == [200] * 45
    assert (await responses[45].json())["error"]["code"] == 131056
    assert other.status == 200
