"""Applies status receipts to messages in bulk: one lookup and a few statements per body."""

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import MessageStatus
from pytake.sending import receipts_repository as repository
from pytake.sending.receipts import (
    ReceiptPlan,
    ReceiptResult,
    ReceiptStatus,
    StatusEvent,
    plan_receipts,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What a batch of receipts did: counts by result, and the campaigns whose figures moved."""

    results: Counter[ReceiptResult] = field(default_factory=Counter)
    retries_scheduled: int = 0
    changed_campaign_ids: frozenset[uuid.UUID] = frozenset()
    reopened_campaign_ids: frozenset[uuid.UUID] = frozenset()

    def count(self, result: ReceiptResult) -> int:
        return self.results[result]


async def update_message_status(
    session: AsyncSession, events: Sequence[StatusEvent], *, now: datetime
) -> DeliveryReport:
    """Applies every receipt idempotently and monotonically; unknown ids are counted, no more.

    Matched by wamid, or for a send whose answer was lost by the message id echoed in
    `biz_opaque_callback_data` (the wamid is then adopted). A `failed` receipt after
    acceptance becomes the contact's error and, when worth it, a retry.
    """
    if not events:
        return DeliveryReport()
    by_wamid = await repository.snapshots_by_wamid(session, {e.wamid for e in events})
    callback_ids = {
        message_id
        for e in events
        if e.wamid not in by_wamid
        and e.status is not ReceiptStatus.FAILED
        and (message_id := e.callback_message_id) is not None
    }
    by_id = await repository.adoptable_snapshots(session, callback_ids) if callback_ids else {}
    plan = plan_receipts(list(events), by_wamid=by_wamid, by_id=by_id, now=now)
    await repository.write_changes(session, plan.changes.values(), now=now)
    reopened = await repository.reopen_completed_campaigns(session, plan.retried_campaign_ids)
    _log(plan, reopened)
    return DeliveryReport(
        results=plan.results,
        retries_scheduled=sum(
            1
            for change in plan.changes.values()
            if change.failure is not None and change.failure.status == MessageStatus.RETRYING
        ),
        changed_campaign_ids=frozenset(c.snapshot.campaign_id for c in plan.changes.values()),
        reopened_campaign_ids=frozenset(reopened),
    )


def _log(plan: ReceiptPlan, reopened: list[uuid.UUID]) -> None:
    for event in plan.late_failures:
        logger.info(
            "kept the delivered/read state of %s: its failed status came after it (%s)",
            event.wamid,
            event.errors[0].message if event.errors else "no details",
        )
    if unknown := plan.results[ReceiptResult.UNKNOWN]:
        logger.info("ignored %d statuses about messages this engine does not know", unknown)
    for campaign_id in reopened:
        logger.info("campaign %s runs again: a failed status scheduled a retry", campaign_id)
