"""ORM model of received Cloud API webhooks, stored raw before they are applied."""

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from pytake.core.db import Base, BigId, UTCDateTime, utcnow


class WebhookEvent(Base):
    """One signed webhook body exactly as Meta sent it; `processed_at` is set once applied."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_unprocessed", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status_count: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
