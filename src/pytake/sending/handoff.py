"""Marks sends in flight before they reach the HTTP client: one transaction for many sends.

Each send waits for its own mark to be committed; the marks of sends that arrive while one
transaction is being written go into the next (a group commit), so a fast number costs a
transaction per group of sends, not one per message.
"""

import asyncio
import uuid
from datetime import datetime

from pytake.core.clock import Clock
from pytake.core.db import Database
from pytake.sending import lease_repository
from pytake.sending.values import ClaimedMessage


class HandOffQueue:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self._waiting: list[tuple[ClaimedMessage, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def admit(self, message: ClaimedMessage) -> bool:
        """True once the message is durably in flight; False when its contact opted out
        or its lease was lost: it is no longer this sender's. Raises what the database raised."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                admitted = await self._mark([message for message, _ in group], self.clock.now())
            except Exception as exc:
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for message, future in group:
                if not future.done():
                    future.set_result(message.id in admitted)

    async def _mark(self, messages: list[ClaimedMessage], now: datetime) -> frozenset[uuid.UUID]:
        claims = [(message.id, message.lease_token) for message in messages]
        async with self.db.transaction() as session:
            return await lease_repository.hand_off(session, claims, now=now)
