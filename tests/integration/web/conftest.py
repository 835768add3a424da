"""Web fixtures: the app served on a real port, and a browser-like client signed in by cookie."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from pytake.bootstrap import Runtime
from pytake.cli.processes import free_port
from pytake.web.app import create_app
from support.dashboard import LOOPBACK_URL, sign_in


@pytest.fixture
async def live_server(runtime: Runtime) -> AsyncIterator[str]:
    """The app around the test's runtime on 127.0.0.1, for real WebSocket clients."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime, manage_runtime=False),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def browser(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client keeping cookies like a browser, sending no API key, on a loopback dashboard."""
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    async with httpx.AsyncClient(transport=transport, base_url=LOOPBACK_URL) as client:
        yield client


@pytest.fixture
async def csrf_token(browser: httpx.AsyncClient, auth: dict[str, str]) -> str:
    """Signs `browser` in as "acme"."""
    return await sign_in(browser, auth)
