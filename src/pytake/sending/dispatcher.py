"""Sends one running campaign: claims due messages, sends them concurrently, records outcomes.

Work streams: new claims are made while earlier sends are in flight, and outcomes are written
in batched transactions. Nobody sleeps on a retry: a failed contact is written back with its
`next_attempt_at` and claimed again when due. The order per send is ENGINE.md §4's: the
number's limits first, then the send, then the record. The campaign's status in the database
is the control plane; `halt()` makes a pause or cancel take effect before the next send.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import CampaignStatus, PauseReason
from pytake.campaigns.template import MissingVariableError, TemplateContact, render_components
from pytake.core.clock import Clock
from pytake.core.db import Database
from pytake.sending import control_repository as control
from pytake.sending import repository
from pytake.sending.breaker import BreakerSettings, FailureWindow
from pytake.sending.outcomes import outcome_of
from pytake.sending.ports import (
    ErrorClass,
    MessageSender,
    ProgressPublisher,
    RateLimiter,
    SendError,
    SendRequest,
    SendResult,
)
from pytake.sending.values import CampaignPlan, ClaimedMessage, Outcome

logger = logging.getLogger(__name__)

# Called after each write of outcomes with (outcomes written, seconds the write took).
FlushObserver = Callable[[int, float], None]
MESSAGING_WINDOW = timedelta(hours=24)
# Waits for a limit shorter than this are waited out; longer ones pause the campaign.
LONGEST_WAIT = timedelta(seconds=300)
# Claims never run further ahead of the number's pace than this.
CLAIM_AHEAD_SECONDS = 1


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    batch_size: int
    poll_interval_seconds: float
    lease_seconds: int
    default_api_base_url: str
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    flush_size: int = 250
    flush_interval_seconds: float = 0.05


@dataclass(frozen=True, slots=True)
class _Released:
    """A claimed message that was not sent (halted or stopping): it goes back untouched."""

    message_id: uuid.UUID
    lease_token: uuid.UUID


@dataclass(frozen=True, slots=True)
class _Pause:
    reason: PauseReason
    detail: str
    resume_at: datetime | None = None


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
        limiter: RateLimiter,
        progress: ProgressPublisher,
        on_flush: FlushObserver | None = None,
    ) -> None:
        self.plan, self.db, self.sender, self.clock = plan, db, sender, clock
        self.config, self.send_slots, self.limiter = config, send_slots, limiter
        self.progress, self.on_flush = progress, on_flush
        self.halted = False
        self._limit_key = str(plan.number_id)
        self._failures = FailureWindow(config.breaker)
        self._pause: _Pause | None = None
        self._next_claim_at = 0.0
        self._last_flush = time.monotonic()
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
                        self._claim_again_in(self.config.poll_interval_seconds)
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

    def _claim_again_in(self, seconds: float) -> None:
        self._next_claim_at = max(self._next_claim_at, time.monotonic() + seconds)

    def _should_flush(self) -> bool:
        if len(self._buffer) >= self.config.flush_size:
            return True
        age = time.monotonic() - self._last_flush
        return bool(self._buffer) and age >= self.config.flush_interval_seconds

    def _wants_more(self) -> bool:
        return len(self._in_flight) <= self.config.batch_size // 2

    def _claim_size(self) -> int:
        ahead = max(1, self.plan.throughput_mps * CLAIM_AHEAD_SECONDS)
        return min(self.config.batch_size - len(self._in_flight), ahead)

    async def _claim(self) -> list[ClaimedMessage]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            status = await control.campaign_status(session, self.plan.campaign_id)
            if status != CampaignStatus.RUNNING:
                self.halt()
                return []
            limit = await self._messaging_room(session, now, self._claim_size())
            if limit == 0:
                return []
            return await repository.claim_due_messages(
                session,
                self.plan.campaign_id,
                now=now,
                lease_until=now + timedelta(seconds=self.config.lease_seconds),
                limit=limit,
            )

    async def _messaging_room(self, session: AsyncSession, now: datetime, wanted: int) -> int:
        """How many more distinct recipients the number may reach now (ENGINE.md §4)."""
        cap = self.plan.messaging_limit_24h
        if cap is None:
            return wanted
        used, oldest = await repository.recipients_in_window(
            session, self.plan.number_id, since=now - MESSAGING_WINDOW
        )
        if used < cap:
            return min(wanted, cap - used)
        if self._in_flight or oldest is None:
            return 0
        frees_at = oldest + MESSAGING_WINDOW
        if frees_at - now > LONGEST_WAIT:
            detail = f"the number reached its limit of {cap} recipients in 24 hours"
            self._pause = _Pause(PauseReason.RATE_LIMIT, detail, frees_at)
            self.halt()
        else:
            self._claim_again_in((frees_at - now).total_seconds())
        return 0

    async def _collect(self, timeout: float | None) -> None:
        done, _ = await asyncio.wait(
            self._in_flight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            self._in_flight.discard(task)
            self._buffer.append(task.result())

    def _may_send(self) -> bool:
        return not self.halted

    async def _send(self, message: ClaimedMessage) -> Outcome | _Released:
        if not self._may_send():
            return _Released(message.id, message.lease_token)
        # The pace is kept before taking a send slot, so a slow number never holds up others.
        await self.limiter.acquire(self._limit_key, self.plan.throughput_mps)
        async with self.send_slots:
            # Checked again: a pause may have come while this send waited for its turn.
            if not self._may_send():
                return _Released(message.id, message.lease_token)
            attempted_at = self.clock.now()
            try:
                request = self._request_for(message)
            except MissingVariableError as exc:
                result = SendResult(None, SendError(ErrorClass.PERMANENT, str(exc)))
            else:
                result = await self.sender.send(request)
        await self._observe(result)
        return outcome_of(
            message,
            result,
            policy=self.plan.policy,
            attempted_at=attempted_at,
            finished_at=self.clock.now(),
        )

    async def _observe(self, result: SendResult) -> None:
        """Reacts to what one answer says about the number or the campaign as a whole."""
        error = result.error
        if error is not None and error.error_class == ErrorClass.HALTING:
            self._pause_with(_Pause(PauseReason.ACCOUNT, error.message))
            return
        if error is not None and error.error_class == ErrorClass.THROTTLED:
            if not error.per_recipient:
                await self.limiter.slow_down(self._limit_key)
            return
        self._failures.record(failed=error is not None)
        if self._failures.is_tripped():
            self._pause_with(_Pause(PauseReason.ERROR_THRESHOLD, self._failures.describe()))

    def _pause_with(self, pause: _Pause) -> None:
        self._pause = self._pause or pause
        self.halt()

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
        if not self._buffer and self._pause is None:
            return
        buffer, self._buffer = self._buffer, []
        self._last_flush = time.monotonic()
        outcomes = [item for item in buffer if isinstance(item, Outcome)]
        released = [(i.message_id, i.lease_token) for i in buffer if isinstance(i, _Released)]
        pause, self._pause = self._pause, None
        started = time.perf_counter()
        async with self.db.transaction() as session:
            await repository.record_outcomes(session, self.plan.campaign_id, outcomes)
            await repository.release_messages(session, released, now=self.clock.now())
            if self.halted:
                await control.cancel_leftovers(session, self.plan.campaign_id)
            if pause is not None:
                await control.pause_running_campaign(
                    session,
                    self.plan.campaign_id,
                    reason=pause.reason,
                    detail=pause.detail,
                    resume_at=pause.resume_at,
                )
        if pause is not None:
            logger.warning("campaign %s paused (%s)", self.plan.campaign_id, pause.detail)
        if outcomes and self.on_flush is not None:
            self.on_flush(len(outcomes), time.perf_counter() - started)
        self.progress.campaign_changed(self.plan.campaign_id)

    async def _finish_if_done(self) -> bool:
        async with self.db.transaction() as session:
            done = await control.complete_if_done(session, self.plan.campaign_id, self.clock.now())
        if done:
            logger.info("campaign %s completed", self.plan.campaign_id)
            self.progress.campaign_changed(self.plan.campaign_id)
        return done
