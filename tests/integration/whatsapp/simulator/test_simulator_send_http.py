"""The send endpoint over real HTTP: accepted like Meta, refused like Meta."""

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from pytake.whatsapp.simulator import SimulatorConfig, running_simulator

Send = Callable[..., Awaitable[aiohttp.ClientResponse]]
CONFIG = SimulatorConfig(port=0)


async def test_template_example_is_accepted_with_meta_shape_when_body_is_the_spec_example(
    send: Send, template_body: Callable[[str], dict[str, Any]], fixtures_dir: Path
) -> None:
    expected = json.loads(
        (fixtures_dir / "send_success_response_template_accepted.json").read_bytes()
    )
    async with running_simulator(CONFIG) as sim:
        response = await send(sim.base_url, template_body("+1 (650) 555-1234"))
    answer = await response.json()
    assert response.status == 200
    assert answer.keys() == expected.keys()
    assert answer["contacts"] == [{"input": "+1 (650) 555-1234", "wa_id": "16505551234"}]
    assert answer["messages"][0].keys() == expected["messages"][0].keys()
    assert answer["messages"][0]["id"].startswith("wamid.")
    assert answer["messages"][0]["message_status"] == "accepted"


async def test_text_example_is_accepted_when_body_is_the_spec_example(
    send: Send, fixtures_dir: Path
) -> None:
    body = json.loads((fixtures_dir / "send_text_request.json").read_bytes())
    async with running_simulator(CONFIG) as sim:
        response = await send(sim.base_url, {**body, "to": "16505551234"})
    answer = await response.json()
    assert response.status == 200
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"][0]["wa_id"] == "16505551234"


async def test_wamids_are_unique_when_sending_many(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(CONFIG) as sim:
        responses = [await send(sim.base_url, template_body(f"1650555{i:04d}")) for i in range(50)]
    wamids = {(await response.json())["messages"][0]["id"] for response in responses}
    assert len(wamids) == 50


async def test_send_is_refused_with_190_when_token_is_wrong(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(CONFIG) as sim:
        wrong = await send(sim.base_url, template_body("16505551234"), token="other")
        missing = await send(sim.base_url, template_body("16505551234"), token=None)
    for response in (wrong, missing):
        error = (await response.json())["error"]
        assert response.status == 401
        assert error["code"] == 190
        assert error["type"] == "OAuthException"
        assert "fbtrace_id" in error


async def test_send_is_refused_with_100_naming_the_field_when_template_name_is_missing(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    body = template_body("16505551234")
    body["template"] = {"language": {"code": "en_US"}}
    async with running_simulator(CONFIG) as sim:
        response = await send(sim.base_url, body)
    error = (await response.json())["error"]
    assert response.status == 400
    assert error["code"] == 100
    assert "template.name" in error["message"]
    assert "template.name" in error["error_data"]["details"]


async def test_send_is_refused_with_131009_when_recipient_is_not_a_number(
    send: Send, template_body: Callable[[str], dict[str, Any]]
) -> None:
    async with running_simulator(CONFIG) as sim:
        response = await send(sim.base_url, template_body("{{Recipient-Phone-Number}}"))
    error = (await response.json())["error"]
    assert (response.status, error["code"]) == (400, 131009)
    assert "to" in error["message"]


async def test_send_is_refused_with_100_when_body_is_not_json(http: aiohttp.ClientSession) -> None:
    headers = {"Authorization": "Bearer sim-token"}
    async with running_simulator(CONFIG) as sim:
        url = f"{sim.base_url}/106540352242922/messages"
        async with http.post(url, data=b"{not json", headers=headers) as response:
            status, answer = response.status, await response.json()
    assert (status, answer["error"]["code"]) == (400, 100)


async def test_accepted_log_records_the_send_when_callback_data_is_given(
    send: Send,
    admin: Callable[..., Awaitable[tuple[int, Any]]],
    template_body: Callable[[str], dict[str, Any]],
) -> None:
    body = {**template_body("+16505551234"), "biz_opaque_callback_data": "msg-1"}
    async with running_simulator(CONFIG) as sim:
        answer = await (await send(sim.base_url, body)).json()
        _, log = await admin("GET", f"{sim.url}/_sim/messages")
    assert log["count"] == 1
    assert log["messages"][0] == {
        "wamid": answer["messages"][0]["id"],
        "to": "+16505551234",
        "wa_id": "16505551234",
        "phone_number_id": "106540352242922",
        "template_name": "template-name",
        "biz_opaque_callback_data": "msg-1",
        "accepted_at": log["messages"][0]["accepted_at"],
    }
    assert log["messages"][0]["accepted_at"].endswith("+00:00")
