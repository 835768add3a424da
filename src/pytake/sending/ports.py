"""What the engine needs from the outside, declared here and implemented at the edges."""

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class ErrorClass(StrEnum):
    """How a failed send is treated (ENGINE.md §2)."""

    TRANSIENT = "transient"
    THROTTLED = "throttled"
    PERMANENT = "permanent"
    HALTING = "halting"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SendError:
    error_class: ErrorClass
    message: str
    code: int | None = None
    http_status: int | None = None
    retry_after_seconds: float | None = None
    # Throttling that concerns one recipient (pair rate) rather than the sending number.
    per_recipient: bool = False


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One template message to one recipient, already personalised."""

    message_id: uuid.UUID
    to: str
    template_name: str
    language: str
    components: list[dict[str, Any]] = field(default_factory=list)
    phone_number_id: str = ""
    access_token: str = field(default="", repr=False)
    api_base_url: str = ""
    # Earlier attempts at this message, throttled ones included (131056 waits 4^x seconds).
    attempt_count: int = 0


@dataclass(frozen=True, slots=True)
class SendResult:
    wamid: str | None
    error: SendError | None
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


class MessageSender(Protocol):
    async def send(self, request: SendRequest) -> SendResult: ...

    async def close(self) -> None: ...


class ProgressPublisher(Protocol):
    """Told, without waiting, whenever a campaign's figures or status may have changed."""

    def campaign_changed(self, campaign_id: uuid.UUID) -> None: ...


class RateLimiterUnavailableError(Exception):
    """The shared limiter cannot be reached: no send may go out until it can."""


class RateLimiter(Protocol):
    """Paces sends per WhatsApp number, for every campaign on it (ENGINE.md §4)."""

    async def acquire(self, key: str, rate_per_second: float) -> None:
        """Returns when `key` may send its next message; raises RateLimiterUnavailableError."""
        ...

    async def slow_down(self, key: str) -> None:
        """The API said this number sends too fast: slow it down, then recover gradually."""
        ...
