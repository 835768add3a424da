"""Drives the product as a user would: the simulator's admin API and the public HTTP API."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx
import pytest

from pytake.whatsapp.simulator import RunningSimulator


async def sim_call(simulator: RunningSimulator, method: str, path: str, body: Any = None) -> Any:
    """One call to the simulator's admin API over real HTTP."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, simulator.url + path, json=body) as answer,
    ):
        answer.raise_for_status()
        return await answer.json() if answer.content_type == "application/json" else None


async def accepted_log(simulator: RunningSimulator) -> list[dict[str, Any]]:
    log = await sim_call(simulator, "GET", "/_sim/messages?limit=100000")
    return list(log["messages"])


async def wait_for(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


class Scenario:
    """Builds a number, contacts and a campaign through the public API, then drives it."""

    def __init__(
        self, api: httpx.AsyncClient, auth: dict[str, str], simulator: RunningSimulator
    ) -> None:
        self.api, self.auth, self.simulator = api, auth, simulator

    async def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        answer = await self.api.request(method, "/api/v1" + path, headers=self.auth, **kwargs)
        assert answer.status_code == expect, answer.text
        return answer.json() if answer.content else None

    async def number(self, **fields: Any) -> str:
        body = {
            "phone_number_id": "106540352242922",
            "display_phone_number": "15550783881",
            "access_token": "sim-token",
            "api_base_url": self.simulator.base_url,
            **fields,
        }
        return str((await self.call("POST", "/whatsapp-numbers", 201, json=body))["id"])

    async def contacts(self, count: int, *, first: int = 1) -> list[dict[str, Any]]:
        body = [
            {"name": f"Contact {i}", "phone": f"+5511{900000000 + i}", "tags": ["all"]}
            for i in range(first, first + count)
        ]
        await self.call("POST", "/contacts/bulk", json=body)
        page = await self.call("GET", "/contacts", params={"limit": 1000, "tag": "all"})
        return list(page["items"])

    async def campaign(self, number_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Spring sale",
            "whatsapp_number_id": number_id,
            "template": {
                "name": "spring_sale",
                "language": "pt_BR",
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": "{{contact.name}}"}]}
                ],
            },
            "contact_tags": ["all"],
            "retry_base_delay": 10,
            "retry_max_delay": 60,
            **fields,
        }
        return dict(await self.call("POST", "/campaigns", 201, json=body))

    async def started(
        self, count: int, *, number: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A campaign over `count` new contacts (on a new number with `number`), started."""
        number_id = await self.number(**(number or {}))
        await self.contacts(count)
        campaign = await self.campaign(number_id, **fields)
        return dict(await self.call("POST", f"/campaigns/{campaign['id']}/start"))

    async def get(self, campaign_id: str) -> dict[str, Any]:
        return dict(await self.call("GET", f"/campaigns/{campaign_id}"))

    async def records(self, campaign_id: str) -> list[dict[str, Any]]:
        page = await self.call("GET", f"/campaigns/{campaign_id}/messages", params={"limit": 1000})
        return list(page["items"])

    async def wait_status(self, campaign_id: str, status: str, timeout: float = 20.0) -> None:
        async def reached() -> bool:
            return (await self.get(campaign_id))["status"] == status

        await wait_for(reached, timeout=timeout, what=f"campaign {status}")
