"""Stopping `pytake serve` mid-campaign and starting it again: every contact sent exactly once."""

import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest

from pytake.cli.processes import free_port
from support.e2e import allowing, start_campaign, stored_state, wait_campaign
from support.processes import pytake, running

pytestmark = pytest.mark.e2e
CONTACTS = 4000


async def test_every_contact_is_sent_once_when_serve_is_stopped_mid_campaign_and_restarted(
    database_url: str, simulator_url: str, tmp_path: Path
) -> None:
    env = {"PYTAKE_DATABASE_URL": database_url, **allowing(simulator_url)}
    key = pytake("apikey", "create", "--org", "e2e", env=env).stdout.strip().splitlines()[-1]
    port = free_port()
    base, serve, log = f"http://127.0.0.1:{port}", ["serve", "--port", str(port)], tmp_path / "log"
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as api:
        with running(serve, env=env, log=log, ready_url=f"{base}/health") as server:
            campaign_id = await start_campaign(api, simulator_url, contacts=CONTACTS)
            await wait_campaign(api, campaign_id, lambda c: c["messages_sent"] >= 200)
            # uvicorn shuts down cleanly, then re-raises the signal it caught.
            assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)

        status, by_status = await stored_state(database_url, campaign_id)
        assert status == "running"
        assert by_status["sending"] == 0
        assert 0 < by_status["sent"] < CONTACTS

        with running(serve, env=env, log=log, ready_url=f"{base}/health"):
            done = await wait_campaign(api, campaign_id, lambda c: c["status"] == "completed")
    accepted = httpx.get(f"{simulator_url}/_sim/messages").json()["messages"]
    per_contact = Counter(entry["wa_id"] for entry in accepted)
    assert done["messages_sent"] == CONTACTS
    assert len(per_contact) == CONTACTS
    assert set(per_contact.values()) == {1}
