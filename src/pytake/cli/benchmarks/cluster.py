"""The engine benchmark in distributed mode: N `pytake worker` processes on PostgreSQL and Redis.

Each run prepares a fresh campaign, starts N workers (one sending process each), starts the
campaign and times it until every contact's first attempt is recorded. Retry delays cannot be
compressed across processes as the in-process bench does, so the retry tail (idle waiting,
not work) is left out: the campaign is cancelled once the first pass is over.
"""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from pytake.bootstrap import migrate
from pytake.campaigns.service import cancel_campaign, start_campaign
from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.preparation import prepare_campaign
from pytake.cli.benchmarks.repository import has_first_attempts_left
from pytake.cli.processes import pytake_process
from pytake.core.clock import SystemClock
from pytake.core.db import Database
from pytake.core.origins import origin_of
from pytake.core.secrets import SecretBox, secret_box
from pytake.core.settings import Settings

_POLL_SECONDS = 0.05
# Workers are up once they have had time to import, fork their pool and connect.
_WORKER_START_SECONDS = 4.0
_RUN_TIMEOUT_SECONDS = 900.0


@dataclass(frozen=True, slots=True)
class ClusterRun:
    workers: int
    contacts: int
    seconds: float

    @property
    def messages_per_second(self) -> float:
        return self.contacts / self.seconds if self.seconds > 0 else 0.0


async def run_cluster_bench(
    *, database_url: str, redis_url: str, contacts: int, workers: list[int], api_base_url: str
) -> list[ClusterRun]:
    # Imported here: the command line loads this module, and Redis is the celery extra's.
    from pytake.core.redis import RedisUnavailableError, check_redis

    try:
        await check_redis(redis_url)
    except RedisUnavailableError as exc:
        raise BenchError(str(exc)) from None
    env = _worker_env(database_url, redis_url, api_base_url)
    db = Database(database_url)
    try:
        # The workers inherit PYTAKE_SECRET_KEY from this process's environment.
        keys = secret_box(Settings(database_url=database_url))
        await migrate(db, secrets=keys)
        return [
            await _run(db, env, n, keys=keys, contacts=contacts, api=api_base_url) for n in workers
        ]
    finally:
        await db.dispose()


def _worker_env(database_url: str, redis_url: str, api_base_url: str) -> dict[str, str]:
    return {
        "PYTAKE_DATABASE_URL": database_url,
        "PYTAKE_WHATSAPP_API_HOSTS": str(origin_of(api_base_url)),
        "PYTAKE_REDIS_URL": redis_url,
        "PYTAKE_EXECUTOR": "celery",
        "PYTAKE_DISPATCH_INTERVAL_SECONDS": "0.05",
        "PYTAKE_LOG_LEVEL": "WARNING",
    }


async def _run(
    db: Database, env: dict[str, str], workers: int, *, keys: SecretBox, contacts: int, api: str
) -> ClusterRun:
    prepared = await prepare_campaign(db, keys=keys, contacts=contacts, api_base_url=api)
    with _workers(workers, env):
        await asyncio.sleep(_WORKER_START_SECONDS)
        started = time.perf_counter()
        async with db.transaction() as session:
            await start_campaign(
                session, prepared.organization_id, prepared.campaign_id, now=SystemClock().now()
            )
        await _wait_first_pass(db, prepared.campaign_id)
        seconds = time.perf_counter() - started
        async with db.transaction() as session:
            await cancel_campaign(session, prepared.organization_id, prepared.campaign_id)
    return ClusterRun(workers, contacts, seconds)


@contextlib.contextmanager
def _workers(count: int, env: dict[str, str]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(pytake_process("worker", "--concurrency", "1", env=env))
        yield


async def _wait_first_pass(db: Database, campaign_id: uuid.UUID) -> None:
    deadline = time.monotonic() + _RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        async with db.session() as session:
            if not await has_first_attempts_left(session, campaign_id):
                return
        await asyncio.sleep(_POLL_SECONDS)
    raise BenchError(f"the workers did not finish the first pass in {_RUN_TIMEOUT_SECONDS:g}s")


def render_cluster_report(runs: list[ClusterRun], console: Console) -> None:
    table = Table(title="pytake bench engine --executor celery")
    for column in ("workers", "contacts", "seconds", "messages/s"):
        table.add_column(column, justify="right")
    for run in runs:
        table.add_row(
            str(run.workers),
            f"{run.contacts:,}",
            f"{run.seconds:,.2f}",
            f"{run.messages_per_second:,.0f}",
        )
    console.print(table)
    console.print(
        "• messages/s: contacts ÷ seconds from the start request to every first attempt "
        "recorded (one process per worker; PostgreSQL, Redis and the simulator on this "
        "machine; the bench's number has no pace, so the engine sets the limit).",
        highlight=False,
    )


def cluster_json(runs: list[ClusterRun]) -> dict[str, object]:
    return {
        "benchmark": "engine",
        "executor": "celery",
        "runs": [
            {
                "workers": run.workers,
                "contacts": run.contacts,
                "seconds": round(run.seconds, 3),
                "messages_per_second": round(run.messages_per_second, 1),
            }
            for run in runs
        ],
    }
