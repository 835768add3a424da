"""Sends one running campaign: claims due messages, sends them concurrently, records outcomes.

Work streams: new claims are made while earlier sends are in flight, and outcomes are written
in batched transactions. Nobody sleeps on a retry: a failed contact is written back with its
`next_attempt_at` and claimed again when due. The campaign's status in the database is the
control plane; `halt()` makes a pause or cancel take effect before the next send.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pytake.campaigns.models import CampaignStatus, PauseReason
from pytake.campaigns.template import MissingVariableError, TemplateContact, render_components
from pytake.core.clock import Clock
from pytake.core.db import Database
from pytake.sending import repository
from pytake.sending.outcomes import failure_outcome, outcome_of
from pytake.sending.ports import (
    ErrorClass,
    MessageSender,
    ProgressPublisher,
    SendError,
    SendRequest,
)
from pytake.sending.values import CampaignPlan, ClaimedMessage, Outcome

logger = logging.getLogger(__name__)

# Called after each write of outcomes with (outcomes written, seconds the write took).
FlushObserver = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    batch_size: int
    poll_interval_seconds: float
    lease_seconds: int
    default_api_base_url: str
    flush_size: int = 250
    flush_interval_seconds: float = 0.05


@dataclass(slots=True)
class _Released:
    """A claimed message that was not sent (halted or stopping): it goes back untouched."""

    message_id: uuid.UUID


class CampaignDispatcher:
    def __init__(
        self,
        plan: CampaignPlan,
        *,
        db: Database,
        sender: MessageSender,
        clock: Clock,
        config: DispatchConfig,
        send_slots: asyncio.Semaphore,
        progress: ProgressPublisher,
        on_flush: FlushObserver | None = None,
    ) -> None:
        self.plan, self.db, self.sender, self.clock = plan, db, sender, clock
        self.config, self.send_slots = config, send_slots
        self.progress = progress
        self.on_flush = on_flush
        self.halted = False
        self._next_claim_at = 0.0
        self._last_flush = time.monotonic()
        self._halt_reason: SendError | None = None
        self._in_flight: set[asyncio.Task[Outcome | _Released]] = set()
        self._buffer: list[Outcome | _Released] = []

    def halt(self) -> None:
        """No further send starts; claimed messages go back to the queue."""
        self.halted = True

    async def run(self) -> None:
        try:
            while not self.halted:
                if self._wants_more() and time.monotonic() >= self._next_claim_at:
                    claimed = await self._claim()
                    if not claimed:
                        self._next_claim_at = time.monotonic() + self.config.poll_interval_seconds
                    for message in claimed:
                        self._in_flight.add(asyncio.create_task(self._send(message)))
                if self._in_flight:
                    await self._collect(self.config.flush_interval_seconds)
                else:
                    await self._flush()
                    if self.halted or await self._finish_if_done():
                        return
                    await asyncio.sleep(max(0.0, self._next_claim_at - time.monotonic()))
                if self._should_flush():
                    await self._flush()
        finally:
            self.halted = True
            while self._in_flight:
                await self._collect(None)
            await asyncio.shield(self._flush())

    def _should_flush(self) -> bool:
        if len(self._buffer) >= self.config.flush_size:
            return True
        age = time.monotonic() - self._last_flush
        return bool(self._buffer) and age >= self.config.flush_interval_seconds

    def _wants_more(self) -> bool:
        return len(self._in_flight) <= self.config.batch_size // 2

    async def _claim(self) -> list[ClaimedMessage]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            status = await repository.campaign_status(session, self.plan.campaign_id)
            if status != CampaignStatus.RUNNING:
                self.halt()
                return []
            return await repository.claim_due_messages(
                session,
                self.plan.campaign_id,
                now=now,
                lease_until=now + timedelta(seconds=self.config.lease_seconds),
                limit=self.config.batch_size - len(self._in_flight),
            )

    async def _collect(self, timeout: float | None) -> None:
        done, _ = await asyncio.wait(
            self._in_flight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            self._in_flight.discard(task)
            self._buffer.append(task.result())

    async def _send(self, message: ClaimedMessage) -> Outcome | _Released:
        async with self.send_slots:
            if self.halted:
                return _Released(message.id)
            attempted_at = self.clock.now()
            try:
                request = self._request_for(message)
            except MissingVariableError as exc:
                error = SendError(ErrorClass.PERMANENT, str(exc))
                return failure_outcome(
                    message,
                    error,
                    policy=self.plan.policy,
                    attempted_at=attempted_at,
                    finished_at=attempted_at,
                )
            result = await self.sender.send(request)
        if result.error is not None and result.error.error_class == ErrorClass.HALTING:
            self._halt_reason = self._halt_reason or result.error
            self.halt()
        return outcome_of(
            message,
            result,
            policy=self.plan.policy,
            attempted_at=attempted_at,
            finished_at=self.clock.now(),
        )

    def _request_for(self, message: ClaimedMessage) -> SendRequest:
        plan = self.plan
        contact = TemplateContact(
            message.contact_name, message.contact_phone, message.contact_attributes
        )
        return SendRequest(
            message_id=message.id,
            to=message.contact_phone,
            template_name=plan.template_name,
            language=plan.language,
            components=render_components(plan.components, contact) if plan.components else [],
            phone_number_id=plan.phone_number_id,
            access_token=plan.access_token,
            api_base_url=plan.api_base_url or self.config.default_api_base_url,
            attempt_count=message.attempt_count,
        )

    async def _flush(self) -> None:
        if not self._buffer and self._halt_reason is None:
            return
        buffer, self._buffer = self._buffer, []
        self._last_flush = time.monotonic()
        outcomes = [item for item in buffer if isinstance(item, Outcome)]
        released = [item.message_id for item in buffer if isinstance(item, _Released)]
        started = time.perf_counter()
        async with self.db.transaction() as session:
            await repository.record_outcomes(session, self.plan.campaign_id, outcomes)
            await repository.release_messages(session, released, now=self.clock.now())
            if self.halted:
                await repository.cancel_leftovers(session, self.plan.campaign_id)
            if self._halt_reason is not None:
                await repository.pause_running_campaign(
                    session,
                    self.plan.campaign_id,
                    reason=PauseReason.ACCOUNT,
                    detail=self._halt_reason.message,
                )
        if self._halt_reason is not None:
            logger.warning(
                "campaign %s paused: the Cloud API refused the number (%s)",
                self.plan.campaign_id,
                self._halt_reason.message,
            )
            self._halt_reason = None
        if outcomes and self.on_flush is not None:
            self.on_flush(len(outcomes), time.perf_counter() - started)
        self.progress.campaign_changed(self.plan.campaign_id)

    async def _finish_if_done(self) -> bool:
        async with self.db.transaction() as session:
            done = await repository.complete_if_done(
                session, self.plan.campaign_id, self.clock.now()
            )
        if done:
            logger.info("campaign %s completed", self.plan.campaign_id)
            self.progress.campaign_changed(self.plan.campaign_id)
        return done
