"""API shapes of WhatsApp numbers; the access token goes in and never comes back out."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from pytake.core.api_fields import JSON_INTEGER, Trimmed, not_null
from pytake.core.errors import InvalidInputError
from pytake.core.origins import OriginAllowlist, OriginError, origin_of

_HTTP_URL = TypeAdapter(HttpUrl)
# Meta's ids are decimal numbers; they also go into request paths, so nothing else gets in.
_GRAPH_ID = re.compile(r"[0-9]{1,32}")
API_HOSTS_SETTING = "PYTAKE_WHATSAPP_API_HOSTS"


def _base_url(text: str) -> str:
    try:
        _HTTP_URL.validate_python(text)
    except ValidationError:
        raise ValueError("must be an http:// or https:// URL") from None
    try:
        origin_of(text)
    except OriginError as exc:
        raise ValueError(f"must be an http:// or https:// URL: it {exc}") from None
    # Kept as written (not pydantic's normalised form) minus a trailing slash, because the
    # client appends "/{phone_number_id}/messages" to it.
    return text.rstrip("/")


def _graph_id(text: str) -> str:
    if not _GRAPH_ID.fullmatch(text):
        raise ValueError("must be 1 to 32 digits, as WhatsApp Manager shows it")
    return text


def check_api_base_url(api_base_url: str | None, allowed: OriginAllowlist) -> None:
    """InvalidInputError at `api_base_url` (a URL the schema took) unless under `allowed`.

    The allowed origins are the operator's configuration, so the message names the setting
    but does not list them.
    """
    if api_base_url is None or allowed.allows(api_base_url):
        return
    raise InvalidInputError(
        f"must be under an origin listed in {API_HOSTS_SETTING}; "
        f"{origin_of(api_base_url)} is not one",
        field="api_base_url",
    )


# Not trimmed: the schema's pattern is what validation accepts.
GraphId = Annotated[
    str,
    AfterValidator(_graph_id),
    Field(json_schema_extra={"pattern": f"^{_GRAPH_ID.pattern}$"}),
]
PhoneNumberId = GraphId
WabaId = GraphId
DisplayPhoneNumber = Annotated[str, StringConstraints(min_length=1, max_length=32), Trimmed()]
AccessToken = Annotated[SecretStr, Field(min_length=1, max_length=4096)]
# Meta's tiers stop at 100,000 before "unlimited" (null here); the column is a 32-bit INTEGER.
MAX_MESSAGING_LIMIT_24H = 10_000_000
Throughput = Annotated[int, Field(ge=1, le=1000, description="sends per second"), JSON_INTEGER]
MessagingLimit = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_MESSAGING_LIMIT_24H,
        description="distinct recipients per rolling 24 h; null = unlimited",
    ),
    JSON_INTEGER,
]
BaseUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_base_url)
]


class WhatsAppNumberCreate(BaseModel):
    phone_number_id: PhoneNumberId
    display_phone_number: DisplayPhoneNumber
    waba_id: WabaId | None = None
    access_token: AccessToken
    throughput_mps: Throughput = 80
    messaging_limit_24h: MessagingLimit | None = 1000
    api_base_url: BaseUrl | None = None


class WhatsAppNumberUpdate(BaseModel):
    """A partial update: only the fields sent change (`access_token` rotates the token)."""

    model_config = ConfigDict(
        json_schema_extra=not_null(
            "phone_number_id", "display_phone_number", "access_token", "throughput_mps"
        )
    )

    phone_number_id: PhoneNumberId | None = None
    display_phone_number: DisplayPhoneNumber | None = None
    waba_id: WabaId | None = None
    access_token: AccessToken | None = None
    throughput_mps: Throughput | None = None
    messaging_limit_24h: MessagingLimit | None = None
    api_base_url: BaseUrl | None = None

    @field_validator(
        "phone_number_id", "display_phone_number", "access_token", "throughput_mps", mode="before"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class WhatsAppNumberRead(BaseModel):
    """A number as the API shows it: deliberately without any access token field."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    phone_number_id: str
    display_phone_number: str
    waba_id: str | None
    throughput_mps: int
    messaging_limit_24h: int | None
    api_base_url: str | None
    created_at: datetime
    updated_at: datetime


class WhatsAppNumberList(BaseModel):
    items: list[WhatsAppNumberRead]
