"""Pace → send → observe → record for one campaign's claimed messages, whoever claimed them.

The in-process dispatcher feeds it a stream of claims; a distributed worker feeds it one batch.
Sends run concurrently; each is marked in flight (durably, many per transaction) just before
its turn at the number's rate limiter, which is also where an opt-out made since the claim
stops it, then passes the limiter, then takes a send slot for the HTTP call. While sends are
held, their leases are renewed (a heartbeat), so short leases expire soon only when their
holder is gone.
What an answer says about the number or the campaign (halting errors, throttling, a run of
failures) is acted on at once; outcomes are written in batched transactions, fenced by the
claim's lease token. The campaign's status in the database is the control plane: each write
reads it, and a campaign no longer running halts the sends not yet started.
"""

import asyncio
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from pytake.campaigns.models import CampaignStatus, PauseReason
from pytake.campaigns.template import MissingVariableError, TemplateContact, render_components
from pytake.core.clock import Clock
from pytake.core.db import Database
from pytake.core.secrets import SecretBox, WrongSecretKeyError
from pytake.sending import control_repository as control
from pytake.sending import lease_repository, repository
from pytake.sending.breaker import FailureWindow
from pytake.sending.handoff import HandOffQueue
from pytake.sending.outcomes import outcome_of
from pytake.sending.ports import (
    ErrorClass,
    MessageSender,
    ProgressPublisher,
    RateLimiter,
    RateLimiterUnavailableError,
    SendError,
    SendRequest,
    SendResult,
)
from pytake.sending.values import CampaignPlan, ClaimedMessage, Outcome

logger = logging.getLogger(__name__)

# How much of the number's pace may be marked in flight while it waits for its turn.
MARK_AHEAD_SECONDS = 0.1

UNDECRYPTABLE_NUMBER = (
    "PYTAKE_SECRET_KEY cannot decrypt the number's access token: enter the token again"
)

# Called after each write of outcomes with (outcomes written, seconds the write took).
FlushObserver = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    default_api_base_url: str
    flush_size: int = 250
    flush_interval_seconds: float = 0.05
    lease_seconds: int = 15
    renew_every_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class Released:
    """A claimed message that was not sent (halted or stopping): it goes back untouched."""

    message_id: uuid.UUID
    lease_token: uuid.UUID


@dataclass(frozen=True, slots=True)
class NotOurs:
    """A claimed message that is no longer this sender's (opted out, or its lease was lost):
    nothing is sent and nothing more is written for it."""

    message_id: uuid.UUID
    lease_token: uuid.UUID


Finished = Outcome | Released | NotOurs


@dataclass(frozen=True, slots=True)
class Pause:
    reason: PauseReason
    detail: str
    resume_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SendParts:
    """What every send of a process shares: the database, the API, the limits, the clock,
    and the keys of the stored access tokens."""

    db: Database
    sender: MessageSender
    clock: Clock
    limiter: RateLimiter
    progress: ProgressPublisher
    send_slots: asyncio.Semaphore
    secrets: SecretBox


