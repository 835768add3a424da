"""Builds the simulator's aiohttp application from a config."""

from collections.abc import AsyncIterator

from aiohttp import web

from pytake.whatsapp.simulator.admin import AdminEndpoints
from pytake.whatsapp.simulator.config import SimulatorConfig, validate_config
from pytake.whatsapp.simulator.send import SendEndpoint
from pytake.whatsapp.simulator.state import SimulatorState

STATE_KEY = web.AppKey("pytake_simulator_state", SimulatorState)
SEND_PATH = r"/{version:v[0-9]+\.[0-9]+}/{phone_number_id}/messages"


def create_app(config: SimulatorConfig) -> web.Application:
    """A ready-to-run application; raises ConfigError when the config is out of range."""
    state = SimulatorState(validate_config(config))
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_post(SEND_PATH, SendEndpoint(state).handle)
    app.router.add_routes(AdminEndpoints(state).routes())
    app.cleanup_ctx.append(_webhooks_running)
    app.on_shutdown.append(_release_hanging_requests)
    return app


async def _webhooks_running(app: web.Application) -> AsyncIterator[None]:
    webhooks = app[STATE_KEY].webhooks
    await webhooks.start()
    yield
    await webhooks.close()


async def _release_hanging_requests(app: web.Application) -> None:
    # Simulated timeouts would otherwise hold the shutdown for up to timeout_seconds.
    app[STATE_KEY].closing.set()
