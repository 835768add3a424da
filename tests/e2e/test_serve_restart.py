"""Stopping `pytake serve` mid-campaign and starting it again: every contact sent exactly once."""

import asyncio
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from pytake.campaigns.models import Campaign, Message
from pytake.cli.processes import free_port
from pytake.core.db import Database
from support.processes import pytake, running

pytestmark = pytest.mark.e2e
CONTACTS = 4000


async def _prepare(api: httpx.AsyncClient, simulator_url: str) -> str:
    number = await api.post(
        "/api/v1/whatsapp-numbers",
        json={
            "phone_number_id": "106540352242922",
            "display_phone_number": "15550783881",
            "access_token": "sim-token",
            "api_base_url": f"{simulator_url}/v23.0",
            "throughput_mps": 1000,
            "messaging_limit_24h": None,
        },
    )
    contacts = [
        {"name": f"C{i}", "phone": f"5521{960000000 + i}", "tags": ["e2e"]} for i in range(CONTACTS)
    ]
    assert (await api.post("/api/v1/contacts/bulk", json=contacts)).status_code == 200
    campaign = await api.post(
        "/api/v1/campaigns",
        json={
            "name": "restart",
            "whatsapp_number_id": number.json()["id"],
            "template": {"name": "hello_world", "language": "en_US"},
            "contact_tags": ["e2e"],
        },
    )
    campaign_id = str(campaign.json()["id"])
    assert (await api.post(f"/api/v1/campaigns/{campaign_id}/start")).status_code == 200
    return campaign_id


async def _wait(
    api: httpx.AsyncClient, campaign_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        campaign = dict((await api.get(f"/api/v1/campaigns/{campaign_id}")).json())
        if check(campaign):
            return campaign
        await asyncio.sleep(0.02)
    pytest.fail(f"campaign {campaign_id} never reached the expected state")


async def _stored_state(database_url: str, campaign_id: str) -> tuple[str, Counter[str]]:
    """The campaign's status and its messages by status, read straight from the database."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            campaign = await session.get(Campaign, uuid.UUID(campaign_id))
            rows = await session.execute(
                select(Message.status, func.count()).group_by(Message.status)
            )
            assert campaign is not None
            return campaign.status, Counter({status: count for status, count in rows})
    finally:
        await db.dispose()


async def test_every_contact_is_sent_once_when_serve_is_stopped_mid_campaign_and_restarted(
    database_url: str, simulator_url: str, tmp_path: Path
) -> None:
    env = {"PYTAKE_DATABASE_URL": database_url}
    key = pytake("apikey", "create", "--org", "e2e", env=env).stdout.strip().splitlines()[-1]
    port = free_port()
    base, serve, log = f"http://127.0.0.1:{port}", ["serve", "--port", str(port)], tmp_path / "log"
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as api:
        with running(serve, env=env, log=log, ready_url=f"{base}/health") as server:
            campaign_id = await _prepare(api, simulator_url)
            await _wait(api, campaign_id, lambda c: c["messages_sent"] >= 200)
            # uvicorn shuts down cleanly, then re-raises the signal it caught.
            assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)

        status, by_status = await _stored_state(database_url, campaign_id)
        assert status == "running"
        assert by_status["sending"] == 0
        assert 0 < by_status["sent"] < CONTACTS

        with running(serve, env=env, log=log, ready_url=f"{base}/health"):
            done = await _wait(api, campaign_id, lambda c: c["status"] == "completed")
    accepted = httpx.get(f"{simulator_url}/_sim/messages").json()["messages"]
    per_contact = Counter(entry["wa_id"] for entry in accepted)
    assert done["messages_sent"] == CONTACTS
    assert len(per_contact) == CONTACTS
    assert set(per_contact.values()) == {1}
