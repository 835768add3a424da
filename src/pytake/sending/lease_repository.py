"""SQL of leases: handing claims to the API, renewing them, and taking them back.

A message being sent is in one of two states: *claimed* (under a lease, not yet handed to the
HTTP client: it cannot have reached Meta) or *in flight* (`in_flight_at` set: it may have).
A lost claimer's claimed messages go straight back to the queue; only in-flight ones wait
for a status webhook to show whether they went out.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import Attempt, Message, MessageStatus
from pytake.contacts.models import Contact

LOST_SEND_ERROR = "no answer was recorded for this send (its sender stopped); sending again"


@dataclass(frozen=True, slots=True)
class TakenBack:
    requeued_claims: int  # never handed to the API: queued again at once
    fenced: int  # in flight when their sender was lost: waiting for a webhook
    requeued_sends: int  # in flight, and no webhook showed them within the grace period

    def __bool__(self) -> bool:
        return bool(self.requeued_claims or self.fenced or self.requeued_sends)

    def describe(self) -> str:
        return (
            f"leases taken back: {self.requeued_claims} claims never sent queued again at once, "
            f"{self.fenced} sends in flight waiting for a sign they went out, "
            f"{self.requeued_sends} showing none queued again"
        )


def _held(claims: Collection[tuple[uuid.UUID, uuid.UUID]]) -> ColumnElement[bool]:
    ids = [message_id for message_id, _ in claims]
    tokens = {token for _, token in claims}
    return (
        Message.id.in_(ids)
        & Message.lease_token.in_(tokens)
        & (Message.status == MessageStatus.SENDING)
    )


async def hand_off(
    session: AsyncSession, claims: Collection[tuple[uuid.UUID, uuid.UUID]], *, now: datetime
) -> frozenset[uuid.UUID]:
    """Marks claimed messages (id, lease token) in flight and returns those marked: the rest
    are no longer the claimer's to send. A message whose contact opted out since the claim
    ends `skipped` here, so an opt-out holds at the moment of sending."""
    if not claims:
        return frozenset()
    opted_out = exists().where(Contact.id == Message.contact_id, Contact.opted_out.is_(True))
    rows = await session.execute(
        update(Message)
        .where(_held(claims), Message.in_flight_at.is_(None))
        .values(
            status=case((opted_out, MessageStatus.SKIPPED), else_=Message.status),
            lease_token=case((opted_out, None), else_=Message.lease_token),
            lease_expires_at=case((opted_out, None), else_=Message.lease_expires_at),
            next_attempt_at=case((opted_out, None), else_=Message.next_attempt_at),
            in_flight_at=case((opted_out, None), else_=now),
        )
        .returning(Message.id, Message.status)
        .execution_options(synchronize_session=False)
    )
    return frozenset(message_id for message_id, status in rows if status == MessageStatus.SENDING)


async def renew_leases(
    session: AsyncSession, tokens: Collection[uuid.UUID], *, until: datetime
) -> int:
    """The holder's heartbeat: its messages' leases run until `until`; fenced ones stay lost."""
    if not tokens:
        return 0
    result = await session.execute(
        update(Message)
        .where(Message.lease_token.in_(tokens), Message.status == MessageStatus.SENDING)
        .values(lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def take_back_leases(
    session: AsyncSession, *, now: datetime, grace: timedelta, every_lease: bool = False
) -> TakenBack:
    """Takes back messages whose sender was lost, without sending anything twice.

    With `every_lease`, every live lease counts as lost (a process that owns the database
    alone, starting again). Claims never handed go back to the queue at once. A lease lost
    in flight is fenced off (its claimer can no longer record) and given `grace` for a status
    webhook to show the send happened (delivery matches it by callback data); only a message
    still unconfirmed after that is queued again, with the lost send recorded as a failed
    attempt that spends no retry.
    """
    lost = (Message.status == MessageStatus.SENDING) & Message.lease_lost_at.is_(None)
    if not every_lease:
        lost &= Message.lease_expires_at < now
    claims = await session.execute(
        update(Message)
        .where(lost, Message.in_flight_at.is_(None))
        .values(
            status=MessageStatus.PENDING,
            lease_token=None,
            lease_expires_at=None,
            next_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    fenced = await session.execute(
        update(Message)
        .where(lost)
        .values(lease_token=None, lease_lost_at=now, lease_expires_at=now + grace)
        .execution_options(synchronize_session=False)
    )
    requeued = await _requeue_unconfirmed(session, now)
    return TakenBack(
        int(claims.rowcount),  # type: ignore[attr-defined]
        int(fenced.rowcount),  # type: ignore[attr-defined]
        requeued,
    )


async def _requeue_unconfirmed(session: AsyncSession, now: datetime) -> int:
    expired = (
        select(Message.id, Message.campaign_id, Message.attempt_count)
        .where(
            Message.status == MessageStatus.SENDING,
            Message.lease_lost_at.is_not(None),
            Message.lease_expires_at < now,
        )
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(expired)).all()
    if not rows:
        return 0
    await session.execute(insert(Attempt), [_lost_attempt(*row, now) for row in rows])
    await session.execute(
        update(Message)
        .where(Message.id.in_([row.id for row in rows]))
        .values(
            status=MessageStatus.RETRYING,
            attempt_count=Message.attempt_count + 1,
            next_attempt_at=now,
            lease_expires_at=None,
            lease_lost_at=None,
            in_flight_at=None,
            last_error=LOST_SEND_ERROR,
            last_error_code=None,
            last_error_class="transient",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return len(rows)


def _lost_attempt(
    message_id: uuid.UUID, campaign_id: uuid.UUID, attempt_count: int, now: datetime
) -> dict[str, object]:
    return {
        "message_id": message_id,
        "campaign_id": campaign_id,
        "attempt_number": attempt_count,
        "created_at": now,
        "success": False,
        "error_message": LOST_SEND_ERROR,
        "error_class": "transient",
    }
