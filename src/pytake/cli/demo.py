"""`pytake demo`: the main job end to end on the embedded default, shown live.

A simulator process with a realistic fault mix, the API and engine in this process on SQLite,
1,000 generated contacts, one campaign through the public HTTP API, a live progress bar, then
the retry statistics.
"""

import asyncio
import os
import random
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pytake.bootstrap import prepare_database
from pytake.cli.processes import free_port, serving, simulator_process, wait_until_answering
from pytake.core.db import Database
from pytake.core.origins import origin_of
from pytake.core.secrets import secret_box
from pytake.core.settings import Settings
from pytake.organizations.service import create_api_key, get_or_create_organization

DEMO_PHONE_NUMBER_ID = "106540352242922"
FIRST_NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabi", "Hugo", "Íris", "João"]


@dataclass(frozen=True, slots=True)
class DemoOptions:
    contacts: int
    transient_rate: float
    permanent_rate: float
    two_retry_rate: float
    retry_max_attempts: int
    retry_base_delay: int
    retry_max_delay: int
    port: int
    seed: int


def _phones(count: int) -> list[str]:
    return [f"5511{970000000 + i}" for i in range(count)]


def _simulator_options(options: DemoOptions, phones: list[str], app_secret: str) -> list[str]:
    chosen = random.Random(options.seed).sample(phones, int(len(phones) * options.two_retry_rate))
    rules = [arg for phone in chosen for arg in ("--rule", f"{phone}:131000:2")]
    return [
        "--transient-rate", str(options.transient_rate),
        "--permanent-rate", str(options.permanent_rate),
        "--seed", str(options.seed),
        "--webhook-url", f"http://127.0.0.1:{options.port}/webhooks/meta",
        "--app-secret", app_secret,
        "--webhook-delay", "1.0",
        *rules,
    ]  # fmt: skip


async def _prepare_database(settings: Settings) -> str:
    """Migrates the database and returns a new API key of the "demo" organization."""
    db = Database(settings.database_url)
    try:
        await prepare_database(db, secret_box(settings))
        async with db.transaction() as session:
            organization = await get_or_create_organization(session, "demo")
            return await create_api_key(session, organization)
    finally:
        await db.dispose()


async def run_demo(settings: Settings, options: DemoOptions, console: Console) -> None:
    phones = _phones(options.contacts)
    # The simulator signs its status webhooks with a secret made for this run; the API
    # started below reads it from the environment like any deployment would.
    app_secret = secrets.token_hex(16)
    os.environ["PYTAKE_WHATSAPP_APP_SECRET"] = app_secret
    sim_port = free_port()
    simulator = _simulator_options(options, phones, app_secret)
    with simulator_process(sim_port, *simulator) as sim_url:
        # The demo's number sends to the simulator, so the API must allow its origin too.
        api_hosts = (settings.whatsapp_api_hosts, str(origin_of(sim_url)))
        os.environ["PYTAKE_WHATSAPP_API_HOSTS"] = ",".join(filter(None, api_hosts))
        key = await _prepare_database(settings)
        await wait_until_answering(f"{sim_url}/_sim/health")
        async with serving(options.port) as api_url:
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=60) as api:
                campaign = await _launch(api, f"{sim_url}/v23.0", phones, options, console)
                await _watch(api, campaign["id"], console)
                stats = (await api.get(f"/api/v1/campaigns/{campaign['id']}/retry-stats")).json()
        _print_stats(stats, console)
    console.print(
        f"\nThe data stays in {settings.database_url.split('///')[-1]}. Run [bold]pytake serve[/] "
        f"and open the dashboard at http://127.0.0.1:{options.port}/ or the API at "
        f"http://127.0.0.1:{options.port}/docs (API key: [bold]{key}[/])."
    )


async def _launch(
    api: httpx.AsyncClient,
    sim_base_url: str,
    phones: list[str],
    options: DemoOptions,
    console: Console,
) -> dict[str, Any]:
    async def call(method: str, path: str, body: Any) -> Any:
        answer = await api.request(method, f"/api/v1{path}", json=body)
        answer.raise_for_status()
        return answer.json()

    number = await _demo_number(api, sim_base_url)
    # A tag of this run's own, so a second run sends to exactly the contacts it generated.
    run_tag = f"demo-{int(time.time())}"
    contacts = [
        {"name": f"{FIRST_NAMES[i % 10]} {i}", "phone": phone, "tags": ["demo", run_tag],
         "attributes": {"city": "São Paulo"}}
        for i, phone in enumerate(phones)
    ]  # fmt: skip
    await call("POST", "/contacts/bulk", contacts)
    campaign = await call("POST", "/campaigns", {
        "name": "Demo: spring sale", "whatsapp_number_id": number["id"],
        "template": {"name": "spring_sale", "language": "pt_BR", "components": [
            {"type": "body", "parameters": [
                {"type": "text", "text": "{{contact.name}}"},
                {"type": "text", "text": "{{contact.attributes.city}}"}]}]},
        "contact_tags": [run_tag], "retry_max_attempts": options.retry_max_attempts,
        "retry_base_delay": options.retry_base_delay, "retry_max_delay": options.retry_max_delay,
    })  # fmt: skip
    console.print(
        f"Campaign [bold]{campaign['name']}[/] to {campaign['total_contacts']} contacts; "
        f"retries after {options.retry_base_delay}s, doubling, at most "
        f"{options.retry_max_attempts} (the smallest delays allowed, so the demo takes a minute)."
    )
    return dict(await call("POST", f"/campaigns/{campaign['id']}/start", None))


