"""End-to-end fixtures: a simulator process, alone or signing its webhooks to a `pytake serve`."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytake.cli.processes import free_port
from support.e2e import APP_SECRET
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


@pytest.fixture
def serve_port() -> int:
    return free_port()


@pytest.fixture
def signing_simulator_url(tmp_path: Path, serve_port: int) -> Iterator[str]:
    """A simulator whose signed status webhooks go to the `pytake serve` under test."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    webhook = f"http://127.0.0.1:{serve_port}/webhooks/meta"
    args = ["simulator", "--port", str(port), "--seed", "9", "--webhook-url", webhook,
            "--app-secret", APP_SECRET, "--webhook-delay", "0.1"]  # fmt: skip
    with running(args, env={}, log=tmp_path / "simulator.log", ready_url=f"{url}/_sim/health"):
        yield url