class SendPipeline:
    def __init__(
        self,
        plan: CampaignPlan,
        parts: SendParts,
        *,
        config: PipelineConfig,
        failures: FailureWindow,
        on_flush: FlushObserver | None = None,
    ) -> None:
        self.plan, self.parts, self.config = plan, parts, config
        self.failures, self.on_flush = failures, on_flush
        self.halted = False
        self._limit_key = str(plan.number_id)
        self._pause: Pause | None = None
        self._last_flush = time.monotonic()
        self._in_flight: set[asyncio.Task[Finished]] = set()
        self._buffer: list[Finished] = []
        self._handoff = HandOffQueue(parts.db, parts.clock)
        self._marked_ahead = asyncio.Semaphore(
            max(1, math.ceil(plan.throughput_mps * MARK_AHEAD_SECONDS))
        )
        self._held: Counter[uuid.UUID] = Counter()
        self._next_renewal = time.monotonic() + config.renew_every_seconds
        # Decrypted once per pipeline (a batch, or a campaign's run in process), not per send.
        self._access_token = ""
        try:
            self._access_token = parts.secrets.decrypt(plan.encrypted_access_token)
        except WrongSecretKeyError:
            self.pause_with(Pause(PauseReason.ACCOUNT, UNDECRYPTABLE_NUMBER))

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def halt(self) -> None:
        """No further send starts; claimed messages go back to the queue."""
        self.halted = True

    def pause_with(self, pause: Pause) -> None:
        """Pauses the campaign at the next write; the first reason found is the one kept."""
        self._pause = self._pause or pause
        self.halt()

    def start(self, messages: Iterable[ClaimedMessage]) -> None:
        for message in messages:
            self._held[message.lease_token] += 1
            self._in_flight.add(asyncio.create_task(self._send(message)))

    async def collect(self, timeout: float | None) -> None:
        """Buffers the sends finished within `timeout` (None: at least one), then writes them
        when enough have gathered or they have waited long enough."""
        if self._in_flight:
            done, _ = await asyncio.wait(
                self._in_flight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                self._in_flight.discard(task)
                finished = task.result()
                self._held[finished.lease_token] -= 1
                self._buffer.append(finished)
            self._held = +self._held
        if self._should_flush():
            await self.flush()
        await self._renew_if_due()

    async def drain(self) -> None:
        """Halts, waits for the sends in flight, and writes everything (even when cancelled)."""
        self.halt()
        while self._in_flight:
            await self.collect(self.config.renew_every_seconds)
        await asyncio.shield(self.flush())

    async def _renew_if_due(self) -> None:
        """The heartbeat: the leases of the sends held run on while this sender lives."""
        if not self._held or time.monotonic() < self._next_renewal:
            return
        self._next_renewal = time.monotonic() + self.config.renew_every_seconds
        until = self.parts.clock.now() + timedelta(seconds=self.config.lease_seconds)
        try:
            async with self.parts.db.transaction() as session:
                await lease_repository.renew_leases(session, list(self._held), until=until)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning(
                "could not renew the leases of campaign %s: %s", self.plan.campaign_id, exc
            )

    def _should_flush(self) -> bool:
        if len(self._buffer) >= self.config.flush_size:
            return True
        age = time.monotonic() - self._last_flush
        return bool(self._buffer) and age >= self.config.flush_interval_seconds

    def _may_send(self) -> bool:
        return not self.halted

    async def _send(self, message: ClaimedMessage) -> Finished:
        if not self._may_send():
            return Released(message.id, message.lease_token)
        # Marked in flight just before its turn at the pace, so the pace is kept at the API
        # whatever the mark costs; at most MARK_AHEAD_SECONDS of it is marked and not yet sent.
        async with self._marked_ahead:
            try:
                if not await self._handoff.admit(message):
                    return NotOurs(message.id, message.lease_token)
            except (SQLAlchemyError, OSError) as exc:
                logger.warning("a send was held back: it could not be marked in flight: %s", exc)
                return Released(message.id, message.lease_token)
            # The pace is kept before taking a send slot, so a slow number never holds up others.
            try:
                await self.parts.limiter.acquire(self._limit_key, self.plan.throughput_mps)
            except RateLimiterUnavailableError as exc:
                if self._may_send():
                    logger.warning("sending stops: %s", exc)
                self.halt()
                return Released(message.id, message.lease_token)
        async with self.parts.send_slots:
            # Checked again: a pause may have come while this send waited for its turn.
            if not self._may_send():
                return Released(message.id, message.lease_token)
            attempted_at = self.parts.clock.now()
            try:
                request = self._request_for(message)
            except MissingVariableError as exc:
                result = SendResult(None, SendError(ErrorClass.PERMANENT, str(exc)))
            else:
                result = await self.parts.sender.send(request)
        await self._observe(result)
        return outcome_of(
            message,
            result,
            policy=self.plan.policy,
            attempted_at=attempted_at,
            finished_at=self.parts.clock.now(),
        )

    async def _observe(self, result: SendResult) -> None:
        """Reacts to what one answer says about the number or the campaign as a whole."""
        error = result.error
        if error is not None and error.error_class == ErrorClass.HALTING:
            self.pause_with(Pause(PauseReason.ACCOUNT, error.message))
            return
        if error is not None and error.error_class == ErrorClass.THROTTLED:
            if not error.per_recipient:
                try:
                    await self.parts.limiter.slow_down(self._limit_key)
                except RateLimiterUnavailableError as exc:
                    logger.warning("could not slow the number down: %s", exc)
            return
        self.failures.record(failed=error is not None)
        if self.failures.is_tripped():
            self.pause_with(Pause(PauseReason.ERROR_THRESHOLD, self.failures.describe()))

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
            access_token=self._access_token,
            api_base_url=plan.api_base_url or self.config.default_api_base_url,
            attempt_count=message.attempt_count,
        )

    async def flush(self) -> None:
        """Writes the buffered outcomes, returns released claims, applies a pause."""
        if not self._buffer and self._pause is None:
            return
        buffer, self._buffer = self._buffer, []
        self._last_flush = time.monotonic()
        outcomes = [item for item in buffer if isinstance(item, Outcome)]
        released = [(i.message_id, i.lease_token) for i in buffer if isinstance(i, Released)]
        pause, self._pause = self._pause, None
        campaign_id = self.plan.campaign_id
        started = time.perf_counter()
        async with self.parts.db.transaction() as session:
            await repository.record_outcomes(session, campaign_id, outcomes)
            await repository.release_messages(session, released, now=self.parts.clock.now())
            if pause is not None:
                await control.pause_running_campaign(
                    session,
                    campaign_id,
                    reason=pause.reason,
                    detail=pause.detail,
                    resume_at=pause.resume_at,
                )
            if await control.campaign_status(session, campaign_id) != CampaignStatus.RUNNING:
                self.halt()
            if self.halted:
                await control.cancel_leftovers(session, campaign_id)
        if pause is not None:
            logger.warning("campaign %s paused (%s)", campaign_id, pause.detail)
        if outcomes and self.on_flush is not None:
            self.on_flush(len(outcomes), time.perf_counter() - started)
        self.parts.progress.campaign_changed(campaign_id)
