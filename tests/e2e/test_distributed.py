"""Distributed mode end to end: PostgreSQL, Redis, three Celery workers, the API, the simulator.

Each scenario sends one campaign at the simulator's limit of 200 msg/s, with 5% of the
contacts failing once for a passing reason, and checks the simulator's log: every contact
accepted exactly once, never more than 200 sends in any one-second window.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from redis.asyncio import Redis

from support.cluster import RATE, Cluster, running_cluster
from support.databases import create_postgres_database, drop_postgres_database
from support.e2e import sending_ids, start_campaign, stored_state, wait_campaign
from support.processes import Process
from support.redis import RedisServer, redis_server

pytestmark = pytest.mark.e2e
CONTACTS = 5000
WORKERS = 3
LOCK_KEY = "pytake:scheduler:cluster:lock"


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def _phones() -> list[str]:
    """The phones `start_campaign` gives its contacts."""
    return [f"5521{960000000 + i}" for i in range(CONTACTS)]


async def _start(cluster: Cluster, api: httpx.AsyncClient) -> str:
    cluster.fail_once(_phones()[::20])
    return await start_campaign(
        api, cluster.simulator_url, contacts=CONTACTS, throughput_mps=RATE, retry_base_delay=10
    )


async def _completed(api: httpx.AsyncClient, campaign_id: str) -> dict[str, Any]:
    return await wait_campaign(api, campaign_id, lambda c: c["status"] == "completed", timeout=240)


async def _assert_sent_exactly_once(cluster: Cluster, postgres_url: str, campaign_id: str) -> None:
    accepted = cluster.accepted()
    stats = cluster.simulator_stats()
    status, by_status = await stored_state(postgres_url, campaign_id)
    assert (len(accepted), set(accepted.values())) == (CONTACTS, {1})
    assert max(stats["max_per_second"].values()) <= RATE
    assert "130429" not in stats["rejected"]
    assert status == "completed"
    assert sum(by_status[s] for s in ("sent", "delivered", "read")) == CONTACTS


async def _progress_events(url: str, until: float) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with websockets.connect(url) as socket:
        while time.monotonic() < until:
            event = json.loads(await asyncio.wait_for(socket.recv(), until - time.monotonic()))
            events.append(event)
            if event["status"] == "completed":
                break
    return events


async def test_each_contact_is_sent_once_within_the_rate_when_three_workers_share_a_campaign(
    tmp_path: Path, postgres_url: str, redis: RedisServer
) -> None:
    with running_cluster(
        tmp_path, database_url=postgres_url, redis=redis, workers=WORKERS, webhooks=False
    ) as cluster:
        async with httpx.AsyncClient(base_url=cluster.api_url, headers=cluster.headers()) as api:
            campaign_id = await _start(cluster, api)
            socket_url = (
                f"{cluster.api_url.replace('http', 'ws')}/ws/campaigns/{campaign_id}"
                f"?api_key={cluster.api_key}"
            )
            events = await _progress_events(socket_url, until=time.monotonic() + 240)
            done = await _completed(api, campaign_id)
        await _assert_sent_exactly_once(cluster, postgres_url, campaign_id)

    # Progress made by the workers reached the socket on the API process, live, to the end.
    progress = [event["progress"] for event in events]
    assert events[-1]["status"] == "completed"
    assert len({p for p in progress if 0 < p < 100}) >= 5
    assert progress == sorted(progress)
    assert done["messages_sent"] == CONTACTS


async def test_each_contact_is_sent_once_when_the_scheduling_worker_is_killed_mid_campaign(
    tmp_path: Path, postgres_url: str, redis: RedisServer
) -> None:
    # The default lease (15 s, renewed by its holder); a short grace for sends cut off mid-call.
    settings = {"PYTAKE_LEASE_SECONDS": "15", "PYTAKE_RECONCILE_GRACE_SECONDS": "5"}
    with running_cluster(
        tmp_path,
        database_url=postgres_url,
        redis=redis,
        workers=WORKERS,
        webhooks=True,
        settings=settings,
    ) as cluster:
        async with httpx.AsyncClient(base_url=cluster.api_url, headers=cluster.headers()) as api:
            campaign_id = await _start(cluster, api)
            await wait_campaign(api, campaign_id, lambda c: c["progress"] >= 30, timeout=120)
            victim = await _scheduling_worker(cluster)
            victim.kill_group()
            killed_at = time.monotonic()
            held = await sending_ids(postgres_url, campaign_id)
            await _wait_none_sending(postgres_url, held)
            recovered_in = time.monotonic() - killed_at
            done = await _completed(api, campaign_id)
        assert victim.popen.returncode == -9
        # Everything claimed at the kill, the victim's batches included, was sent meanwhile.
        assert held
        assert recovered_in < 30, f"the killed worker's batches took {recovered_in:.1f} s"
        assert all(w.popen.poll() is None for w in cluster.workers if w is not victim)
        await _assert_sent_exactly_once(cluster, postgres_url, campaign_id)
    assert done["messages_sent"] == CONTACTS


async def _wait_none_sending(database_url: str, message_ids: set[str]) -> None:
    deadline = time.monotonic() + 60
    while await sending_ids(database_url, None, among=message_ids):
        assert time.monotonic() < deadline, "claimed messages were never sent"
        await asyncio.sleep(0.2)


async def _scheduling_worker(cluster: Cluster) -> Process:
    """The worker holding the cluster's scheduler lock (its value is "host:pid")."""
    client = Redis.from_url(cluster.redis.url)
    try:
        holder = await client.get(LOCK_KEY)
    finally:
        await client.aclose()
    assert holder is not None
    return cluster.worker_pids()[int(holder.decode().rsplit(":", 1)[1])]


async def test_each_contact_is_sent_once_when_redis_stops_for_ten_seconds_mid_campaign(
    tmp_path: Path, postgres_url: str, redis: RedisServer
) -> None:
    with running_cluster(
        tmp_path, database_url=postgres_url, redis=redis, workers=WORKERS, webhooks=False
    ) as cluster:
        async with httpx.AsyncClient(base_url=cluster.api_url, headers=cluster.headers()) as api:
            campaign_id = await _start(cluster, api)
            await wait_campaign(api, campaign_id, lambda c: c["progress"] >= 30, timeout=120)
            redis.stop()
            outage_ends = time.monotonic() + 10
            health = []
            while time.monotonic() < outage_ends:
                answer = await api.get("/health")
                health.append((answer.status_code, answer.json()["services"]["redis"]))
                await asyncio.sleep(0.5)
            redis.start()
            done = await _completed(api, campaign_id)
        await _assert_sent_exactly_once(cluster, postgres_url, campaign_id)
    assert {status for status, _ in health} == {503}
    assert all(redis_state.startswith("error: ") for _, redis_state in health)
    assert done["messages_sent"] == CONTACTS
