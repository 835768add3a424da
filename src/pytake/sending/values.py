"""The engine's own value objects: what a claim hands out and what a send leaves behind."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pytake.sending.retry_policy import RetryPolicy


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    """Everything needed to send a running campaign's messages."""

    campaign_id: uuid.UUID
    status: str
    template_name: str
    language: str
    components: list[dict[str, Any]]
    policy: RetryPolicy
    number_id: uuid.UUID
    phone_number_id: str
    # As stored: a Fernet token, decrypted once by the pipeline that sends the campaign.
    encrypted_access_token: str = field(repr=False)
    api_base_url: str | None
    throughput_mps: int
    messaging_limit_24h: int | None


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: uuid.UUID
    contact_name: str
    contact_phone: str
    contact_attributes: dict[str, Any]
    attempt_count: int
    retries_used: int
    lease_token: uuid.UUID


@dataclass(slots=True)
class Outcome:
    """The new state of one message after one attempt, and the attempt row to write."""

    message_id: uuid.UUID
    lease_token: uuid.UUID
    attempt_number: int
    attempted_at: datetime
    status: str
    retries_used: int
    success: bool
    wamid: str | None = None
    next_attempt_at: datetime | None = None
    error_message: str | None = None
    error_code: int | None = None
    error_class: str | None = None
    duration_ms: int = 0
