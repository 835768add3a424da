"""Kill -9 of `pytake serve` on SQLite mid-campaign costs seconds: sending resumes within 10 s
of the restart, and every contact is still accepted exactly once."""

import signal
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.e2e import APP_SECRET, allowing, start_campaign, stored_state, wait_campaign
from support.processes import pytake, running

pytestmark = pytest.mark.e2e
CONTACTS = 300
RATE = 30


def _accepted(signing_simulator_url: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{signing_simulator_url}/_sim/messages", params={"limit": 100_000}, timeout=10
    )
    return list(answer.json()["messages"])


async def test_sending_resumes_within_ten_seconds_when_serve_is_killed_and_restarted(
    sqlite_url: str, signing_simulator_url: str, serve_port: int, tmp_path: Path
) -> None:
    # Default lease; a short grace, as only a send cut off mid-call waits for it.
    env = {
        "PYTAKE_DATABASE_URL": sqlite_url,
        "PYTAKE_WHATSAPP_APP_SECRET": APP_SECRET,
        **allowing(signing_simulator_url),
        "PYTAKE_RECONCILE_GRACE_SECONDS": "10",
    }
    key = pytake("apikey", "create", "--org", "e2e", env=env).stdout.strip().splitlines()[-1]
    base, log = f"http://127.0.0.1:{serve_port}", tmp_path / "serve.log"
    serve = ["serve", "--port", str(serve_port)]
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        with running(serve, env=env, log=log, ready_url=f"{base}/health") as server:
            campaign_id = await start_campaign(
                api, signing_simulator_url, contacts=CONTACTS, throughput_mps=RATE
            )
            deadline = time.monotonic() + 30
            while len(_accepted(signing_simulator_url)) < 2 * RATE and time.monotonic() < deadline:
                time.sleep(0.1)
            assert server.stop(signal.SIGKILL) == -signal.SIGKILL
        sent_before = len(_accepted(signing_simulator_url))
        restarted_at = time.time()
        with running(serve, env=env, log=log, ready_url=f"{base}/health"):
            done = await wait_campaign(
                api, campaign_id, lambda c: c["status"] == "completed", timeout=120
            )

    accepted = _accepted(signing_simulator_url)
    resumed_at = min(
        datetime.fromisoformat(entry["accepted_at"]).timestamp() for entry in accepted[sent_before:]
    )
    assert 2 * RATE <= sent_before < CONTACTS
    assert resumed_at - restarted_at < 10, f"resumed {resumed_at - restarted_at:.1f} s later"
    per_contact = Counter(entry["wa_id"] for entry in accepted)
    assert (len(per_contact), set(per_contact.values())) == (CONTACTS, {1})
    status, by_status = await stored_state(sqlite_url, campaign_id)
    assert (status, by_status["sending"]) == ("completed", 0)
    assert done["messages_sent"] == CONTACTS
