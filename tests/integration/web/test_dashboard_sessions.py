"""Dashboard sessions over HTTP: sign-in and out, cookie flags, expiry and CSRF refusals."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, update

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.organizations.models import ApiKey, WebSession
from pytake.organizations.sessions import SESSION_LIFETIME
from pytake.web.app import create_app
from pytake.web.auth import CSRF_HEADER, SESSION_COOKIE
from support.api_keys import key_id_of, revoke
from support.dashboard import api_key_of, error_for
from support.scenario import Scenario

pytestmark = pytest.mark.integration


async def session_count(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(WebSession)) or 0)


@pytest.fixture
async def https_browser(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://pytake.test") as client:
        yield client


async def test_sign_in_sets_an_httponly_lax_session_cookie_when_the_key_is_valid(
    browser: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    answer = await browser.post("/sign-in", data={"api_key": api_key_of(auth)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert {"HttpOnly", "Path=/", "SameSite=lax", "Max-Age=43200"} <= {
        part.strip() for part in cookie.split(";")
    }
    assert "Secure" not in cookie
    assert api_key_of(auth) not in cookie


async def test_session_cookie_is_secure_when_the_dashboard_is_served_over_https(
    https_browser: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    answer = await https_browser.post("/sign-in", data={"api_key": api_key_of(auth)})
    assert "Secure" in {part.strip() for part in answer.headers["set-cookie"].split(";")}


async def test_sign_in_shows_the_error_by_the_field_without_the_key_when_the_key_is_wrong(
    browser: httpx.AsyncClient,
) -> None:
    answer = await browser.post("/sign-in", data={"api_key": "ptk_not-a-real-key"})
    assert answer.status_code == 401
    assert "not valid" in (error_for(answer.text, "api_key") or "")
    assert "ptk_not-a-real-key" not in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


async def test_sign_in_is_refused_when_another_site_posts_the_form(
    browser: httpx.AsyncClient, auth: dict[str, str], runtime: Runtime
) -> None:
    answer = await browser.post(
        "/sign-in", data={"api_key": api_key_of(auth)}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    assert await session_count(runtime) == 0


@pytest.mark.parametrize("path", ["/", "/contacts", "/numbers", "/campaigns/new"])
async def test_pages_send_the_visitor_to_sign_in_when_not_signed_in(
    browser: httpx.AsyncClient, path: str
) -> None:
    answer = await browser.get(path)
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")


async def test_pages_send_the_visitor_to_sign_in_when_the_session_has_expired(
    browser: httpx.AsyncClient, csrf_token: str, clock: OffsetClock
) -> None:
    assert (await browser.get("/")).status_code == 200
    clock.advance(SESSION_LIFETIME.total_seconds() + 1)
    answer = await browser.get("/")
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert (await browser.get("/api/v1/campaigns")).status_code == 401


async def test_sign_out_ends_the_session_when_posted_from_the_page(
    browser: httpx.AsyncClient, csrf_token: str, runtime: Runtime
) -> None:
    stale = browser.cookies[SESSION_COOKIE]
    answer = await browser.post("/sign-out", data={"csrf_token": csrf_token})
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert "Max-Age=0" in answer.headers["set-cookie"]
    assert await session_count(runtime) == 0
    browser.cookies.set(SESSION_COOKIE, stale)
    assert (await browser.get("/")).status_code == 303


async def test_api_reads_are_allowed_when_signed_in_by_cookie(
    browser: httpx.AsyncClient, csrf_token: str
) -> None:
    answer = await browser.get("/api/v1/campaigns")
    assert (answer.status_code, answer.json()["items"]) == (200, [])


async def test_api_move_is_refused_when_signed_in_by_cookie_without_the_csrf_header(
    scenario: Scenario, browser: httpx.AsyncClient, csrf_token: str
) -> None:
    await scenario.contacts(2)
    campaign = await scenario.campaign(await scenario.number())
    path = f"/api/v1/campaigns/{campaign['id']}/start"
    refused = await browser.post(path)
    assert refused.status_code == 403
    assert (await scenario.get(campaign["id"]))["status"] == "draft"
    accepted = await browser.post(path, headers={CSRF_HEADER: csrf_token})
    assert (accepted.status_code, accepted.json()["status"]) == (200, "running")


async def test_dashboard_form_is_refused_when_posted_without_the_csrf_token(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    form = {"display_phone_number": "+1 555 0100", "phone_number_id": "1", "access_token": "t"}
    answer = await browser.post("/numbers", data=form)
    assert answer.status_code == 403
    assert (await scenario.call("GET", "/whatsapp-numbers"))["items"] == []


async def test_csv_upload_is_refused_and_nothing_saved_when_posted_without_the_csrf_token(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    answer = await browser.post(
        "/contacts/import", files={"file": ("people.csv", b"name,phone\nAna,+5511999990001\n")}
    )
    assert answer.status_code == 403
    assert (await scenario.call("GET", "/contacts"))["items"] == []


async def test_pages_send_the_visitor_to_sign_in_when_the_key_that_signed_in_is_revoked(
    browser: httpx.AsyncClient,
    csrf_token: str,
    api: httpx.AsyncClient,
    auth: dict[str, str],
    runtime: Runtime,
) -> None:
    assert (await browser.get("/")).status_code == 200
    await revoke(api, auth, await key_id_of(api, auth))
    answer = await browser.get("/")
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert (await browser.get("/api/v1/campaigns")).status_code == 401
    assert await session_count(runtime) == 0


async def test_sessions_of_another_key_of_the_organization_hold_when_one_key_is_revoked(
    browser: httpx.AsyncClient,
    csrf_token: str,
    api: httpx.AsyncClient,
    auth: dict[str, str],
) -> None:
    other = await api.post("/api/v1/api-keys", json={"name": "spare"}, headers=auth)
    await revoke(api, auth, other.json()["id"])
    assert (await browser.get("/")).status_code == 200


async def test_a_session_never_outlives_its_key_even_when_its_row_is_left_behind(
    browser: httpx.AsyncClient, csrf_token: str, runtime: Runtime, clock: OffsetClock
) -> None:
    async with runtime.db.transaction() as session:
        await session.execute(update(ApiKey).values(revoked_at=clock.now()))
    assert await session_count(runtime) == 1
    answer = await browser.get("/")
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
