"""The /_sim admin endpoints over real HTTP."""

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from pytake.whatsapp.simulator import SimulatorConfig, running_simulator

Send = Callable[..., Awaitable[aiohttp.ClientResponse]]
Admin = Callable[..., Awaitable[tuple[int, Any]]]


async def test_health_is_ok_when_running(admin: Admin) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        assert await admin("GET", f"{sim.url}/_sim/health") == (200, {"status": "ok"})


async def test_log_pages_in_order_when_offset_and_limit_are_given(
    send: Send, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        for i in range(10):
            await send(sim.base_url, template_body(f"1650555{i:04d}"))
        _, page = await admin("GET", f"{sim.url}/_sim/messages?offset=3&limit=4")
    assert page["count"] == 10
    assert [message["wa_id"] for message in page["messages"]] == [
        f"1650555{i:04d}" for i in range(3, 7)
    ]


async def test_paging_is_refused_with_422_when_limit_is_not_a_number(admin: Admin) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        status, answer = await admin("GET", f"{sim.url}/_sim/messages?limit=many")
    assert status == 422
    assert "limit" in answer["error"]


async def test_log_and_counters_are_empty_when_reset(
    send: Send, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        await send(sim.base_url, template_body("16505551234"))
        await send(sim.base_url, template_body("16505551234"), token="bad")
        deleted = await admin("DELETE", f"{sim.url}/_sim/messages")
        stats = await admin("GET", f"{sim.url}/_sim/stats")
        log = await admin("GET", f"{sim.url}/_sim/messages")
    assert deleted == (200, {"deleted": 1})
    assert stats == (200, {"accepted": 0, "rejected": {}, "max_per_second": {}})
    assert log == (200, {"count": 0, "messages": []})


async def test_config_change_is_refused_with_422_when_key_is_unknown(admin: Admin) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        status, answer = await admin("POST", f"{sim.url}/_sim/config", {"colour": "red"})
    assert status == 422
    assert "colour" in answer["error"]


async def test_config_change_is_refused_with_422_when_a_rate_is_out_of_range(
    admin: Admin,
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        status, answer = await admin("POST", f"{sim.url}/_sim/config", {"read_rate": 2})
    assert status == 422
    assert "read_rate" in answer["error"]


async def test_new_token_is_required_when_token_is_changed_at_runtime(
    send: Send, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        status, answer = await admin("POST", f"{sim.url}/_sim/config", {"access_token": "new"})
        old = await send(sim.base_url, template_body("16505551234"))
        new = await send(sim.base_url, template_body("16505551234"), token="new")
    assert status == 200
    assert "new" not in answer.values()
    assert (old.status, new.status) == (401, 200)


async def test_base_url_names_the_api_version_when_port_is_picked() -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert not sim.url.endswith(":0")
        assert sim.base_url == f"{sim.url}/v23.0"
