"""The dashboard in Chromium against real `pytake serve` and `pytake simulator` processes."""

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from .conftest import Servers

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CONTACTS = 300
FIRST_NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabi", "Hugo", "Íris", "João"]
# Generous bounds for a slow machine; they guard against a hang, they measure nothing.
LIVE_TIMEOUT_MS = 120_000


def _contacts_csv(folder: Path) -> Path:
    rows = ["name,phone,tags,city"]
    rows += [
        f"{FIRST_NAMES[i % 10]} {i},+55 11 9{70000000 + i},spring;vip,São Paulo"
        for i in range(CONTACTS)
    ]
    rows += ["No Phone,12,spring,Rio", ",+5511970009999,spring,Rio"]
    path = folder / "contacts.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


async def _sign_in(page: "Page", servers: Servers) -> None:
    await page.goto(f"{servers.url}/sign-in")
    await page.fill("#api_key", servers.api_key)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{servers.url}/")


async def _add_number(page: "Page", servers: Servers) -> None:
    await page.click("nav >> text=WhatsApp numbers")
    await page.fill("#display_phone_number", "+1 555 078 3881")
    await page.fill("#phone_number_id", "106540352242922")
    await page.fill("#access_token", "sim-token")
    await page.fill("#throughput_mps", "200")
    await page.fill("#api_base_url", f"{servers.simulator_url}/v23.0")
    await page.click("text=Add number")
    await page.wait_for_selector("text=Number added.")


async def _upload_contacts(page: "Page", csv_path: Path) -> None:
    await page.click("nav >> text=Contacts")
    await page.set_input_files("#file", str(csv_path))
    await page.click("text=Upload contacts")
    await page.wait_for_selector("[data-import-report]")
    assert await page.inner_text('[data-count="created"]') == str(CONTACTS)
    assert await page.inner_text('[data-count="errors"]') == "2"
    assert "invalid phone number" in await page.inner_text("[data-row-errors]")


async def _create_campaign(page: "Page") -> None:
    await page.click("nav >> text=Campaigns")
    await page.click("text=New campaign")
    await page.fill("#name", "Spring sale 2026")
    await page.fill("#template_name", "spring_sale")
    await page.fill("#template_language", "pt_BR")
    await page.fill("#body_parameters", "{{contact.name}}\n{{contact.attributes.city}}")
    await page.fill("#tags", "spring")
    await page.fill("#retry_base_delay", "10")
    await page.fill("#retry_max_delay", "60")
    await page.click("text=Create campaign")
    await page.wait_for_selector("[data-campaign][data-status=draft]")


async def test_campaign_made_in_the_dashboard_reaches_100_percent_live_when_started(
    chromium: "Browser", servers: Servers, screenshots: Path, tmp_path: Path
) -> None:
    page = await chromium.new_page(viewport=DESKTOP)
    await _sign_in(page, servers)
    await _add_number(page, servers)
    await _upload_contacts(page, _contacts_csv(tmp_path))
    await _create_campaign(page)
    await page.wait_for_selector('[data-live][data-state="live"]')
    await page.evaluate("window.pytakeSamePage = true")

    await page.click("[data-action=start]")
    await page.wait_for_selector('[data-progress][aria-valuenow="100"]', timeout=LIVE_TIMEOUT_MS)
    await page.wait_for_selector("[data-campaign][data-status=completed]", timeout=LIVE_TIMEOUT_MS)

    assert await page.evaluate("window.pytakeSamePage") is True
    assert await page.inner_text("[data-progress-value]") == "100"
    assert await page.inner_text("[data-status-badge]") == "Completed"
    assert await page.inner_text('[data-stat="pending"]') == "0"
    await page.wait_for_selector('[data-insight="attempts"] svg.chart')
    await page.screenshot(path=str(screenshots / "campaign-desktop.png"), full_page=True)
    await page.click("nav >> text=Campaigns")
    await page.wait_for_selector("[data-campaign-row]")
    await page.screenshot(path=str(screenshots / "campaigns-desktop.png"), full_page=True)
    await page.close()


async def _any_campaign(servers: Servers) -> str:
    """The newest campaign; one is made through the JSON API when this test runs alone."""
    headers = {"Authorization": f"Bearer {servers.api_key}"}
    async with httpx.AsyncClient(
        base_url=f"{servers.url}/api/v1", headers=headers, timeout=30
    ) as api:
        campaigns = (await api.get("/campaigns")).json()["items"]
        if campaigns:
            return str(campaigns[0]["id"])
        number = await api.post("/whatsapp-numbers", json=_PHONE_CHECK_NUMBER)
        contacts = [
            {"name": f"Phone {i}", "phone": f"+5521{960000000 + i}", "tags": ["p"]}
            for i in range(5)
        ]
        (await api.post("/contacts/bulk", json=contacts)).raise_for_status()
        campaign = await api.post(
            "/campaigns",
            json={
                "name": "Phone check",
                "whatsapp_number_id": number.json()["id"],
                "template": {"name": "hello_world", "language": "en_US"},
                "contact_tags": ["p"],
            },
        )
        return str(campaign.json()["id"])


_PHONE_CHECK_NUMBER = {
    "phone_number_id": "106540352242922",
    "display_phone_number": "+1 555 078 3881",
    "access_token": "sim-token",
}


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("campaigns", "/"),
        ("campaign", "/campaigns/{campaign_id}"),
        ("contacts", "/contacts"),
        ("numbers", "/numbers"),
        ("new-campaign", "/campaigns/new"),
    ],
)
async def test_page_fits_a_phone_screen_when_390_pixels_wide(
    chromium: "Browser", servers: Servers, screenshots: Path, name: str, path: str
) -> None:
    page = await chromium.new_page(viewport=PHONE, device_scale_factor=2)
    await _sign_in(page, servers)
    await page.goto(servers.url + path.format(campaign_id=await _any_campaign(servers)))
    await page.wait_for_load_state("networkidle")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=True)
    await page.close()


async def test_the_session_ends_at_the_next_page_load_when_its_key_is_revoked(
    chromium: "Browser", servers: Servers, screenshots: Path
) -> None:
    async with httpx.AsyncClient(
        base_url=f"{servers.url}/api/v1",
        headers={"Authorization": f"Bearer {servers.api_key}"},
        timeout=30,
    ) as api:
        created = await api.post("/api-keys", json={"name": "Front desk laptop"})
        assert created.status_code == 201, created.text
        key = created.json()
        page = await chromium.new_page(viewport=DESKTOP)
        await _sign_in(page, Servers(servers.url, servers.simulator_url, key["key"]))
        assert await page.is_visible("nav >> text=Campaigns")

        revoked = await api.delete(f"/api-keys/{key['id']}")
        assert revoked.status_code == 204
        await page.reload()

    await page.wait_for_url(f"{servers.url}/sign-in")
    assert await page.is_visible("#api_key")
    await page.screenshot(
        path=str(screenshots / "signed-out-after-key-revoked.png"), full_page=True
    )
    await page.close()
