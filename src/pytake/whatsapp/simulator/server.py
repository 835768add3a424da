"""Runs the simulator: inside the caller's event loop (tests, demo) or as a blocking process."""

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from pytake.whatsapp.simulator.app import STATE_KEY, create_app
from pytake.whatsapp.simulator.config import API_VERSION, SimulatorConfig
from pytake.whatsapp.simulator.state import SimulatorState

_SHUTDOWN_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class RunningSimulator:
    """A simulator listening on a real port."""

    url: str
    base_url: str
    config: SimulatorConfig
    state: SimulatorState


@contextlib.asynccontextmanager
async def running_simulator(config: SimulatorConfig) -> AsyncIterator[RunningSimulator]:
    """Serve on config.host:config.port (0 picks a free port) until the block exits."""
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        url = f"http://{_url_host(host)}:{port}"
        state = app[STATE_KEY]
        yield RunningSimulator(
            url=url, base_url=f"{url}/{API_VERSION}", config=state.config, state=state
        )
    finally:
        await runner.cleanup()


def run_simulator(
    config: SimulatorConfig, *, on_ready: Callable[[RunningSimulator], None] | None = None
) -> None:
    """Serve until SIGINT or SIGTERM; `on_ready` is told the address once the port is bound."""
    asyncio.run(_serve_until_stopped(config, on_ready))


async def _serve_until_stopped(
    config: SimulatorConfig, on_ready: Callable[[RunningSimulator], None] | None
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with running_simulator(config) as simulator:
        if on_ready is not None:
            on_ready(simulator)
        await stop.wait()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
