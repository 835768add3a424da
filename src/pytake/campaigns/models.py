"""ORM models: the campaign, one message row per campaign×contact, one attempt row per try.

Nothing about a contact's history is kept on the campaign row, so writing an outcome costs the
same whatever the campaign's size.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from pytake.core.db import Base, BigId, UTCDateTime, new_id, utcnow


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PauseReason(StrEnum):
    MANUAL = "manual"
    RATE_LIMIT = "rate_limit"
    ACCOUNT = "account"
    ERROR_THRESHOLD = "error_threshold"


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Campaign(Base):
    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_org_created", "organization_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    whatsapp_number_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("whatsapp_number.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[dict[str, Any]] = mapped_column(JSON)
    contact_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    retry_max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_base_delay: Mapped[int] = mapped_column(Integer, default=60)
    retry_max_delay: Mapped[int] = mapped_column(Integer, default=3600)
    retry_jitter: Mapped[str] = mapped_column(String(8), default="none")
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT, index=True)
    pause_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pause_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    resume_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    total_contacts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Message(Base):
    """The current state of one contact in one campaign, with a snapshot of the contact."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        Index("ix_message_due", "campaign_id", "status", "next_attempt_at"),
        Index("ix_message_lease", "status", "lease_expires_at"),
        Index("ix_message_sent", "campaign_id", "sent_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    retries_used: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set by each claim; only the claimer holding it may record the outcome (a fence).
    lease_token: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # When the lease ran out without an outcome: webhooks get a grace period to show the send.
    lease_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # While `sending`: when the send was handed to the Cloud API client. A claim without it
    # cannot have reached Meta, so a lost claimer's message goes straight back to the queue.
    in_flight_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    wamid: Mapped[str | None] = mapped_column(String(128), nullable=True, unique=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error_class: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Attempt(Base):
    """One try at sending one message, successful or not."""

    __tablename__ = "attempt"
    __table_args__ = (
        Index("ix_attempt_message", "message_id", "attempt_number"),
        Index("ix_attempt_campaign_errors", "campaign_id", "success", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    attempt_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)
    wamid: Mapped[str | None] = mapped_column(String(128), nullable=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_class: Mapped[str | None] = mapped_column(String(16), nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
