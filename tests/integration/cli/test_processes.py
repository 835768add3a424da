"""The API server as `pytake serve` configures it: whose X-Forwarded-* headers are believed."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
import uvicorn

from pytake.bootstrap import migrate
from pytake.cli.processes import api_server_config, free_port
from pytake.core.db import Database
from pytake.core.settings import get_settings
from pytake.organizations.service import create_api_key, get_or_create_organization
from pytake.web.throttling import LIMIT

pytestmark = pytest.mark.integration

Serving = Callable[[str | None], AbstractAsyncContextManager[httpx.AsyncClient]]
BAD_KEY = {"Authorization": "Bearer ptk_guessed"}


@pytest.fixture
async def api_key(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A key in a migrated database, which the server's environment names."""
    monkeypatch.setenv("PYTAKE_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    db = Database(sqlite_url)
    await migrate(db)
    async with db.transaction() as session:
        key = await create_api_key(session, await get_or_create_organization(session, "acme"))
    await db.dispose()
    yield key
    get_settings.cache_clear()


@pytest.fixture
def serving(api_key: str) -> Serving:
    @asynccontextmanager
    async def serve(trusted_proxies: str | None) -> AsyncIterator[httpx.AsyncClient]:
        port = free_port()
        server = uvicorn.Server(
            api_server_config("127.0.0.1", port, trusted_proxies=trusted_proxies)
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                yield client
        finally:
            server.should_exit = True
            await task

    return serve


async def bad_call(client: httpx.AsyncClient, forwarded_for: str) -> int:
    headers = {**BAD_KEY, "X-Forwarded-For": forwarded_for}
    return (await client.get("/api/v1/campaigns", headers=headers)).status_code


async def test_forwarded_for_is_ignored_so_addresses_cannot_be_made_up_when_no_proxy_is_trusted(
    serving: Serving,
) -> None:
    async with serving(None) as client:
        answers = [await bad_call(client, f"203.0.113.{n}") for n in range(LIMIT + 1)]
    assert answers == [401] * LIMIT + [429]


async def test_the_client_behind_a_trusted_proxy_is_throttled_and_gets_secure_cookies(
    serving: Serving, api_key: str
) -> None:
    async with serving("127.0.0.1") as client:
        answers = [await bad_call(client, "203.0.113.7") for _ in range(LIMIT + 1)]
        neighbour = await bad_call(client, "203.0.113.8")
        headers = {"X-Forwarded-For": "203.0.113.8", "X-Forwarded-Proto": "https"}
        signed_in = await client.post("/sign-in", data={"api_key": api_key}, headers=headers)
    assert (answers, neighbour) == ([401] * LIMIT + [429], 401)
    assert signed_in.status_code == 303
    assert "Secure" in {part.strip() for part in signed_in.headers["set-cookie"].split(";")}
    assert "max-age=31536000" in signed_in.headers["strict-transport-security"]


async def test_forwarded_proto_is_ignored_so_a_loopback_server_sets_no_secure_cookie(
    serving: Serving, api_key: str
) -> None:
    async with serving(None) as client:
        signed_in = await client.post(
            "/sign-in", data={"api_key": api_key}, headers={"X-Forwarded-Proto": "https"}
        )
    assert signed_in.status_code == 303
    assert "Secure" not in signed_in.headers["set-cookie"]
    assert "strict-transport-security" not in signed_in.headers