async def _demo_number(api: httpx.AsyncClient, sim_base_url: str) -> dict[str, Any]:
    """The demo's number, pointed at this run's simulator (created on the first run)."""
    settings = {"access_token": "sim-token", "api_base_url": sim_base_url,
                "throughput_mps": 1000, "messaging_limit_24h": None}  # fmt: skip
    numbers = (await api.get("/api/v1/whatsapp-numbers")).json()["items"]
    existing = [n for n in numbers if n["phone_number_id"] == DEMO_PHONE_NUMBER_ID]
    if existing:
        answer = await api.patch(f"/api/v1/whatsapp-numbers/{existing[0]['id']}", json=settings)
    else:
        answer = await api.post("/api/v1/whatsapp-numbers", json={
            "phone_number_id": DEMO_PHONE_NUMBER_ID, "display_phone_number": "15550783881",
            **settings})  # fmt: skip
    answer.raise_for_status()
    return dict(answer.json())


RECEIPTS_SETTLE_SECONDS = 3.0
RECEIPTS_MAX_WAIT_SECONDS = 20.0


async def _watch(api: httpx.AsyncClient, campaign_id: str, console: Console) -> None:
    """Shows the campaign live until it ends and its delivery receipts have settled."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    )
    task = progress.add_task("sending", total=100, counts="")
    started = time.monotonic()
    ended_at: float | None = None
    recent: deque[tuple[float, int, int]] = deque(maxlen=12)
    with Live(progress, console=console, refresh_per_second=8):
        while True:
            campaign = (await api.get(f"/api/v1/campaigns/{campaign_id}")).json()
            now = time.monotonic()
            receipts = campaign["messages_delivered"] + campaign["messages_read"]
            recent.append((now, campaign["messages_sent"], receipts))
            progress.update(task, completed=campaign["progress"], counts=_counts(campaign, recent))
            if campaign["status"] not in ("running", "scheduled"):
                ended_at = ended_at or now
                if _settled(recent, now - ended_at):
                    break
            await asyncio.sleep(0.25)
    console.print(f"Campaign {campaign['status']} in {(ended_at or now) - started:.1f}s.")


def _counts(campaign: dict[str, Any], recent: deque[tuple[float, int, int]]) -> str:
    (then, sent_then, _), (now, sent_now, _) = recent[0], recent[-1]
    rate = (sent_now - sent_then) / (now - then) if now > then else 0.0
    return (
        f"sent {campaign['messages_sent']}  delivered {campaign['messages_delivered']}  "
        f"read {campaign['messages_read']}  retrying {campaign['messages_retrying']}  "
        f"failed {campaign['messages_failed']}  {rate:,.0f} msg/s{_eta(campaign)}"
    )


def _eta(campaign: dict[str, Any]) -> str:
    eta = campaign.get("eta_seconds")
    return f"  ETA {eta:,.0f}s" if eta else ""


def _settled(recent: deque[tuple[float, int, int]], since_end: float) -> bool:
    """Receipts stopped changing for a few seconds (or the wait has gone on long enough)."""
    now, _, receipts = recent[-1]
    quiet = all(r == receipts for t, _, r in recent if now - t <= RECEIPTS_SETTLE_SECONDS)
    return (quiet and since_end >= RECEIPTS_SETTLE_SECONDS) or since_end > RECEIPTS_MAX_WAIT_SECONDS


def _print_stats(stats: dict[str, Any], console: Console) -> None:
    table = Table(title="Retry statistics", show_header=False)
    for key, value in stats["statuses"].items():
        table.add_row(f"contacts {key}", str(value))
    for key in ("total_contacts", "total_attempts", "avg_attempts_per_contact",
                "successful_on_first_attempt", "required_retries", "retry_rate"):  # fmt: skip
        table.add_row(key.replace("_", " "), str(stats[key]))
    console.print(table)
    errors = Table(title="Most recent errors")
    for column in ("contact", "attempt", "error"):
        errors.add_column(column)
    for error in stats["recent_errors"][:5]:
        errors.add_row(error["contact_name"], str(error["attempt"]), error["error"][:80])
    console.print(errors)
