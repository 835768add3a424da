"""Injected faults over real HTTP: rules per recipient and probabilities."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from pytake.whatsapp.simulator import (
    SimulatorConfig,
    parse_rule,
    running_simulator,
    update_config,
)

Send = Callable[..., Awaitable[aiohttp.ClientResponse]]
Admin = Callable[..., Awaitable[tuple[int, Any]]]
RECIPIENT = "5511999990001"


async def test_send_fails_twice_then_succeeds_when_a_rule_has_times_two(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    config = SimulatorConfig(port=0, rules=(parse_rule(f"{RECIPIENT}:131000:2"),))
    async with running_simulator(config) as sim:
        responses = [await send(sim.base_url, template_body(f"+{RECIPIENT}")) for _ in range(3)]
    assert [response.status for response in responses] == [500, 500, 200]
    error = (await responses[0].json())["error"]
    assert error["code"] == 131000
    assert error["message"] == "(#131000) Something went wrong"
    assert error["error_data"]["details"]


async def test_rule_applies_until_cleared_when_added_at_runtime(
    send: Send, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        rules = [{"recipient": RECIPIENT, "code": 133004}]
        added = await admin("POST", f"{sim.url}/_sim/rules", rules)
        first = await send(sim.base_url, template_body(RECIPIENT))
        cleared = await admin("DELETE", f"{sim.url}/_sim/rules")
        second = await send(sim.base_url, template_body(RECIPIENT))
    assert added[0] == 200
    assert added[1]["rules"][0]["code"] == 133004
    assert cleared == (200, {"rules": []})
    assert (first.status, (await first.json())["error"]["code"]) == (503, 133004)
    assert second.status == 200


async def test_rule_is_refused_with_422_when_its_code_is_unknown_text(admin: Admin) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        rules = [{"recipient": RECIPIENT, "code": "explode"}]
        status, answer = await admin("POST", f"{sim.url}/_sim/rules", rules)
    assert status == 422
    assert "explode" in answer["error"]


@pytest.mark.parametrize(("word", "status"), [("garbage", 502), ("http500", 500)])
async def test_body_is_not_json_when_rule_is_a_raw_http_fault(
    send: Send, template_body: Callable[[str], dict[str, Any]], word: str, status: int
) -> None:
    config = SimulatorConfig(port=0, rules=(parse_rule(f"{RECIPIENT}:{word}"),))
    async with running_simulator(config) as sim:
        response = await send(sim.base_url, template_body(RECIPIENT))
    assert response.status == status
    assert response.content_type == "text/html"
    assert (await response.text()).startswith("<html>")


async def test_client_times_out_and_nothing_is_logged_when_rule_is_timeout(
    http: aiohttp.ClientSession, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    config = SimulatorConfig(port=0, timeout_seconds=5, rules=(parse_rule(f"{RECIPIENT}:timeout"),))
    async with running_simulator(config) as sim:
        url = f"{sim.base_url}/106540352242922/messages"
        headers = {"Authorization": "Bearer sim-token"}
        timeout = aiohttp.ClientTimeout(total=0.3)
        body = template_body(RECIPIENT)
        with pytest.raises(asyncio.TimeoutError):
            async with http.post(url, json=body, headers=headers, timeout=timeout):
                pass
        _, stats = await admin("GET", f"{sim.url}/_sim/stats")
    assert stats["rejected"] == {"timeout": 1}


async def test_message_is_logged_although_the_reply_is_lost_when_timeouts_accept(
    http: aiohttp.ClientSession, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    config = SimulatorConfig(
        port=0, timeout_seconds=5, timeout_accepts=True, rules=(parse_rule(f"{RECIPIENT}:timeout"),)
    )
    async with running_simulator(config) as sim:
        url = f"{sim.base_url}/106540352242922/messages"
        headers = {"Authorization": "Bearer sim-token"}
        with pytest.raises(asyncio.TimeoutError):
            async with http.post(
                url,
                json=template_body(RECIPIENT),
                headers=headers,
                timeout=aiohttp.ClientTimeout(0.3),
            ):
                pass
        _, log = await admin("GET", f"{sim.url}/_sim/messages")
    assert log["count"] == 1


@pytest.mark.parametrize(
    ("rate", "status", "code"),
    [
        ("permanent_rate", 400, 131026),
        ("throttle_rate", 400, 130429),
        ("halting_rate", 401, 190),
    ],
)
async def test_every_send_fails_with_the_class_code_when_its_rate_is_one(
    send: Send,
    template_body: Callable[[str], dict[str, Any]],
    rate: str,
    status: int,
    code: int,
) -> None:
    async with running_simulator(update_config(SimulatorConfig(port=0), {rate: 1.0})) as sim:
        responses = [await send(sim.base_url, template_body(f"1650555{i:04d}")) for i in range(5)]
    for response in responses:
        assert (response.status, (await response.json())["error"]["code"]) == (status, code)


async def test_transient_faults_are_retryable_kinds_when_transient_rate_is_one(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0, transient_rate=1.0, seed=3)) as sim:
        responses = [await send(sim.base_url, template_body(f"1650555{i:04d}")) for i in range(40)]
    assert {response.status for response in responses} == {500, 502, 503}


async def test_same_sends_fail_when_the_seed_is_the_same(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async def run() -> list[int]:
        config = SimulatorConfig(port=0, transient_rate=0.3, permanent_rate=0.2, seed=11)
        async with running_simulator(config) as sim:
            bodies = [template_body(f"1650555{i:04d}") for i in range(30)]
            return [(await send(sim.base_url, body)).status for body in bodies]

    assert await run() == await run()


async def test_faults_start_when_a_rate_is_raised_at_runtime(
    send: Send, admin: Admin, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(SimulatorConfig(port=0)) as sim:
        before = await send(sim.base_url, template_body(RECIPIENT))
        _, changed = await admin("POST", f"{sim.url}/_sim/config", {"permanent_rate": 1})
        after = await send(sim.base_url, template_body(RECIPIENT))
    assert changed["permanent_rate"] == 1.0
    assert (before.status, after.status) == (200, 400)
