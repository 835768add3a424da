"""Runs the webhook benchmark: `pytake serve` in its own process, posted to by this one."""

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pytake.bootstrap import migrate
from pytake.campaigns.models import MessageStatus
from pytake.campaigns.service import start_campaign
from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.preparation import prepare_campaign
from pytake.cli.benchmarks.webhook_load import LoadResult, build_bodies, post_all
from pytake.cli.benchmarks.webhook_repository import count_by_status, mark_all_accepted
from pytake.cli.processes import free_port, pytake_process, wait_until_answering
from pytake.core.db import Database, utcnow
from pytake.core.secrets import SecretBox, generate_key, parse_secret_keys

APP_SECRET = "bench-app-secret"  # noqa: S105 - shared by this run's poster and server only
_UNUSED_API = "http://127.0.0.1:9/v23.0"


@dataclass(frozen=True, slots=True)
class WebhookBenchOptions:
    messages: int
    statuses_per_body: int
    posters: int


@dataclass(frozen=True, slots=True)
class WebhookBenchReport:
    options: WebhookBenchOptions
    load: LoadResult
    final_statuses: dict[str, int]

    @property
    def statuses_per_second(self) -> float:
        return self.load.statuses / self.load.seconds if self.load.seconds > 0 else 0.0

    @property
    def share_over_1s(self) -> float:
        slow = sum(1 for latency in self.load.latencies_ms if latency > 1000)
        return slow / len(self.load.latencies_ms) if self.load.latencies_ms else 0.0


async def run_webhook_bench(options: WebhookBenchOptions) -> WebhookBenchReport:
    """A fresh SQLite database whose messages all wait for their receipts, then the load."""
    with tempfile.TemporaryDirectory(prefix="pytake-bench-") as workdir:
        database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
        # A throwaway database: a throwaway key, rather than a key file to back up.
        key = generate_key()
        campaign_id, wamids = await _prepare(database_url, key, options.messages)
        bodies = build_bodies(wamids, per_body=options.statuses_per_body, app_secret=APP_SECRET)
        with _served(free_port(), database_url, key) as url:
            try:
                await wait_until_answering(f"{url}/health", timeout=60)
            except RuntimeError as exc:
                raise BenchError(f"pytake serve did not start: {exc}") from None
            load = await post_all(f"{url}/webhooks/meta", bodies, posters=options.posters)
        final = await _final_statuses(database_url, campaign_id)
    if final.get(MessageStatus.READ, 0) != options.messages:
        raise BenchError(f"not every message ended read: {final}")
    return WebhookBenchReport(options, load, final)


async def _prepare(database_url: str, key: str, messages: int) -> tuple[uuid.UUID, list[str]]:
    db = Database(database_url)
    keys = SecretBox(parse_secret_keys(key))
    try:
        await migrate(db, secrets=keys)
        prepared = await prepare_campaign(
            db, keys=keys, contacts=messages, api_base_url=_UNUSED_API
        )
        async with db.transaction() as session:
            now = utcnow()
            await start_campaign(session, prepared.organization_id, prepared.campaign_id, now=now)
            wamids = await mark_all_accepted(session, prepared.campaign_id, now=now)
    finally:
        await db.dispose()
    return prepared.campaign_id, wamids


async def _final_statuses(database_url: str, campaign_id: uuid.UUID) -> dict[str, int]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return await count_by_status(session, campaign_id)
    finally:
        await db.dispose()


@contextlib.contextmanager
def _served(port: int, database_url: str, key: str) -> Iterator[str]:
    """`pytake serve` in its own process (its own core); yields its URL."""
    env = {
        "PYTAKE_DATABASE_URL": database_url,
        "PYTAKE_SECRET_KEY": key,
        "PYTAKE_WHATSAPP_APP_SECRET": APP_SECRET,
        "PYTAKE_LOG_LEVEL": "WARNING",
    }
    with pytake_process("serve", "--port", str(port), env=env):
        yield f"http://127.0.0.1:{port}"


def report_json(report: WebhookBenchReport) -> dict[str, Any]:
    load, options = report.load, report.options
    return {
        "benchmark": "webhooks",
        "statuses_per_second": round(report.statuses_per_second, 1),
        "p50_ms": round(load.percentile(0.50), 2),
        "p99_ms": round(load.percentile(0.99), 2),
        "max_ms": round(max(load.latencies_ms, default=0.0), 2),
        "share_over_1s": round(report.share_over_1s, 4),
        "statuses": load.statuses,
        "bodies": len(load.latencies_ms),
        "seconds": round(load.seconds, 3),
        "answers": load.answers,
        "final_statuses": report.final_statuses,
        "conditions": {
            "messages": options.messages,
            "statuses_per_body": options.statuses_per_body,
            "posters": options.posters,
            "database": "sqlite",
            "server": "pytake serve, one process, applying each body before answering",
        },
    }


def render_report(report: WebhookBenchReport, console: Console) -> None:
    figures = report_json(report)
    table = Table(title=f"pytake bench webhooks: {figures['statuses']:,} statuses")
    table.add_column("")
    table.add_column("figure", justify="right")
    for label, key, style in (
        ("statuses applied per second", "statuses_per_second", "{:,.0f}"),
        ("POST answer p50 (ms)", "p50_ms", "{:,.1f}"),
        ("POST answer p99 (ms)", "p99_ms", "{:,.1f}"),
        ("POST answer max (ms)", "max_ms", "{:,.1f}"),
        ("share of answers over 1 s", "share_over_1s", "{:.2%}"),
        ("bodies posted", "bodies", "{:,}"),
        ("seconds", "seconds", "{:,.2f}"),
    ):
        table.add_row(label, style.format(figures[key]))
    console.print(table)
    options = report.options
    console.print(
        f"• {options.messages:,} messages, each sent → delivered → read, in signed bodies of "
        f"{options.statuses_per_body} statuses posted by {options.posters} concurrent posters "
        "over HTTP to `pytake serve` (its own process, SQLite); targets: ≥ 3,000 statuses/s, "
        "p50 ≤ 250 ms, under 1% over 1 s.",
        highlight=False,
    )
