"""Integration fixtures: real databases (SQLite and PostgreSQL), a runtime, an API client, keys."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from pytake.bootstrap import Runtime, migrate
from pytake.cli.processes import free_port
from pytake.core.clock import OffsetClock
from pytake.core.settings import Settings
from pytake.organizations.service import create_api_key, get_or_create_organization
from pytake.web.app import create_app
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig, running_simulator
from support.scenario import Scenario


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Tests override this to change the runtime's settings."""
    return {}


@pytest.fixture
def simulator_port() -> int:
    """The port the `simulator` fixture listens on, chosen before it starts."""
    return free_port()


@pytest.fixture
async def runtime(
    database_url: str,
    clock: OffsetClock,
    settings_overrides: dict[str, object],
    simulator_port: int,
) -> AsyncIterator[Runtime]:
    """A migrated runtime; its engine is not started (tests start it when they need it).

    Its numbers may send to the `simulator` fixture's origin.
    """
    overrides = {"whatsapp_api_hosts": f"http://127.0.0.1:{simulator_port}", **settings_overrides}
    settings = Settings(
        database_url=database_url,
        dispatch_interval_seconds=0.05,
        **overrides,  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, clock=clock)
    await migrate(runtime.db)
    try:
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def api(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime, manage_runtime=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pytake.test") as client:
        yield client


async def new_api_key(runtime: Runtime, organization: str) -> str:
    async with runtime.db.transaction() as session:
        org = await get_or_create_organization(session, organization)
        return await create_api_key(session, org)


@pytest.fixture
async def auth(runtime: Runtime) -> dict[str, str]:
    """Headers carrying a key of the organization "acme"."""
    return {"Authorization": f"Bearer {await new_api_key(runtime, 'acme')}"}


@pytest.fixture
async def other_auth(runtime: Runtime) -> dict[str, str]:
    """Headers carrying a key of another organization, "globex"."""
    return {"Authorization": f"Bearer {await new_api_key(runtime, 'globex')}"}


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Tests override this to make the simulator misbehave."""
    return SimulatorConfig(port=0, seed=1)


@pytest.fixture
async def simulator(
    simulator_config: SimulatorConfig, simulator_port: int
) -> AsyncIterator[RunningSimulator]:
    config = dataclasses.replace(simulator_config, host="127.0.0.1", port=simulator_port)
    async with running_simulator(config) as running:
        yield running


@pytest.fixture
def scenario(api: httpx.AsyncClient, auth: dict[str, str], simulator: RunningSimulator) -> Scenario:
    return Scenario(api, auth, simulator)


@pytest.fixture
async def engine(runtime: Runtime) -> Runtime:
    """The runtime with its in-process engine running (the runtime fixture stops it)."""
    await runtime.start()
    return runtime
