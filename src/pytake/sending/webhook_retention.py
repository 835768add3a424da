"""Housekeeping of the raw webhook log: bodies past their retention are deleted.

A body still pending replay (never applied) is kept whatever its age. An applied body (or one
found unreadable) goes once both its receipt and its application are older than the
retention: the (processed_at, id) index finds those without a scan. Each chunk of rows is its
own short transaction, so no lock is held for long, and one run stops after a few chunks so
the tick that calls it stays short; what is left goes on the next tick.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from pytake.core.clock import Clock
from pytake.core.db import Database
from pytake.sending.models import WebhookEvent

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000
CHUNKS_PER_RUN = 4
INTERVAL_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Sweep:
    deleted: int
    # The run stopped at its last chunk: older bodies may remain.
    more: bool


async def delete_expired_webhook_bodies(
    db: Database,
    *,
    before: datetime,
    chunk_rows: int = CHUNK_ROWS,
    max_chunks: int = CHUNKS_PER_RUN,
) -> Sweep:
    """Deletes applied bodies received and applied before `before`, a chunk per statement."""
    expired = (
        select(WebhookEvent.id)
        .where(WebhookEvent.processed_at < before, WebhookEvent.received_at < before)
        .order_by(WebhookEvent.processed_at, WebhookEvent.id)
        .limit(chunk_rows)
    )
    deleted = 0
    for _ in range(max_chunks):
        async with db.transaction() as session:
            ids = list((await session.scalars(expired)).all())
            if ids:
                await session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < chunk_rows:
            return Sweep(deleted, more=False)
    return Sweep(deleted, more=True)


class WebhookRetention:
    """Deletes the bodies older than `retention` by the clock, never failing its caller."""

    def __init__(self, db: Database, clock: Clock, *, retention: timedelta) -> None:
        self.db, self.clock, self.retention = db, clock, retention
        self._next_run = 0.0

    async def run(self) -> bool:
        """One run; says whether older bodies may remain (then the next run should come soon)."""
        try:
            sweep = await delete_expired_webhook_bodies(
                self.db, before=self.clock.now() - self.retention
            )
        except Exception:  # housekeeping must never stop the tick that sends
            logger.exception("deleting expired webhook bodies failed; trying again later")
            return False
        if sweep.deleted:
            logger.info("deleted %d webhook bodies past their retention", sweep.deleted)
        return sweep.more

    async def run_if_due(self) -> None:
        """A run at most every INTERVAL_SECONDS of this process, and at every call while a
        backlog remains."""
        if time.monotonic() < self._next_run:
            return
        more = await self.run()
        self._next_run = 0.0 if more else time.monotonic() + INTERVAL_SECONDS
