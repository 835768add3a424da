"""Delivers status webhooks in the background: batched, signed, retried, never in the send path."""

import asyncio
import heapq
import itertools
import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Final

import aiohttp

from pytake.whatsapp.simulator.config import SimulatorConfig
from pytake.whatsapp.simulator.statuses import (
    Status,
    StatusPlan,
    encode_envelope,
    plan_statuses,
    sign_body,
)
from pytake.whatsapp.simulator.store import AcceptedMessage

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS: Final = 0.1
MAX_STATUSES_PER_POST: Final = 100
# Meta retries an unanswered webhook for days; a minute, never more than 4 s apart, covers a
# receiver restart and lets it see a send before its reconciliation grace runs out.
RETRY_DELAYS_SECONDS: Final = (0.5, 1.0, 2.0) + (4.0,) * 14
MAX_CONCURRENT_POSTS: Final = 16
POST_TIMEOUT_SECONDS: Final = 10.0


class WebhookDispatcher:
    """Turns accepted messages into due statuses and posts them to the configured URL."""

    def __init__(
        self,
        get_config: Callable[[], SimulatorConfig],
        rng: random.Random,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS_SECONDS,
    ) -> None:
        self._get_config = get_config
        self._rng = rng
        self._retry_delays = retry_delays
        self._accepted: list[AcceptedMessage] = []
        self._due: list[tuple[float, int, str, Status]] = []
        self._order = itertools.count()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_POSTS)

    def enqueue(self, message: AcceptedMessage) -> None:
        """Cheap on purpose: the statuses are planned later, off the request path."""
        self._accepted.append(message)

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self._flusher = asyncio.create_task(self._flush_forever())

    async def close(self) -> None:
        """Stop flushing, abandon pending deliveries and close the HTTP session."""
        tasks = [*self._deliveries, *([self._flusher] if self._flusher else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._flusher = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def clear(self) -> None:
        self._accepted.clear()
        self._due.clear()

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_SECONDS)
            self.flush(time.time())

    def flush(self, now: float) -> None:
        """Post every status due by `now`, grouped by phone number, at most 100 per request."""
        config = self._get_config()
        if config.webhook_url is None:
            self.clear()
            return
        self._plan_accepted(config)
        for phone_number_id, statuses in self._pop_due(now).items():
            for start in range(0, len(statuses), MAX_STATUSES_PER_POST):
                body = encode_envelope(
                    statuses[start : start + MAX_STATUSES_PER_POST],
                    waba_id=config.waba_id,
                    display_phone_number=config.display_phone_number,
                    phone_number_id=phone_number_id,
                )
                self._spawn_delivery(config.webhook_url, body, config.app_secret)

    def _plan_accepted(self, config: SimulatorConfig) -> None:
        plan = StatusPlan(
            delay_seconds=config.webhook_delay_seconds,
            read_rate=config.read_rate,
            failed_rate=config.failed_status_rate,
            duplicate_rate=config.duplicate_rate,
            reorder_rate=config.reorder_rate,
        )
        accepted, self._accepted = self._accepted, []
        for message in accepted:
            for due, status in plan_statuses(message, self._rng, plan):
                entry = (due, next(self._order), message.phone_number_id, status)
                heapq.heappush(self._due, entry)

    def _pop_due(self, now: float) -> dict[str, list[Status]]:
        grouped: dict[str, list[Status]] = {}
        while self._due and self._due[0][0] <= now:
            _, _, phone_number_id, status = heapq.heappop(self._due)
            grouped.setdefault(phone_number_id, []).append(status)
        return grouped

    def _spawn_delivery(self, url: str, body: bytes, app_secret: str | None) -> None:
        headers = {"Content-Type": "application/json"}
        if app_secret is not None:
            headers["X-Hub-Signature-256"] = sign_body(app_secret, body)
        task = asyncio.create_task(self._deliver(url, body, headers))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        if await self._post(url, body, headers):
            return
        for delay in self._retry_delays:
            await asyncio.sleep(delay)
            if await self._post(url, body, headers):
                return
        logger.warning(
            "dropped a status webhook batch (%d bytes) after %d failed attempts to %s",
            len(body),
            1 + len(self._retry_delays),
            url,
        )

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> bool:
        if self._session is None:
            return False
        try:
            async with self._slots, self._session.post(url, data=body, headers=headers) as reply:
                await reply.read()
                return reply.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
