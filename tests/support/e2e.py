"""Driving `pytake serve` end to end: a campaign through the HTTP API, its stored state."""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from pytake.campaigns.models import Campaign, Message
from pytake.core.db import Database

# The app secret the e2e simulators sign their webhooks with.
APP_SECRET = "e2e-app-secret"


def allowing(simulator_url: str) -> dict[str, str]:
    """The setting that lets a process's numbers send to this simulator."""
    return {"PYTAKE_WHATSAPP_API_HOSTS": simulator_url}


async def start_campaign(
    api: httpx.AsyncClient,
    simulator_url: str,
    *,
    contacts: int,
    throughput_mps: int = 1000,
    **campaign_fields: Any,
) -> str:
    """A number, `contacts` contacts and a started campaign, all through the HTTP API."""
    number = await api.post(
        "/api/v1/whatsapp-numbers",
        json={
            "phone_number_id": "106540352242922",
            "display_phone_number": "15550783881",
            "access_token": "sim-token",
            "api_base_url": f"{simulator_url}/v23.0",
            "throughput_mps": throughput_mps,
            "messaging_limit_24h": None,
        },
    )
    contacts = [
        {"name": f"C{i}", "phone": f"5521{960000000 + i}", "tags": ["e2e"]} for i in range(contacts)
    ]
    assert (await api.post("/api/v1/contacts/bulk", json=contacts)).status_code == 200
    campaign = await api.post(
        "/api/v1/campaigns",
        json={
            "name": "restart",
            "whatsapp_number_id": number.json()["id"],
            "template": {"name": "hello_world", "language": "en_US"},
            "contact_tags": ["e2e"],
            **campaign_fields,
        },
    )
    campaign_id = str(campaign.json()["id"])
    assert (await api.post(f"/api/v1/campaigns/{campaign_id}/start")).status_code == 200
    return campaign_id


async def wait_campaign(
    api: httpx.AsyncClient,
    campaign_id: str,
    check: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 90,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        campaign = dict((await api.get(f"/api/v1/campaigns/{campaign_id}")).json())
        if check(campaign):
            return campaign
        await asyncio.sleep(0.02)
    pytest.fail(f"campaign {campaign_id} never reached the expected state")


async def stored_state(database_url: str, campaign_id: str) -> tuple[str, Counter[str]]:
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


async def sending_ids(
    database_url: str, campaign_id: str | None, *, among: set[str] | None = None
) -> set[str]:
    """Ids of the messages claimed and not yet recorded, of a campaign or `among` these."""
    db = Database(database_url)
    try:
        query = select(Message.id).where(Message.status == "sending")
        if campaign_id is not None:
            query = query.where(Message.campaign_id == uuid.UUID(campaign_id))
        if among is not None:
            query = query.where(Message.id.in_([uuid.UUID(m) for m in among]))
        async with db.session() as session:
            return {str(message_id) for message_id in await session.scalars(query)}
    finally:
        await db.dispose()
