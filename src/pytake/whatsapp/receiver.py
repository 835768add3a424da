"""Receives Meta's signed webhooks: checks them, stores the raw body, then applies its statuses.

The body is committed before it is applied, so nothing acknowledged is lost: a body that could
not be applied (or whose process died meanwhile) stays unprocessed and is replayed later.
Applying is idempotent, so a replay of a body that did get applied changes nothing.
"""

import asyncio
import contextlib
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pytake.core.clock import Clock
from pytake.core.db import Database, utcnow
from pytake.core.errors import PytakeError
from pytake.sending import receipts_repository as repository
from pytake.sending.delivery import DeliveryReport, update_message_status
from pytake.sending.ports import ProgressPublisher
from pytake.sending.receipts import ReceiptResult
from pytake.whatsapp.webhook import (
    WebhookBody,
    WebhookParseError,
    is_signature_valid,
    parse_webhook,
)
from pytake.whatsapp.webhook_metrics import WEBHOOK_ERRORS, WEBHOOK_REQUESTS, WEBHOOK_STATUSES

logger = logging.getLogger(__name__)

# Meta's documented maximum payload.
MAX_BODY_BYTES: Final = 3 * 1024 * 1024
REPLAY_INTERVAL_SECONDS: Final = 30.0
# A body younger than this may still be being applied by the request that stored it.
REPLAY_GRACE: Final = timedelta(seconds=30)
_REPLAY_BATCH: Final = 100


class WebhooksDisabledError(PytakeError):
    status_code = 503


class WebhookSignatureError(PytakeError):
    status_code = 401


class WebhookBodyError(PytakeError):
    status_code = 400


class WebhookTooLargeError(PytakeError):
    status_code = 413


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    """The answer to Meta: how many statuses came and what became of them."""

    received: int
    applied: int = 0
    duplicates: int = 0
    unknown: int = 0
    ignored: int = 0
    skipped: int = 0
    errors: int = 0
    deferred: bool = False

    def as_json(self) -> dict[str, int | bool]:
        return dataclasses.asdict(self)


