"""ORM model of a WhatsApp business number (its access token is never returned)."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pytake.core.db import Base, UTCDateTime, new_id, utcnow

# The Cloud API's default throughput per business number (messages per second).
DEFAULT_THROUGHPUT_MPS = 80


class WhatsAppNumber(Base):
    __tablename__ = "whatsapp_number"
    __table_args__ = (UniqueConstraint("organization_id", "phone_number_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    phone_number_id: Mapped[str] = mapped_column(String(64))
    display_phone_number: Mapped[str] = mapped_column(String(32))
    # The WhatsApp Business Account the number belongs to (digits), when known.
    waba_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    access_token: Mapped[str] = mapped_column(Text)
    throughput_mps: Mapped[int] = mapped_column(Integer, default=DEFAULT_THROUGHPUT_MPS)
    messaging_limit_24h: Mapped[int | None] = mapped_column(Integer, nullable=True)
    api_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
