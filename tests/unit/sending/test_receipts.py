"""The pure receipt rules: rank, idempotence, adoption by callback data, failures."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pytake.campaigns.models import CampaignStatus
from pytake.sending.ports import ErrorClass, SendError
from pytake.sending.receipts import (
    MessageSnapshot,
    ReceiptPlan,
    ReceiptResult,
    ReceiptStatus,
    StatusEvent,
    plan_receipts,
)
from pytake.sending.retry_policy import RetryPolicy

pytestmark = pytest.mark.unit

NOW = datetime(2025, 6, 16, 12, 0, tzinfo=UTC)
AT = datetime(2025, 6, 16, 11, 59, tzinfo=UTC)
TRANSIENT = SendError(ErrorClass.TRANSIENT, "(#131000) Something went wrong", code=131000)
PERMANENT = SendError(ErrorClass.PERMANENT, "(#131026) Undeliverable", code=131026)
THROTTLED = SendError(ErrorClass.THROTTLED, "(#131056) Pair rate", 131056, None, 4.0)


def _message(
    status: str = "sent",
    *,
    wamid: str | None = "wamid.A",
    retries_used: int = 0,
    campaign_status: str = CampaignStatus.COMPLETED,
) -> MessageSnapshot:
    return MessageSnapshot(
        uuid.uuid4(), uuid.uuid4(), campaign_status, RetryPolicy(), wamid, status, retries_used
    )


def _event(
    status: ReceiptStatus,
    wamid: str = "wamid.A",
    *,
    error: SendError | None = None,
    callback: str | None = None,
) -> StatusEvent:
    errors = (error,) if error else ()
    return StatusEvent(wamid, status, AT, errors=errors, biz_opaque_callback_data=callback)


def _plan(message: MessageSnapshot, *events: StatusEvent) -> ReceiptPlan:
    by_wamid = {message.wamid: message} if message.wamid else {}
    return plan_receipts(list(events), by_wamid=by_wamid, by_id={message.id: message}, now=NOW)


def test_read_implies_delivered_when_it_comes_first() -> None:
    plan = _plan(_message(), _event(ReceiptStatus.READ), _event(ReceiptStatus.DELIVERED))
    (change,) = plan.changes.values()
    assert (change.reached, change.delivered_at, change.read_at) == ("read", AT, AT)
    assert plan.results == {ReceiptResult.APPLIED: 1, ReceiptResult.DUPLICATE: 1}


def test_nothing_changes_when_the_status_is_already_reached() -> None:
    plan = _plan(_message("read"), _event(ReceiptStatus.DELIVERED), _event(ReceiptStatus.PLAYED))
    assert plan.changes == {}
    assert plan.results == {ReceiptResult.DUPLICATE: 2}


def test_unknown_is_counted_when_no_message_has_the_wamid() -> None:
    plan = _plan(_message(), _event(ReceiptStatus.READ, "wamid.other"))
    assert (plan.changes, plan.results) == ({}, {ReceiptResult.UNKNOWN: 1})


def test_transient_failure_schedules_a_retry_when_budget_remains() -> None:
    message = _message()
    plan = _plan(message, _event(ReceiptStatus.FAILED, error=TRANSIENT))
    failure = plan.changes[message.id].failure
    assert failure is not None
    assert (failure.status, failure.spends_retry) == ("retrying", True)
    assert failure.next_attempt_at == NOW + timedelta(seconds=60)
    assert plan.retried_campaign_ids == {message.campaign_id}


@pytest.mark.parametrize(
    ("error", "retries_used", "campaign_status"),
    [
        (PERMANENT, 0, CampaignStatus.RUNNING),
        (TRANSIENT, 3, CampaignStatus.RUNNING),
        (THROTTLED, 3, CampaignStatus.RUNNING),
        (TRANSIENT, 0, CampaignStatus.CANCELLED),
    ],
)
def test_contact_fails_when_failure_is_not_worth_a_retry(
    error: SendError, retries_used: int, campaign_status: str
) -> None:
    message = _message(retries_used=retries_used, campaign_status=campaign_status)
    plan = _plan(message, _event(ReceiptStatus.FAILED, error=error))
    failure = plan.changes[message.id].failure
    assert failure is not None
    assert (failure.status, failure.next_attempt_at) == ("failed", None)
    assert plan.retried_campaign_ids == set()


def test_throttled_failure_spends_a_retry_when_it_reopens_an_accepted_send() -> None:
    message = _message()
    failure = (
        _plan(message, _event(ReceiptStatus.FAILED, error=THROTTLED)).changes[message.id].failure
    )
    assert failure is not None
    assert (failure.status, failure.spends_retry) == ("retrying", True)


def test_failure_is_ignored_when_the_message_was_already_delivered() -> None:
    plan = _plan(_message("delivered"), _event(ReceiptStatus.FAILED, error=TRANSIENT))
    assert (plan.changes, plan.results) == ({}, {ReceiptResult.IGNORED: 1})
    assert len(plan.late_failures) == 1


def test_news_of_a_failed_send_is_ignored_when_it_arrives_after_the_failure() -> None:
    plan = _plan(
        _message(),
        _event(ReceiptStatus.FAILED, error=PERMANENT),
        _event(ReceiptStatus.SENT),
        _event(ReceiptStatus.FAILED, error=PERMANENT),
    )
    assert plan.results == {
        ReceiptResult.APPLIED: 1,
        ReceiptResult.IGNORED: 1,
        ReceiptResult.DUPLICATE: 1,
    }


@pytest.mark.parametrize("status", ["pending", "sending", "retrying", "failed", "cancelled"])
def test_message_adopts_the_wamid_when_callback_data_names_it(status: str) -> None:
    message = _message(status, wamid=None)
    plan = _plan(
        message,
        _event(ReceiptStatus.SENT, "wamid.N", callback=str(message.id)),
        _event(ReceiptStatus.DELIVERED, "wamid.N"),
    )
    change = plan.changes[message.id]
    assert (change.adopted, change.wamid, change.reached) == (True, "wamid.N", "delivered")
    assert plan.results == {ReceiptResult.APPLIED: 2}


def test_failure_is_not_adopted_when_only_its_callback_data_is_known() -> None:
    message = _message("retrying", wamid=None)
    event = _event(ReceiptStatus.FAILED, "wamid.N", error=PERMANENT, callback=str(message.id))
    assert _plan(message, event).results == {ReceiptResult.UNKNOWN: 1}
