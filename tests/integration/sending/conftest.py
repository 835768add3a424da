"""Fixtures for engine tests: a simulator on a real port and a campaign builder over the API."""

from collections.abc import AsyncIterator

import httpx
import pytest

from pytake.bootstrap import Runtime
from pytake.whatsapp.simulator import RunningSimulator, SimulatorConfig, running_simulator
from support.scenario import Scenario


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