class WebhookReceiver:
    def __init__(
        self,
        db: Database,
        *,
        app_secret: str | None,
        clock: Clock,
        progress: ProgressPublisher,
    ) -> None:
        self.db, self.clock, self.progress = db, clock, progress
        self._app_secret = app_secret
        self._started_at = utcnow()
        self._replays: asyncio.Task[None] | None = None
        # SQLite takes one writer at a time and makes the others sleep-and-poll for the lock
        # (waits of up to 100 ms each); queueing the bodies here keeps answer times short.
        self._writes = asyncio.Lock() if db.is_sqlite else contextlib.nullcontext()

    def ensure_enabled(self) -> None:
        if self._app_secret is None:
            WEBHOOK_REQUESTS.labels("disabled").inc()
            raise WebhooksDisabledError("webhooks are off: PYTAKE_WHATSAPP_APP_SECRET is unset")

    async def receive(self, body: bytes, signature: str | None) -> WebhookReceipt:
        """Checks, stores, then applies one body; raises for a body Meta did not sign."""
        self.ensure_enabled()
        if not is_signature_valid(body, signature, self._app_secret or ""):
            WEBHOOK_REQUESTS.labels("unsigned").inc()
            raise WebhookSignatureError("missing or invalid X-Hub-Signature-256")
        try:
            parsed = parse_webhook(body)
        except WebhookParseError as exc:
            WEBHOOK_REQUESTS.labels("malformed").inc()
            raise WebhookBodyError(f"not a Cloud API webhook body: {exc}") from None
        _report_value_errors(parsed)
        async with self._writes:
            async with self.db.transaction() as session:
                event_id = await repository.store_webhook_event(
                    session, body, status_count=len(parsed.statuses), received_at=utcnow()
                )
            report = await self._apply(event_id, parsed)
        WEBHOOK_REQUESTS.labels("deferred" if report is None else "accepted").inc()
        return _receipt(parsed, report)

    async def _apply(self, event_id: int, parsed: WebhookBody) -> DeliveryReport | None:
        try:
            async with self.db.transaction() as session:
                report = await update_message_status(session, parsed.statuses, now=self.clock.now())
                await repository.mark_webhook_event(
                    session, event_id, processed_at=utcnow(), error=None
                )
        except Exception as exc:  # the body is stored: whatever went wrong, a replay retries it
            logger.exception("webhook event %d stored but not applied; will replay", event_id)
            await self._note_failure(event_id, f"{type(exc).__name__}: {exc}")
            return None
        for result, count in report.results.items():
            WEBHOOK_STATUSES.labels(result.value).inc(count)
        WEBHOOK_STATUSES.labels("skipped").inc(parsed.skipped)
        for campaign_id in report.changed_campaign_ids:
            self.progress.campaign_changed(campaign_id)
        return report

    async def _note_failure(self, event_id: int, error: str) -> None:
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                await repository.mark_webhook_event(
                    session, event_id, processed_at=None, error=error[:1000]
                )

    async def replay_unprocessed(self, *, received_before: datetime) -> int:
        """Applies stored bodies never marked processed, oldest first; returns how many."""
        replayed, after_id = 0, 0
        while True:
            async with self.db.session() as session:
                ids = await repository.unprocessed_webhook_event_ids(
                    session, received_before=received_before, after_id=after_id, limit=_REPLAY_BATCH
                )
            for event_id in ids:
                replayed += await self._replay(event_id)
            if len(ids) < _REPLAY_BATCH:
                return replayed
            after_id = ids[-1]

    async def _replay(self, event_id: int) -> int:
        async with self.db.session() as session:
            body = await repository.webhook_event_body(session, event_id)
        try:
            parsed = parse_webhook(body or b"")
        except WebhookParseError as exc:
            async with self.db.transaction() as session:
                await repository.mark_webhook_event(
                    session, event_id, processed_at=utcnow(), error=f"unreadable: {exc}"
                )
            return 0
        return int(await self._apply(event_id, parsed) is not None)

    async def start(self) -> None:
        """Replays what an earlier process left unapplied, then keeps replaying periodically."""
        if self._replays is None:
            self._started_at = utcnow()
            self._replays = asyncio.create_task(self._replay_forever(), name="pytake-webhooks")

    async def stop(self) -> None:
        if self._replays is not None:
            self._replays.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replays
            self._replays = None

    async def _replay_forever(self) -> None:
        while True:
            cutoff = max(self._started_at, utcnow() - REPLAY_GRACE)
            try:
                if replayed := await self.replay_unprocessed(received_before=cutoff):
                    logger.info("replayed %d stored webhook bodies", replayed)
            except Exception:  # the database may be away for a while: try again next round
                logger.exception("replaying stored webhook bodies failed; trying again later")
            await asyncio.sleep(REPLAY_INTERVAL_SECONDS)


def _report_value_errors(parsed: WebhookBody) -> None:
    for error in parsed.errors:
        WEBHOOK_ERRORS.labels(str(error.code) if error.code is not None else "none").inc()
        logger.warning("Meta reported an error about no message in particular: %s", error.message)


def _receipt(parsed: WebhookBody, report: DeliveryReport | None) -> WebhookReceipt:
    received, skipped, errors = len(parsed.statuses), parsed.skipped, len(parsed.errors)
    if report is None:
        return WebhookReceipt(received, skipped=skipped, errors=errors, deferred=True)
    return WebhookReceipt(
        received=received,
        applied=report.count(ReceiptResult.APPLIED),
        duplicates=report.count(ReceiptResult.DUPLICATE),
        unknown=report.count(ReceiptResult.UNKNOWN),
        ignored=report.count(ReceiptResult.IGNORED),
        skipped=skipped,
        errors=errors,
    )
