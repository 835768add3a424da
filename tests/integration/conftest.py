"""Integration fixtures: real databases (SQLite and PostgreSQL), a runtime, an API client, keys."""

from collections.abc import AsyncIterator

import httpx
import pytest

from pytake.bootstrap import Runtime, migrate
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
async def runtime(
    database_url: str, clock: OffsetClock, settings_overrides: dict[str, object]
) -> AsyncIterator[Runtime]:
    """A migrated runtime; its engine is not started (tests start it when they need it)."""
    settings = Settings(
        database_url=database_url,
        dispatch_interval_seconds=0.05,
        **settings_overrides,  # type: ignore[arg-type]
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
async def simulator(simulator_config: SimulatorConfig) -> AsyncIterator[RunningSimulator]:
    async with running_simulator(simulator_config) as running:
        yield running


@pytest.fixture
def scenario(api: httpx.AsyncClient, auth: dict[str, str], simulator: RunningSimulator) -> Scenario:
    return Scenario(api, auth, simulator)


@pytest.fixture
async def engine(runtime: Runtime) -> Runtime:
    """The runtime with its in-process engine running (the runtime fixture stops it)."""
    await runtime.start()
    return runtime
