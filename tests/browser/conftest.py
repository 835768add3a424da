"""Browser fixtures: `pytake serve` and `pytake simulator` as processes, Debian's Chromium."""

import importlib.util
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytake.cli.processes import free_port
from support import REPO_ROOT, skip_or_fail
from support.processes import pytake, running

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, and quiet: this machine's network refuses Chromium's background calls.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
APP_SECRET = "browser-test-secret"


@dataclass(frozen=True)
class Servers:
    url: str
    simulator_url: str
    api_key: str


@pytest.fixture
async def chromium() -> AsyncIterator["Browser"]:
    """Chromium driven on the test's own event loop (the sync API would replace that loop)."""
    if not CHROMIUM.is_file():
        skip_or_fail(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        skip_or_fail("the playwright package is not installed (pip install -e '.[dev]')")
    # Imported here: without the package the fixture above skips (or fails) with a reason.
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The simulator (signing status webhooks) and `pytake serve` on a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("dashboard")
    port, simulator_port = free_port(), free_port()
    url, simulator_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{simulator_port}"
    env = {
        "PYTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'pytake.db'}",
        "PYTAKE_WHATSAPP_APP_SECRET": APP_SECRET,
        "PYTAKE_WHATSAPP_API_HOSTS": simulator_url,
    }
    created = pytake("apikey", "create", "--org", "Acme Retail", env=env)
    assert created.returncode == 0, created.stderr
    api_key = created.stdout.strip().splitlines()[-1]
    simulator = ["simulator", "--port", str(simulator_port), "--seed", "5"]
    webhooks = ["--webhook-url", f"{url}/webhooks/meta", "--app-secret", APP_SECRET]
    faults = ["--permanent-rate", "0.03", "--rule", "5511970000007:131000:1"]
    with (
        running(
            [*simulator, *webhooks, *faults, "--webhook-delay", "0.3"],
            env={},
            log=folder / "simulator.log",
            ready_url=f"{simulator_url}/_sim/health",
        ),
        running(
            ["serve", "--port", str(port)],
            env=env,
            log=folder / "serve.log",
            ready_url=f"{url}/health",
        ),
    ):
        yield Servers(url=url, simulator_url=simulator_url, api_key=api_key)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
