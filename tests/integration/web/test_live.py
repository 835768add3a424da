"""`WS /ws/campaigns/{id}` over a real socket: snapshot, updates until completed, refusals."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.organizations.service import revoke_api_key
from pytake.web.auth import SESSION_COOKIE
from pytake.web.credentials import CHECK_SECONDS
from pytake.web.throttling import LIMIT
from pytake.whatsapp.simulator import RunningSimulator
from support.api_keys import key_id_of, revoke
from support.dashboard import api_key_of, sign_in
from support.scenario import Scenario, sim_call, wait_for

pytestmark = pytest.mark.integration

Event = dict[str, Any]
# Sockets must close within one round of checks; the rest is slack for a loaded machine.
CREDENTIAL_CHECK_MARGIN = CHECK_SECONDS + 3
EVENT_KEYS = {"event", "campaign_id", "status", "progress", "final", "stats", "messages_sent"}


@asynccontextmanager
async def socket(
    server: str,
    campaign_id: str,
    *,
    api_key: str | None = None,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    params = {"api_key": api_key} if api_key is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            f"ws://{server}/ws/campaigns/{campaign_id}", params=params, headers=headers
        ) as ws,
    ):
        yield ws


async def next_event(ws: aiohttp.ClientWebSocketResponse) -> Event:
    message = await ws.receive(timeout=30)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    event: Event = json.loads(message.data)
    return event


async def events_until(
    ws: aiohttp.ClientWebSocketResponse, done: Callable[[Event], bool]
) -> list[Event]:
    events = [await next_event(ws)]
    while not done(events[-1]):
        events.append(await next_event(ws))
    return events


async def close_code(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    message = await ws.receive(timeout=30)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
    return ws.close_code


def is_completed(event: Event) -> bool:
    return bool(event["status"] == "completed" and event["final"])


async def draft(scenario: Scenario, contacts: int) -> str:
    number_id = await scenario.number()
    await scenario.contacts(contacts)
    return str((await scenario.campaign(number_id))["id"])


async def test_socket_sends_a_snapshot_then_updates_until_completed_when_the_campaign_runs(
    scenario: Scenario, engine: Runtime, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 30)
    async with socket(live_server, campaign_id, api_key=api_key_of(auth)) as ws:
        snapshot = await next_event(ws)
        await scenario.call("POST", f"/campaigns/{campaign_id}/start")
        events = await events_until(ws, is_completed)

    assert set(snapshot) >= EVENT_KEYS
    assert (snapshot["event"], snapshot["campaign_id"]) == ("campaign.progress", campaign_id)
    assert (snapshot["status"], snapshot["progress"], snapshot["final"]) == ("draft", 0.0, False)
    assert snapshot["stats"]["total_contacts"] == 30
    assert snapshot["stats"]["statuses"]["pending"] == 30
    progress = [event["progress"] for event in events]
    assert progress == sorted(progress)
    final = events[-1]
    assert (final["progress"], final["messages_sent"]) == (100.0, 30)
    assert final["stats"]["statuses"]["sent"] == 30


async def test_socket_stays_open_after_the_final_event_when_the_campaign_has_ended(
    scenario: Scenario, runtime: Runtime, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 2)
    async with socket(live_server, campaign_id, api_key=api_key_of(auth)) as ws:
        await next_event(ws)
        await scenario.call("POST", f"/campaigns/{campaign_id}/cancel")
        final = await events_until(ws, lambda event: bool(event["final"]))
        runtime.progress.campaign_changed(uuid.UUID(campaign_id))
        later = await next_event(ws)

    assert (final[-1]["status"], later["status"], later["final"]) == (
        "cancelled",
        "cancelled",
        True,
    )


COUNTERS = ("messages_pending", "messages_sent", "messages_failed", "messages_retrying", "progress")


async def test_snapshot_shows_the_figures_of_retry_stats_and_the_campaign_when_some_were_skipped(
    scenario: Scenario, runtime: Runtime, live_server: str, auth: dict[str, str]
) -> None:
    number_id = await scenario.number()
    contacts = await scenario.contacts(4)
    await scenario.call("PATCH", f"/contacts/{contacts[0]['id']}", json={"opted_out": True})
    campaign_id = str((await scenario.campaign(number_id))["id"])
    await scenario.call("POST", f"/campaigns/{campaign_id}/start")
    await scenario.call("POST", f"/campaigns/{campaign_id}/cancel")
    async with socket(live_server, campaign_id, api_key=api_key_of(auth)) as ws:
        snapshot = await next_event(ws)

    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    campaign = await scenario.get(campaign_id)
    assert snapshot["stats"] == {"total_contacts": 4, "statuses": stats["statuses"]}
    assert (stats["statuses"]["skipped"], stats["statuses"]["cancelled"]) == (1, 3)
    assert {key: snapshot[key] for key in COUNTERS} == {key: campaign[key] for key in COUNTERS}
    assert campaign["total_contacts"] == stats["total_contacts"] == 4
    assert snapshot["progress"] == 100.0


@pytest.mark.parametrize("credential", ["none", "wrong key", "another organization's key"])
async def test_socket_is_closed_with_policy_violation_when_the_key_is_not_the_owners(
    scenario: Scenario,
    live_server: str,
    other_auth: dict[str, str],
    credential: str,
) -> None:
    campaign_id = await draft(scenario, 1)
    key = {
        "none": None,
        "wrong key": "ptk_wrong",
        "another organization's key": api_key_of(other_auth),
    }
    async with socket(live_server, campaign_id, api_key=key[credential]) as ws:
        assert await close_code(ws) == 1008


async def test_socket_is_closed_with_policy_violation_when_the_campaign_does_not_exist(
    live_server: str, auth: dict[str, str]
) -> None:
    async with socket(
        live_server, "00000000-0000-4000-8000-000000000000", api_key=api_key_of(auth)
    ) as ws:
        assert await close_code(ws) == 1008


async def test_socket_signed_in_by_the_dashboard_cookie_gets_a_snapshot_when_opened_by_our_page(
    scenario: Scenario, live_server: str, browser: httpx.AsyncClient, csrf_token: str
) -> None:
    campaign_id = await draft(scenario, 2)
    cookie = f"{SESSION_COOKIE}={browser.cookies[SESSION_COOKIE]}"
    headers = {"Cookie": cookie, "Origin": f"http://{live_server}"}
    async with socket(live_server, campaign_id, headers=headers) as ws:
        assert (await next_event(ws))["campaign_id"] == campaign_id


async def test_socket_refuses_the_dashboard_cookie_when_another_site_opens_it(
    scenario: Scenario, live_server: str, browser: httpx.AsyncClient, csrf_token: str
) -> None:
    campaign_id = await draft(scenario, 2)
    cookie = f"{SESSION_COOKIE}={browser.cookies[SESSION_COOKIE]}"
    headers = {"Cookie": cookie, "Origin": "https://evil.example"}
    async with socket(live_server, campaign_id, headers=headers) as ws:
        assert await close_code(ws) == 1008


async def _running_with_one_retry_waiting(
    scenario: Scenario, simulator: RunningSimulator, contacts: int
) -> str:
    """A started campaign held `running` by one contact waiting for its retry."""
    await sim_call(
        simulator,
        "POST",
        "/_sim/rules",
        [{"recipient": "5511900000001", "code": 131000, "times": 1}],
    )
    campaign_id = str((await scenario.started(contacts))["id"])

    async def one_waiting() -> bool:
        stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
        return bool(stats["statuses"]["retrying"] == 1 and stats["statuses"]["pending"] == 0)

    await wait_for(one_waiting, what="one contact waiting for its retry")
    return campaign_id


async def test_twenty_clients_each_get_a_snapshot_and_the_final_event_when_watching_a_campaign(
    scenario: Scenario,
    simulator: RunningSimulator,
    engine: Runtime,
    clock: OffsetClock,
    live_server: str,
    auth: dict[str, str],
) -> None:
    campaign_id = await _running_with_one_retry_waiting(scenario, simulator, 40)
    async with sockets_watching(live_server, campaign_id, api_key_of(auth), 20) as sockets:
        snapshots = await asyncio.gather(*(next_event(ws) for ws in sockets))
        clock.advance(10)
        finals = await asyncio.gather(*(events_until(ws, is_completed) for ws in sockets))

    assert [s["status"] for s in snapshots] == ["running"] * 20
    assert {s["stats"]["statuses"]["retrying"] for s in snapshots} == {1}
    assert [events[-1]["stats"]["statuses"]["sent"] for events in finals] == [40] * 20


@asynccontextmanager
async def sockets_watching(
    server: str, campaign_id: str, api_key: str, count: int
) -> AsyncIterator[list[aiohttp.ClientWebSocketResponse]]:
    async with aiohttp.ClientSession() as session:
        url = f"ws://{server}/ws/campaigns/{campaign_id}"
        sockets = [await session.ws_connect(url, params={"api_key": api_key}) for _ in range(count)]
        try:
            yield sockets
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))


async def test_socket_accepts_the_key_as_a_subprotocol_and_answers_pytake_without_echoing_it(
    scenario: Scenario, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 1)
    key = api_key_of(auth)
    offered = [Subprotocol("pytake"), Subprotocol(f"bearer.{key}")]
    async with connect(
        f"ws://{live_server}/ws/campaigns/{campaign_id}", subprotocols=offered
    ) as ws:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
        assert ws.response is not None
        answered = ws.response.headers.get_all("Sec-WebSocket-Protocol")
    assert event["campaign_id"] == campaign_id
    assert (ws.subprotocol, answered) == ("pytake", ["pytake"])
    assert key not in str(ws.response.headers)


async def test_socket_accepts_a_lone_bearer_subprotocol_without_choosing_one(
    scenario: Scenario, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 1)
    offered = [Subprotocol(f"bearer.{api_key_of(auth)}")]
    async with connect(
        f"ws://{live_server}/ws/campaigns/{campaign_id}", subprotocols=offered
    ) as ws:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
        assert ws.response is not None
        assert "Sec-WebSocket-Protocol" not in ws.response.headers
    assert (event["campaign_id"], ws.subprotocol) == (campaign_id, None)


async def test_socket_is_closed_with_policy_violation_when_the_bearer_subprotocol_is_wrong(
    scenario: Scenario, live_server: str
) -> None:
    campaign_id = await draft(scenario, 1)
    headers = {"Sec-WebSocket-Protocol": "pytake, bearer.ptk_wrong"}
    async with socket(live_server, campaign_id, headers=headers) as ws:
        assert await close_code(ws) == 1008


async def closed_within(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> tuple[int, float]:
    """The close code of a socket that must close within `seconds`, and how long it took."""
    started = time.monotonic()
    message = await ws.receive(timeout=seconds)
    while message.type == aiohttp.WSMsgType.TEXT:
        message = await ws.receive(timeout=seconds)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
    assert ws.close_code is not None
    return ws.close_code, time.monotonic() - started


async def test_socket_is_closed_with_4401_at_once_when_its_key_is_revoked_through_the_api(
    scenario: Scenario, live_server: str, auth: dict[str, str]
) -> None:
    """Revoked through the process serving the socket, which checks at once."""
    campaign_id = await draft(scenario, 1)
    async with httpx.AsyncClient(base_url=f"http://{live_server}", timeout=30) as same_process:
        spare = (
            await same_process.post("/api/v1/api-keys", json={"name": "tv"}, headers=auth)
        ).json()
        async with socket(live_server, campaign_id, api_key=spare["key"]) as ws:
            await next_event(ws)
            await revoke(same_process, auth, spare["id"])
            code, took = await closed_within(ws, CREDENTIAL_CHECK_MARGIN)
    assert (code, ws.close_code) == (4401, 4401)
    assert took < CHECK_SECONDS / 2


async def test_socket_is_closed_with_4401_within_seconds_when_its_key_is_revoked_elsewhere(
    scenario: Scenario,
    runtime: Runtime,
    live_server: str,
    auth: dict[str, str],
    api: httpx.AsyncClient,
) -> None:
    """As by `pytake apikey revoke` or another API process: only the database says so."""
    campaign_id = await draft(scenario, 1)
    key_id = uuid.UUID(await key_id_of(api, auth))
    async with socket(live_server, campaign_id, api_key=api_key_of(auth)) as ws:
        await next_event(ws)
        async with runtime.db.transaction() as session:
            await revoke_api_key(session, key_id, now=runtime.clock.now())
        code, took = await closed_within(ws, CREDENTIAL_CHECK_MARGIN)
    assert code == 4401
    assert took <= CHECK_SECONDS + 1.5


async def test_socket_signed_in_by_cookie_is_closed_with_4401_when_its_sessions_key_is_revoked(
    scenario: Scenario,
    api: httpx.AsyncClient,
    live_server: str,
    browser: httpx.AsyncClient,
    csrf_token: str,
    auth: dict[str, str],
) -> None:
    campaign_id = await draft(scenario, 1)
    cookie = f"{SESSION_COOKIE}={browser.cookies[SESSION_COOKIE]}"
    headers = {"Cookie": cookie, "Origin": f"http://{live_server}"}
    async with socket(live_server, campaign_id, headers=headers) as ws:
        await next_event(ws)
        await revoke(api, auth, await key_id_of(api, auth))
        code, _took = await closed_within(ws, CREDENTIAL_CHECK_MARGIN)
    assert code == 4401


async def test_socket_keeps_streaming_when_another_key_of_the_organization_is_revoked(
    scenario: Scenario, api: httpx.AsyncClient, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 1)
    spare = (await api.post("/api/v1/api-keys", json={"name": "spare"}, headers=auth)).json()
    async with socket(live_server, campaign_id, api_key=api_key_of(auth)) as ws:
        await next_event(ws)
        await revoke(api, auth, spare["id"])
        await asyncio.sleep(CHECK_SECONDS + 0.5)
        await scenario.call("POST", f"/campaigns/{campaign_id}/cancel")
        assert (await next_event(ws))["status"] == "cancelled"


async def test_socket_handshake_is_429_with_retry_after_when_a_bad_key_was_hammered(
    scenario: Scenario, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 1)
    for _ in range(LIMIT):
        async with socket(live_server, campaign_id, api_key="ptk_guessed") as ws:
            assert await close_code(ws) == 1008
    for key in ("ptk_guessed", api_key_of(auth)):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with socket(live_server, campaign_id, api_key=key):
                pass
        assert refused.value.status == 429
        assert refused.value.headers is not None
        assert 1 <= int(refused.value.headers["Retry-After"]) <= 60


async def test_socket_signed_in_by_cookie_is_closed_with_4401_at_once_when_its_browser_signs_out(
    scenario: Scenario, live_server: str, auth: dict[str, str]
) -> None:
    campaign_id = await draft(scenario, 1)
    async with httpx.AsyncClient(base_url=f"http://{live_server}", timeout=30) as same_process:
        csrf_token = await sign_in(same_process, auth)
        cookie = f"{SESSION_COOKIE}={same_process.cookies[SESSION_COOKIE]}"
        headers = {"Cookie": cookie, "Origin": f"http://{live_server}"}
        async with socket(live_server, campaign_id, headers=headers) as ws:
            await next_event(ws)
            signed_out = await same_process.post("/sign-out", data={"csrf_token": csrf_token})
            assert signed_out.status_code == 303
            code, took = await closed_within(ws, CREDENTIAL_CHECK_MARGIN)
    assert code == 4401
    assert took < CHECK_SECONDS / 2
