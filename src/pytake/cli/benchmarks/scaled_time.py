"""Watches the engine's queue: scales retry delays, and tells the first-attempt pass from the drain.

Scaled delays: while the engine can only wait for retries to fall due, its clock runs `scale`
times faster, so a delay takes 1/`scale` of its length, as the baseline's sleeps do. While any
message is pending or being sent the clock runs at its real pace, so leases and the due times
of messages in flight keep their real meaning.
"""

import asyncio
import time
import uuid

from pytake.cli.benchmarks.repository import has_first_attempts_left, has_work_in_hand
from pytake.core.clock import OffsetClock
from pytake.core.db import Database

IDLE_TICK_SECONDS = 0.005
# While the engine is busy the probe only needs to notice when that changes.
BUSY_TICK_SECONDS = 0.1


class QueueWatch:
    """Polls a running campaign's messages until cancelled."""

    def __init__(
        self, clock: OffsetClock, db: Database, campaign_id: uuid.UUID, *, scale: float
    ) -> None:
        self.clock, self.db, self.campaign_id, self.scale = clock, db, campaign_id, scale
        self.first_attempts_left = True

    def is_draining(self) -> bool:
        """Every first attempt is recorded: what is left are retries (the campaign's tail)."""
        return not self.first_attempts_left

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            async with self.db.session() as session:
                busy = await has_work_in_hand(session, self.campaign_id)
                if self.first_attempts_left:
                    self.first_attempts_left = await has_first_attempts_left(
                        session, self.campaign_id
                    )
            await asyncio.sleep(BUSY_TICK_SECONDS if busy else IDLE_TICK_SECONDS)
            if not busy:
                self.clock.advance((time.monotonic() - started) * (self.scale - 1))
