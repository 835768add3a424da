"""Fixtures for the simulator over real HTTP: the shared examples, a client session, a sender."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

PHONE_NUMBER_ID = "106540352242922"
TOKEN = "sim-token"


@pytest.fixture
def template_body(fixtures_dir: Path) -> Callable[[str], dict[str, Any]]:
    """The spec's template example with a real recipient."""
    example = json.loads((fixtures_dir / "send_template_request.json").read_bytes())

    def build(to: str) -> dict[str, Any]:
        return {**example, "to": to}

    return build


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def send(http: aiohttp.ClientSession) -> Callable[..., Awaitable[aiohttp.ClientResponse]]:
    """POST a body to a simulator's messages endpoint; the response is read before returning."""

    async def post(
        base_url: str, body: object, *, token: str | None = TOKEN
    ) -> aiohttp.ClientResponse:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        url = f"{base_url}/{PHONE_NUMBER_ID}/messages"
        async with http.post(url, json=body, headers=headers) as response:
            await response.read()
            return response

    return post


@pytest.fixture
def admin(http: aiohttp.ClientSession) -> Callable[..., Awaitable[tuple[int, Any]]]:
    """Call an admin endpoint; returns the status and the decoded JSON answer."""

    async def call(method: str, url: str, body: object = None) -> tuple[int, Any]:
        async with http.request(method, url, json=body) as response:
            return response.status, await response.json()

    return call
