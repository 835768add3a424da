"""Web fixtures: the app served on a real port, and a browser-like client signed in by cookie."""

from collections.abc import AsyncIterator

import httpx
import pytest

from pytake.bootstrap import Runtime
from pytake.cli.processes import free_port
from pytake.web.app import create_app
from support.app_server import app_serving
from support.dashboard import LOOPBACK_URL, sign_in


@pytest.fixture
async def live_server(runtime: Runtime) -> AsyncIterator[str]:
    """The app around the test's runtime on 127.0.0.1, for real WebSocket clients."""
    port = free_port()
    app = create_app(runtime, manage_runtime=False)
    async with app_serving(app, port, log_level="warning", lifespan="on"):
        yield f"127.0.0.1:{port}"


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
