"""API shapes of campaigns, their per-contact records, errors and retry statistics."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from pytake.campaigns.template import find_invalid_placeholders
from pytake.core.api_fields import JSON_INTEGER, JsonTimestamp, not_null
from pytake.core.json_values import finite_json

MaxAttempts = Annotated[int, Field(ge=1, le=10), JSON_INTEGER]
BaseDelay = Annotated[int, Field(ge=10, le=600), JSON_INTEGER]
MaxDelay = Annotated[int, Field(ge=60, le=7200), JSON_INTEGER]
Jitter = Literal["none", "full"]
COMPONENT_TYPES = {"header", "body", "button", "footer", "carousel", "limited_time_offer"}
MAX_CONTACT_IDS = 10_000


def _few_contact_ids(contact_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(contact_ids) > MAX_CONTACT_IDS:
        raise PydanticCustomError(
            "too_many_contact_ids",
            "at most {limit} contact_ids (got {count}): use contact_tags for larger audiences",
            {"limit": f"{MAX_CONTACT_IDS:,}", "count": f"{len(contact_ids):,}"},
        )
    return contact_ids


ContactIds = Annotated[list[uuid.UUID], AfterValidator(_few_contact_ids)]
ContactTags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=100)
]


class TemplateSpec(BaseModel):
    """A Cloud API template: its name, language and components with placeholders."""

    name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    language: str = Field(min_length=2, max_length=15, pattern=r"^[A-Za-z]{2,3}(_[A-Za-z0-9]+)?$")
    components: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=20,
        json_schema_extra={
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": [*sorted(COMPONENT_TYPES)]}},
            }
        },
    )

    @field_validator("components")
    @classmethod
    def _known_components(cls, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, component in enumerate(components):
            kind = component.get("type")
            if not isinstance(kind, str) or kind not in COMPONENT_TYPES:
                allowed = ", ".join(sorted(COMPONENT_TYPES))
                raise ValueError(f"components[{index}].type must be one of {allowed}")
        finite_json(components)
        invalid = find_invalid_placeholders(components)
        if invalid:
            raise ValueError(
                f"unknown placeholder {invalid[0]}: use {{{{contact.name}}}}, "
                "{{contact.phone}} or {{contact.attributes.KEY}}"
            )
        return components


# Not every rule fits a JSON Schema (retry_max_delay >= retry_base_delay does not), but the
# audience's does: contact_ids, contact_tags or both, not empty.
_SOME_AUDIENCE: JsonDict = {
    "anyOf": [
        {"required": [name], "properties": {name: {"minItems": 1}}}
        for name in ("contact_ids", "contact_tags")
    ]
}


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_SOME_AUDIENCE)

    name: str = Field(min_length=1, max_length=200)
    whatsapp_number_id: uuid.UUID
    template: TemplateSpec
    contact_ids: ContactIds = Field(default_factory=list)
    contact_tags: ContactTags = Field(default_factory=list)
    retry_max_attempts: MaxAttempts = 3
    retry_base_delay: BaseDelay = 60
    retry_max_delay: MaxDelay = 3600
    retry_jitter: Jitter = "none"
    scheduled_at: JsonTimestamp | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.retry_max_delay < self.retry_base_delay:
            raise ValueError("retry_max_delay must be >= retry_base_delay")
        if not self.contact_ids and not self.contact_tags:
            raise ValueError("the audience is empty: give contact_ids, contact_tags or both")
        return self


_NOT_NULL = (
    "name",
    "whatsapp_number_id",
    "template",
    "contact_ids",
    "contact_tags",
    "retry_max_attempts",
    "retry_base_delay",
    "retry_max_delay",
    "retry_jitter",
)


class CampaignUpdate(BaseModel):
    """A partial change of a draft campaign; bounds as on creation. Only `scheduled_at` may be
    null (no schedule); the other fields may be left out, but not null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=not_null(*_NOT_NULL))

    name: str | None = Field(default=None, min_length=1, max_length=200)
    whatsapp_number_id: uuid.UUID | None = None
    template: TemplateSpec | None = None
    contact_ids: ContactIds | None = None
    contact_tags: ContactTags | None = None
    retry_max_attempts: MaxAttempts | None = None
    retry_base_delay: BaseDelay | None = None
    retry_max_delay: MaxDelay | None = None
    retry_jitter: Jitter | None = None
    scheduled_at: JsonTimestamp | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in _NOT_NULL:
            raise ValueError("may be left out, but not null")
        return value


class StatusCounts(BaseModel):
    pending: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0


class CampaignRead(BaseModel):
    id: uuid.UUID
    name: str
    whatsapp_number_id: uuid.UUID | None
    template: dict[str, Any]
    contact_ids: list[uuid.UUID]
    contact_tags: list[str]
    retry_max_attempts: int
    retry_base_delay: int
    retry_max_delay: int
    retry_jitter: str
    scheduled_at: datetime | None
    status: str
    pause_reason: str | None
    pause_detail: str | None
    resume_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    total_contacts: int
    messages_pending: int
    messages_sent: int
    messages_delivered: int
    messages_read: int
    messages_failed: int
    messages_retrying: int
    progress: float
    # Seconds until the open messages are sent, from the observed pace and the number's limits.
    eta_seconds: float | None = None


class CampaignPage(BaseModel):
    items: list[CampaignRead]
    next_cursor: str | None


class RetryFailedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_permanent: StrictBool = False


class RetryConfiguration(BaseModel):
    retry_max_attempts: int
    retry_base_delay: int
    retry_max_delay: int
    retry_jitter: Jitter


class ErrorRecord(BaseModel):
    contact_id: uuid.UUID
    contact_name: str
    contact_phone: str
    attempt: int
    error: str
    code: int | None
    timestamp: datetime


class ErrorPage(BaseModel):
    items: list[ErrorRecord]
    next_cursor: str | None


class RetryStats(BaseModel):
    total_contacts: int
    statuses: StatusCounts
    total_attempts: int
    avg_attempts_per_contact: float
    successful_on_first_attempt: int
    required_retries: int
    retry_rate: float
    configuration: RetryConfiguration
    recent_errors: list[ErrorRecord]


class AttemptRead(BaseModel):
    attempt: int
    timestamp: datetime
    success: bool
    error: str | None
    code: int | None
    message_id: str | None


class MessageRecord(BaseModel):
    contact_id: uuid.UUID
    contact_name: str
    contact_phone: str
    status: str
    message_id: str | None
    attempts: list[AttemptRead]
    created_at: datetime
    last_update: datetime


class MessagePage(BaseModel):
    items: list[MessageRecord]
    next_cursor: str | None


class ProgressStats(BaseModel):
    total_contacts: int
    statuses: StatusCounts


class CampaignProgress(BaseModel):
    """One live-progress event (API.md "Live progress"); `final` once the campaign has ended."""

    event: Literal["campaign.progress"] = "campaign.progress"
    campaign_id: uuid.UUID
    status: str
    progress: float
    # Seconds until the open messages are sent, from the observed pace and the number's limits.
    eta_seconds: float | None = None
    final: bool
    pause_reason: str | None
    pause_detail: str | None
    resume_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    messages_pending: int
    messages_sent: int
    messages_delivered: int
    messages_read: int
    messages_failed: int
    messages_retrying: int
    stats: ProgressStats


class AttemptBucket(BaseModel):
    attempts: int
    contacts: int


class ErrorReason(BaseModel):
    code: int | None
    error_class: str | None
    attempts: int
    example: str
