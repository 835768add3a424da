"""Kill -9 of `pytake serve` at random moments mid-campaign: nothing lost, nothing sent twice."""

import random
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from support.e2e import APP_SECRET, allowing, start_campaign, stored_state, wait_campaign
from support.processes import pytake, running

pytestmark = pytest.mark.e2e
CONTACTS = 1500
KILLS = 5


async def test_every_contact_is_sent_exactly_once_when_serve_is_killed_five_times(
    database_url: str, signing_simulator_url: str, serve_port: int, tmp_path: Path
) -> None:
    env = {
        "PYTAKE_DATABASE_URL": database_url,
        "PYTAKE_WHATSAPP_APP_SECRET": APP_SECRET,
        **allowing(signing_simulator_url),
        "PYTAKE_LEASE_SECONDS": "5",
        "PYTAKE_LEASE_RENEW_SECONDS": "1",
        # A restart fences the sends in flight at once, so the grace alone must outlast the
        # simulator's webhook retries across kills that follow each other within seconds.
        "PYTAKE_RECONCILE_GRACE_SECONDS": "30",
    }
    key = pytake("apikey", "create", "--org", "e2e", env=env).stdout.strip().splitlines()[-1]
    base, log = f"http://127.0.0.1:{serve_port}", tmp_path / "serve.log"
    serve = ["serve", "--port", str(serve_port)]
    moments = random.Random(2).sample([0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5], KILLS)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        campaign_id = None
        for moment in moments:
            with running(serve, env=env, log=log, ready_url=f"{base}/health") as server:
                if campaign_id is None:
                    campaign_id = await start_campaign(
                        api, signing_simulator_url, contacts=CONTACTS, throughput_mps=250
                    )
                time.sleep(moment)
                assert server.stop(signal.SIGKILL) == -signal.SIGKILL
        assert campaign_id is not None
        with running(serve, env=env, log=log, ready_url=f"{base}/health"):
            done = await wait_campaign(api, campaign_id, lambda c: c["status"] == "completed")

    status, by_status = await stored_state(database_url, campaign_id)
    accepted = httpx.get(f"{signing_simulator_url}/_sim/messages").json()["messages"]
    per_contact = Counter(entry["wa_id"] for entry in accepted)
    assert (len(per_contact), set(per_contact.values())) == (CONTACTS, {1})
    assert status == "completed"
    assert by_status["sending"] == 0
    assert sum(by_status[s] for s in ("sent", "delivered", "read")) == CONTACTS
    assert done["messages_sent"] == CONTACTS
