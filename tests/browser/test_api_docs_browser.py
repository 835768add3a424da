"""`/docs` in Chromium with every other origin cut off: the operations list still renders,
and nothing on the page breaks its 'self'-only policy."""

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytake.cli.processes import free_port
from support.processes import running

if TYPE_CHECKING:
    from playwright.async_api import Browser, Route

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("docs")
    env = {"PYTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'pytake.db'}"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(
        ["serve", "--port", str(port)], env=env, log=folder / "serve.log", ready_url=f"{url}/health"
    ):
        yield url


async def test_operations_render_offline_without_a_policy_violation(
    chromium: "Browser", server: str, screenshots: Path
) -> None:
    page = await chromium.new_page()
    elsewhere: list[str] = []

    async def only_this_server(route: "Route") -> None:
        if route.request.url.startswith(server + "/"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_this_server)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )

    await page.goto(f"{server}/docs")
    await page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = await page.locator(".opblock-summary-path").all_inner_texts()
    # Opening an operation renders its parameters and schemas: more of what the policy checks.
    await page.locator(".opblock-post .opblock-summary").first.click()
    await page.wait_for_selector(".opblock-body .parameters-container, .opblock-body .body-param")
    await page.screenshot(path=str(screenshots / "api-docs.png"), full_page=False)

    assert "/api/v1/whatsapp-numbers" in {p.replace("\u200b", "") for p in paths}
    assert len(paths) > 20
    assert (elsewhere, problems) == ([], [])
    await page.close()
