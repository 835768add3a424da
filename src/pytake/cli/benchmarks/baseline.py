"""The naive baseline: one send at a time, retries slept out in the loop, history rewritten whole.

This is the design ENGINE.md §3 rules out, run on the same contacts and simulator: every
contact's attempts live in one JSON document on one campaign row, and that document is
serialised and written again after every attempt, so each write costs more than the last.
"""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pytake.campaigns.template import TemplateContact, render_components
from pytake.cli.benchmarks.preparation import (
    ACCESS_TOKEN,
    RETRY_BASE_DELAY,
    RETRY_MAX_ATTEMPTS,
    RETRY_MAX_DELAY,
    TEMPLATE,
    BenchContact,
    bench_contacts,
)
from pytake.cli.benchmarks.repository import create_naive_campaign, rewrite_naive_history
from pytake.cli.benchmarks.results import RunResult, peak_rss_mb
from pytake.cli.benchmarks.write_cost import WriteLog
from pytake.core.db import Database
from pytake.core.settings import Settings
from pytake.sending.ports import MessageSender, SendRequest
from pytake.sending.retry_policy import RetryPolicy, Verdict, decide_after_failure
from pytake.whatsapp.client import CloudApiClient

PHONE_NUMBER_ID = "106540352242922"
# Throttled retries spend no retry budget; this bounds them anyway.
_ATTEMPT_LIMIT = 16


class NaiveCampaign:
    """The whole campaign as one dict of contact phone → attempts, rewritten per attempt."""

    def __init__(
        self, db: Database, sender: MessageSender, *, api_base_url: str, delay_scale: float
    ) -> None:
        self.db, self.sender = db, sender
        self.api_base_url, self.delay_scale = api_base_url, delay_scale
        self.policy = RetryPolicy(RETRY_MAX_ATTEMPTS, RETRY_BASE_DELAY, RETRY_MAX_DELAY)
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.writes = WriteLog()

    async def create_row(self) -> None:
        async with self.db.transaction() as session:
            await create_naive_campaign(session)

    async def send(self, contact: BenchContact) -> bool:
        """Sends to one contact until it succeeds or fails for good; True when it was sent."""
        retries_used = 0
        for attempt in range(_ATTEMPT_LIMIT):
            result = await self.sender.send(self._request(contact, attempt))
            error = None if result.error is None else result.error.message
            await self._record(contact, attempt, result.wamid, error)
            if result.error is None:
                return True
            decision = decide_after_failure(
                result.error, retries_used=retries_used, policy=self.policy
            )
            if decision.verdict not in (Verdict.RETRY, Verdict.RESCHEDULE):
                return False
            retries_used += decision.verdict == Verdict.RETRY
            await asyncio.sleep(decision.due_in_seconds / self.delay_scale)
        return False

    def _request(self, contact: BenchContact, attempt: int) -> SendRequest:
        person = TemplateContact(contact.name, contact.phone, {})
        return SendRequest(
            message_id=uuid.uuid4(),
            to=contact.phone,
            template_name=TEMPLATE.name,
            language=TEMPLATE.language,
            components=render_components(TEMPLATE.components, person),
            phone_number_id=PHONE_NUMBER_ID,
            access_token=ACCESS_TOKEN,
            api_base_url=self.api_base_url,
            attempt_count=attempt,
        )

    async def _record(
        self, contact: BenchContact, attempt: int, wamid: str | None, error: str | None
    ) -> None:
        self.history.setdefault(contact.phone, []).append(
            {
                "attempt": attempt,
                "timestamp": datetime.now(UTC).isoformat(),
                "success": error is None,
                "message_id": wamid,
                "error": error,
            }
        )
        started = time.perf_counter()
        async with self.db.transaction() as session:
            await rewrite_naive_history(session, json.dumps(self.history))
        self.writes.record(1, time.perf_counter() - started)


async def run_baseline(
    settings: Settings,
    *,
    contacts: int,
    max_seconds: float,
    api_base_url: str,
    delay_scale: float,
) -> RunResult:
    """Sends contact after contact until all are done or `max_seconds` have passed."""
    db = Database(settings.database_url)
    client = CloudApiClient(
        timeout_seconds=settings.http_timeout_seconds,
        connect_timeout_seconds=settings.http_connect_timeout_seconds,
        api_hosts=settings.whatsapp_api_origins,
        max_connections=1,
    )
    campaign = NaiveCampaign(db, client, api_base_url=api_base_url, delay_scale=delay_scale)
    done = sent = 0
    try:
        await campaign.create_row()
        started, cpu_started = time.perf_counter(), time.process_time()
        for contact in bench_contacts(contacts):
            if time.perf_counter() - started >= max_seconds:
                break
            sent += await campaign.send(contact)
            done += 1
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        await client.close()
        await db.dispose()
    return RunResult(
        contacts=done,
        sent=sent,
        failed=done - sent,
        attempts=campaign.writes.attempts,
        seconds=seconds,
        write_cost=campaign.writes.cost(),
        peak_rss_mb=peak_rss_mb(),
        cpu_seconds=cpu_seconds,
    )
