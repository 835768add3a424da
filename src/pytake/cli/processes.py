"""Starting helper processes and servers for the demo and benchmarks: ports, waits, shutdown."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import aiohttp
import uvicorn

# The web layer is loaded by import string, so the command line never imports it.
WEB_APP_FACTORY = "pytake.web.app:app_from_environment"


def api_server_config(
    host: str, port: int, *, trusted_proxies: str | None = None
) -> uvicorn.Config:
    """The API server; X-Forwarded-For/-Proto are believed only from `trusted_proxies`."""
    return uvicorn.Config(
        WEB_APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        proxy_headers=trusted_proxies is not None,
        forwarded_allow_ips=trusted_proxies,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_answering(url: str, *, timeout: float = 20.0) -> None:
    """Polls `url` until it answers 200; raises RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:g}s")
            await asyncio.sleep(0.1)


@contextlib.contextmanager
def pytake_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`pytake ARGS` in its own process (its own core), quiet, stopped when the block ends."""
    command = [sys.executable, "-m", "pytake", *args]
    process = subprocess.Popen(  # noqa: S603
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def simulator_process(port: int, *options: str) -> Iterator[str]:
    """`pytake simulator` in its own process; yields its root URL."""
    with pytake_process("simulator", "--port", str(port), *options):
        yield f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def serving(port: int) -> AsyncIterator[str]:
    """Serves the web app (with its engine) on 127.0.0.1:`port` in this loop; yields its URL."""
    server = uvicorn.Server(api_server_config("127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"the API server could not start on port {port}")
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
