"""API shapes of contacts: what a client sends and what it gets back."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pytake.contacts.limits import (
    MAX_ATTRIBUTE_KEY_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    check_attributes,
    check_tag_count,
    check_tag_length,
    normalize_tags,
)
from pytake.contacts.phones import normalize_phone
from pytake.core.api_fields import Trimmed, not_null
from pytake.core.json_values import finite_json

MAX_BULK_CONTACTS = 10_000
Value = TypeVar("Value")
Checked = TypeVar("Checked")


def _plain_errors(kind: str, check: Callable[[Value], Checked]) -> Callable[[Value], Checked]:
    """`check` with its ValueError's message kept as is, without pydantic's "Value error, "."""

    def checked(value: Value) -> Checked:
        try:
            return check(value)
        except ValueError as exc:
            raise PydanticCustomError(kind, "{error}", {"error": str(exc)}) from None

    return checked


def _attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    check_attributes(attributes)
    return attributes


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH), Trimmed()]
RawPhone = Annotated[str, StringConstraints(max_length=64)]
Phone = Annotated[RawPhone, AfterValidator(_plain_errors("phone_number", normalize_phone))]


def _tags(values: list[str]) -> list[str]:
    """Within the bounds as sent (so the schema can state them), then trimmed, unique, sorted."""
    check_tag_count(len(values))
    for value in values:
        check_tag_length(value)
    return normalize_tags(values)


Tags = Annotated[
    list[str],
    AfterValidator(_plain_errors("contact_tags", _tags)),
    Field(
        json_schema_extra={
            "maxItems": MAX_TAGS,
            "items": {"type": "string", "maxLength": MAX_TAG_LENGTH},
        }
    ),
]
Attributes = Annotated[
    dict[str, Any],
    AfterValidator(finite_json),
    AfterValidator(_plain_errors("contact_attributes", _attributes)),
    # The bounds `check_attributes` enforces, as far as a JSON Schema can say them (not the
    # total size of the attributes as JSON).
    Field(
        json_schema_extra={
            "maxProperties": MAX_ATTRIBUTES,
            "propertyNames": {"maxLength": MAX_ATTRIBUTE_KEY_LENGTH},
            "additionalProperties": {
                "type": ["string", "number", "boolean", "null"],
                "maxLength": MAX_ATTRIBUTE_VALUE_LENGTH,
            },
        }
    ),
]


class ContactIn(BaseModel):
    """One contact of a bulk upload: its phone is checked per row, so one bad phone fails
    only its own row."""

    name: Name
    phone: RawPhone
    attributes: Attributes = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)
    opted_out: StrictBool | None = None


class ContactCreate(ContactIn):
    phone: Phone


class ContactUpdate(BaseModel):
    """A partial update: only the fields sent change; `attributes` and `tags` are replaced."""

    model_config = ConfigDict(
        json_schema_extra=not_null("name", "phone", "attributes", "tags", "opted_out")
    )

    name: Name | None = None
    phone: Phone | None = None
    attributes: Attributes | None = None
    tags: Tags | None = None
    opted_out: StrictBool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    phone: str
    attributes: dict[str, Any]
    tags: list[str]
    opted_out: bool
    created_at: datetime
    updated_at: datetime


class ContactList(BaseModel):
    items: list[ContactRead]
    next_cursor: str | None


class RowErrorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row: int
    error: str


class ImportResult(BaseModel):
    """Outcome of an upload: rows sent = created + updated + duplicates + errors_total.

    `duplicates` counts rows merged into an earlier row of the same phone (a large CSV's rows
    are merged a chunk at a time, so a phone repeated far apart counts as updated instead);
    `errors` lists the first 1,000 rejected rows, `errors_total` counts them all.
    """

    model_config = ConfigDict(from_attributes=True)

    created: int
    updated: int
    duplicates: int
    errors: list[RowErrorRead]
    errors_total: int


BulkContacts = Annotated[list[ContactIn], Field(max_length=MAX_BULK_CONTACTS)]
