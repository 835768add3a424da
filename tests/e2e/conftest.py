"""End-to-end fixtures: a database URL of each kind and a simulator process."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytake.cli.processes import free_port
from support.processes import running


@pytest.fixture
def simulator_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(
        ["simulator", "--port", str(port), "--seed", "3"],
        env={},
        log=tmp_path / "simulator.log",
        ready_url=f"{url}/_sim/health",
    ):
        yield url
